package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// ErrWiped is returned, wrapped in a message that says what to do, by
// Check, Commit and ClaimTimers when the store's epoch key no longer holds
// the epoch the Store opened with: the Redis lost irbot's data (a restart
// without persistence, FLUSHALL, a restore of another backup) after this
// Store was opened. Check for it with errors.Is. It is not ErrConflict:
// retrying does not help; restarting irbot does, once someone has decided
// the data is really gone.
var ErrWiped = errors.New("redis store was emptied since irbot started")

// newEpoch returns a fresh epoch: 16 random bytes in hex, "@", and the
// creation time (RFC 3339, UTC).
func newEpoch(now time.Time) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make epoch id: %w", err)
	}
	return hex.EncodeToString(b) + "@" + now.UTC().Format(time.RFC3339), nil
}

// openEpoch creates the epoch key unless it exists (SET NX, inside one
// script) and returns the epoch it holds afterwards: the new one on an
// empty Redis or on data from an irbot without epochs, the existing one
// when another Store created it first.
func openEpoch(ctx context.Context, c goredis.UniversalClient, key string) (string, error) {
	fresh, err := newEpoch(time.Now())
	if err != nil {
		return "", err
	}
	return epochScript.Run(ctx, c, []string{key}, fresh).Text()
}

// Epoch returns the epoch the store opened with ("<random id>@<creation
// time>"), for logs.
func (s *Store) Epoch() string { return s.epoch }

// Check reports whether the store still holds the data it opened on. It
// returns nil when the epoch key still holds the Store's epoch, an error
// wrapping ErrWiped when the key is gone or holds another epoch, one
// wrapping store.ErrUnavailable when Redis cannot be reached now, and any
// other error (ctx) wrapped as it is. It costs one
// GET, so a readiness probe can call it every time. Safe for concurrent
// use.
func (s *Store) Check(ctx context.Context) error {
	cur, err := s.rdb.Get(ctx, s.k.epoch).Result()
	switch {
	case errors.Is(err, goredis.Nil):
		return s.wiped("")
	case err != nil:
		return fmt.Errorf("check redis store: %w", s.fail(ctx, err))
	case cur != s.epoch:
		return s.wiped(cur)
	}
	return nil
}

// wiped is the ErrWiped error for an epoch key that holds cur ("" when
// missing).
func (s *Store) wiped(cur string) error {
	if cur == "" {
		return fmt.Errorf("%w (epoch %s is gone): Redis restarted without persistence? "+
			"Run Redis with appendonly yes; restart irbot to start from the empty store", ErrWiped, s.epoch)
	}
	return fmt.Errorf("%w (epoch %s was replaced by %s, created by an irbot opened since): "+
		"Redis restarted without persistence, or was restored from another backup? "+
		"Run Redis with appendonly yes; restart irbot to use the store as it is now", ErrWiped, s.epoch, cur)
}
