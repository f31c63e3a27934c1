package redis

import (
	"context"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/irbot/irbot/store"
)

var _ store.Leaser = (*Store)(nil)

// leaseScript takes or renews lease KEYS[1] for owner ARGV[1] for ARGV[2]
// milliseconds: 1 when owner holds it now, 0 when another does.
var leaseScript = goredis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur == false or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`)

// releaseScript deletes lease KEYS[1] if owner ARGV[1] holds it.
var releaseScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

func (s *Store) leaseKey(name string) string { return "{" + s.prefix + "}:lease:" + name }

// Lease implements store.Leaser.
func (s *Store) Lease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	n, err := leaseScript.Run(ctx, s.rdb, []string{s.leaseKey(name)}, owner, ttl.Milliseconds()).Int()
	if err != nil {
		return false, s.fail(ctx, err)
	}
	return n == 1, nil
}

// Release implements store.Leaser.
func (s *Store) Release(ctx context.Context, name, owner string) error {
	return s.fail(ctx, releaseScript.Run(ctx, s.rdb, []string{s.leaseKey(name)}, owner).Err())
}
