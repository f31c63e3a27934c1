package redis

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/irbot/irbot/store"
)

// onlineTTL is how long a master's count of online replicas is trusted
// before INFO replication is asked again.
const onlineTTL = time.Second

// replicaCache remembers, per master, how many replicas were online and
// when that was read. Safe for concurrent use.
type replicaCache struct {
	mu sync.Mutex
	m  map[string]onlineCount
}

type onlineCount struct {
	n  int
	at time.Time
}

// checkAck refuses a replica acknowledgement Open cannot keep: one on a
// client of a kind it cannot pin to the master, or one that waits longer
// than the client reads (the wait is pipelined with the script and read
// under the client's read timeout).
func checkAck(c goredis.UniversalClient, ack ackConfig) error {
	if ack.replicas == 0 {
		return nil
	}
	var rt time.Duration
	switch c := c.(type) {
	case *goredis.Client:
		rt = c.Options().ReadTimeout
	case *goredis.ClusterClient:
		rt = c.Options().ReadTimeout
	default:
		return fmt.Errorf("redis store: replica acknowledgement needs a plain, sentinel or cluster client, not %T", c)
	}
	if rt == 0 {
		rt = 3 * time.Second // go-redis's default
	}
	if rt > 0 && ack.timeout >= rt {
		return fmt.Errorf("redis store: replica_ack_timeout %v must be shorter than the read timeout %v", ack.timeout, rt)
	}
	return nil
}

// run runs a writing script (commit, claim) and returns its reply. With
// replica acknowledgement off it is sc.Run. With it on, the script and a
// WAIT go to the store's master in one pipeline, on one connection, so
// the WAIT counts the replicas that hold this write (and the connection's
// earlier ones); see Durability in the package doc. wrote tells from the
// reply whether the script wrote anything: a reply that wrote nothing
// needs no acknowledgement. Errors are reported through s.fail.
func (s *Store) run(ctx context.Context, wrote func([]string) bool, sc *goredis.Script, keys []string, args ...any) ([]string, error) {
	if s.ack.replicas == 0 {
		res, err := sc.Run(ctx, s.rdb, keys, args...).StringSlice()
		return res, s.fail(ctx, err)
	}
	node, addr, err := s.master(ctx)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	want := min(s.ack.replicas, s.replicasOnline(ctx, node, addr, false))
	res, acked, err := s.evalWait(ctx, node, sc, keys, args, want)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	if acked >= int64(want) || !wrote(res) {
		return res, nil
	}
	// Fewer acknowledgements than replicas thought online: maybe one went
	// away (then there is nothing more to wait for), maybe one lags.
	if now := min(s.ack.replicas, s.replicasOnline(ctx, node, addr, true)); acked >= int64(now) {
		return res, nil
	}
	return nil, fmt.Errorf("%w: written on the master but held by %d of %d replicas after %v, so a failover now could lose it",
		store.ErrUnavailable, acked, want, s.ack.timeout)
}

// master returns the client of the master that holds the store's slot
// (the client itself unless on a cluster) and a name for it.
func (s *Store) master(ctx context.Context) (*goredis.Client, string, error) {
	switch c := s.rdb.(type) {
	case *goredis.ClusterClient:
		node, err := c.MasterForKey(ctx, s.k.epoch)
		if err != nil {
			return nil, "", err
		}
		return node, node.Options().Addr, nil
	case *goredis.Client:
		return c, "", nil // a sentinel client follows the master itself
	}
	return nil, "", fmt.Errorf("replica acknowledgement needs a plain, sentinel or cluster client, not %T", s.rdb)
}

// evalWait runs sc on node followed by WAIT want, in one pipeline, and
// returns the script's reply and how many replicas acknowledged. The
// script is sent by hash and, when the server does not know it yet, once
// more in full (NOSCRIPT means it did not run).
func (s *Store) evalWait(ctx context.Context, node *goredis.Client, sc *goredis.Script, keys []string, args []any, want int) ([]string, int64, error) {
	for attempt := 0; ; attempt++ {
		pipe := node.Pipeline()
		var ev *goredis.Cmd
		if attempt == 0 {
			ev = sc.EvalSha(ctx, pipe, keys, args...)
		} else {
			ev = sc.Eval(ctx, pipe, keys, args...)
		}
		var wait *goredis.Cmd
		if want > 0 {
			wait = pipe.Do(ctx, "WAIT", want, s.ack.timeout.Milliseconds())
		}
		_, execErr := pipe.Exec(ctx)
		if err := ev.Err(); attempt == 0 && goredis.HasErrorPrefix(err, "NOSCRIPT") {
			continue
		}
		if err := replyErr(ev, execErr); err != nil {
			return nil, 0, err
		}
		res, err := ev.StringSlice()
		if err != nil || wait == nil {
			return res, 0, err
		}
		if err := replyErr(wait, execErr); err != nil {
			return nil, 0, err
		}
		acked, err := wait.Int64()
		return res, acked, err
	}
}

// replicasOnline returns how many replicas the master at node reports
// online, from the cache unless it is older than onlineTTL or fresh is
// set. When INFO fails it returns the number the store wants, so that
// the write still waits for them.
func (s *Store) replicasOnline(ctx context.Context, node *goredis.Client, addr string, fresh bool) int {
	s.online.mu.Lock()
	c, ok := s.online.m[addr]
	s.online.mu.Unlock()
	if ok && !fresh && time.Since(c.at) < onlineTTL {
		return c.n
	}
	info, err := node.Info(ctx, "replication").Result()
	if err != nil {
		return s.ack.replicas
	}
	n := 0
	for _, line := range strings.Split(info, "\n") {
		if strings.HasPrefix(line, "slave") && strings.Contains(line, "state=online") {
			n++
		}
	}
	s.online.mu.Lock()
	if s.online.m == nil {
		s.online.m = map[string]onlineCount{}
	}
	s.online.m[addr] = onlineCount{n: n, at: time.Now()}
	s.online.mu.Unlock()
	return n
}

// replyErr returns the error of a pipelined command: its own, or the
// pipeline's when the command got no reply at all (go-redis leaves the
// commands of a pipeline it gave up on, after retrying a dial, without
// value or error).
func replyErr(c *goredis.Cmd, execErr error) error {
	if err := c.Err(); err != nil {
		return err
	}
	if c.Val() == nil {
		if execErr != nil {
			return execErr
		}
		return fmt.Errorf("no reply to %s", c.Name())
	}
	return nil
}
