package redis

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/redis/redistest"
)

// TestUnavailableWhenDown kills the only server under an open store:
// every call fails with an error wrapping store.ErrUnavailable that names
// no operation (the caller does), and Open does the same.
func TestUnavailableWhenDown(t *testing.T) {
	ctx := context.Background()
	master, _ := redistest.StartReplicated(t) // a server with persistence, killable
	// go-redis retries a dial for about a second; fail at once instead.
	c := goredis.NewClient(&goredis.Options{Addr: master.Addr, MaxRetries: -1, DialerRetries: 1})
	defer c.Close()
	s, err := Open(ctx, "", WithClient(c), WithPrefix("down"), WithReplicaAck(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, &store.Tx{SetTimers: []bot.Timer{{ID: "esc", Due: t0}}}); err != nil {
		t.Fatal(err)
	}
	master.Kill()

	inc := newIncident(1)
	calls := map[string]error{
		"Commit": s.Commit(ctx, &store.Tx{Incident: inc, Events: chain(inc, "declared")}),
		"Check":  s.Check(ctx),
	}
	_, calls["ClaimTimers"] = s.ClaimTimers(ctx, t0, "p", time.Minute, 10)
	_, calls["Incident"] = s.Incident(ctx, 1)
	_, calls["Incidents"] = s.Incidents(ctx, true)
	_, calls["Timeline"] = s.Timeline(ctx, 1, 0)
	_, calls["PeekID"] = s.PeekID(ctx, "incident")
	_, calls["NextID"] = s.NextID(ctx, "incident")
	_, calls["Outbox"] = s.Outbox(ctx, 10)
	_, calls["OutboxAfter"] = s.OutboxAfter(ctx, "", 10)
	_, calls["Timers"] = s.Timers(ctx)
	_, _, calls["NextTimer"] = s.NextTimer(ctx)
	_, calls["Seen"] = s.Seen(ctx, "k")
	_, calls["Get"] = s.Get(ctx, "k")
	calls["Delivered"] = s.Delivered(ctx, "1")
	for name, err := range calls {
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s on a dead server: %v, want store.ErrUnavailable", name, err)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "store unavailable: ") && !strings.HasPrefix(msg, "check redis store: store unavailable: ") {
			t.Errorf("%s: %q should start by saying the store is unavailable", name, msg)
		}
		for _, op := range []string{"claim", "commit", "read outbox"} {
			if strings.Contains(msg, op) {
				t.Errorf("%s: %q names an operation (%q); the caller does that", name, msg, op)
			}
		}
	}

	// Open: unreachable is unavailable too, without the password.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = Open(ctx, "redis://:s3cret@"+addr+"/0?max_retries=-1")
	if !errors.Is(err, store.ErrUnavailable) || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), addr) {
		t.Errorf("Open on a closed port: %v; want ErrUnavailable, naming %s, without the password", err, addr)
	}
	if _, err := Open(ctx, "redis://"+addr+"/x"); err == nil || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open with a bad URL: %v; want an error that is not ErrUnavailable", err)
	}
}

func TestTransient(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{goredis.ErrClosed, false},
		{context.Canceled, false},
		{context.DeadlineExceeded, false},
		{errors.New("ERR wrong number of arguments"), false},
		{goredis.Nil, false},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}, true},
		{goredis.ErrPoolTimeout, true},
		{errors.New("redis: all sentinels specified in configuration are unreachable: x"), true},
	} {
		if got := transient(c.err); got != c.want {
			t.Errorf("transient(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	// Server replies, as a real server sends them.
	addr := redistest.StartPrivate(t)
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	defer c.Close()
	ctx := context.Background()
	for _, reply := range []string{"LOADING Redis is loading", "READONLY You can't write against a read only replica.",
		"CLUSTERDOWN The cluster is down", "TRYAGAIN Multiple keys request during rehashing of slot",
		"MASTERDOWN Link with MASTER is down", "MOVED 3999 127.0.0.1:6381", "NOREPLICAS Not enough good replicas to write."} {
		err := c.Eval(ctx, "return redis.error_reply(ARGV[1])", nil, reply).Err()
		if err == nil || !transient(err) {
			t.Errorf("reply %q: transient(%v) = false", reply, err)
		}
	}
	err := c.Eval(ctx, "return redis.error_reply('ERR something else')", nil).Err()
	if err == nil || transient(err) {
		t.Errorf("ERR reply: transient(%v) = true", err)
	}
}

// TestReplicaAck checks that with replica acknowledgement on a commit
// returns once the replica holds it, and fails with store.ErrUnavailable
// (the write is on the master only) when the replica does not answer.
func TestReplicaAck(t *testing.T) {
	ctx := context.Background()
	master, replica := redistest.StartReplicated(t)
	// A generous wait while the replica answers (a busy test machine can
	// hold a process back for a while), a short one to see it time out.
	patient := openStore(t, "redis://"+master.Addr+"/0?replica_ack=1&replica_ack_timeout=2s", "ack")
	s := openStore(t, "redis://"+master.Addr+"/0?replica_ack=1&replica_ack_timeout=300ms", "ack")
	rc := goredis.NewClient(&goredis.Options{Addr: replica.Addr})
	defer rc.Close()
	for i := int64(1); i <= 20; i++ {
		inc := newIncident(i)
		if err := patient.Commit(ctx, &store.Tx{Incident: inc, Events: chain(inc, "declared")}); err != nil {
			t.Fatal(err)
		}
		// No waiting: the replica has it when Commit returns.
		if ok, err := rc.HExists(ctx, "{ack}:inc", inc.Ref()[3:]).Result(); err != nil || !ok {
			t.Fatalf("IR-%d not on the replica when Commit returned: %v, %v", i, ok, err)
		}
	}

	replica.Pause()
	defer replica.Resume()
	inc := newIncident(100)
	start := time.Now()
	err := s.Commit(ctx, &store.Tx{Incident: inc, Events: chain(inc, "declared")})
	if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "0 of 1 replicas") {
		t.Fatalf("commit with the replica frozen: %v, want ErrUnavailable saying 0 of 1 replicas hold it", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 5*time.Second {
		t.Errorf("commit waited %v for the frozen replica, want about the 300ms timeout", d)
	}
	if _, err := s.ClaimTimers(ctx, t0, "p", time.Minute, 1); err != nil {
		t.Errorf("claim with nothing to claim wrote nothing, so needs no replica: %v", err)
	}
	if err := s.Commit(ctx, &store.Tx{SetTimers: []bot.Timer{{ID: "t", Due: t0}}}); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("commit of a timer with the replica frozen: %v", err)
	}
	if _, err := s.ClaimTimers(ctx, t0, "p", time.Minute, 1); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("claim with the replica frozen: %v, want ErrUnavailable", err)
	}
	// Once the replica answers again, commits are confirmed again (the
	// first ones may still wait for it to catch up).
	replica.Resume()
	inc = newIncident(101)
	tx := &store.Tx{Incident: inc, Events: chain(inc, "declared"), Seen: []string{"after"}}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := patient.Commit(ctx, tx)
		if err == nil || errors.Is(err, store.ErrDuplicate) {
			break
		}
		if !errors.Is(err, store.ErrUnavailable) || time.Now().After(deadline) {
			t.Fatalf("commit after the replica came back: %v", err)
		}
	}
}

// TestReplicaAckWithoutReplicas: a master without replicas (as after a
// failover) commits at once; there is nothing to wait for.
func TestReplicaAckWithoutReplicas(t *testing.T) {
	ctx := context.Background()
	addr := redistest.StartPrivate(t)
	s := openStore(t, "redis://"+addr+"/0?replica_ack=2", "lone")
	start := time.Now()
	for i := int64(1); i <= 50; i++ {
		inc := newIncident(i)
		if err := s.Commit(ctx, &store.Tx{Incident: inc}); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > 10*time.Second { // a WAIT each would take 50s
		t.Errorf("50 commits took %v on a master without replicas", d)
	}
}

func TestReplicaAckOptions(t *testing.T) {
	for _, c := range []struct {
		url  string
		want ackConfig
	}{
		{"redis://h:1/0", ackConfig{0, DefaultReplicaAckTimeout}},
		{"redis://h:1/0?replica_ack=2&dial_timeout=1s", ackConfig{2, DefaultReplicaAckTimeout}},
		{"redis-sentinel://h:1/m", ackConfig{1, DefaultReplicaAckTimeout}},
		{"redis-sentinel://h:1/m?replica_ack=0", ackConfig{0, DefaultReplicaAckTimeout}},
		{"redis-cluster://h:1,h:2", ackConfig{1, DefaultReplicaAckTimeout}},
		{"redis-cluster://h:1?replica_ack_timeout=250ms&pool_size=3", ackConfig{1, 250 * time.Millisecond}},
	} {
		tg, err := dial(c.url)
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		tg.client.Close()
		if tg.ack != c.want {
			t.Errorf("%s: ack %+v, want %+v", c.url, tg.ack, c.want)
		}
	}
	for _, u := range []string{"redis://h:1/0?replica_ack=x", "redis://h:1/0?replica_ack_timeout=-1s",
		"redis-cluster://h:1?replica_ack=-1"} {
		if _, err := dial(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	if _, err := Open(context.Background(), "redis://h:1/0?replica_ack=1&replica_ack_timeout=5s"); err == nil ||
		!strings.Contains(err.Error(), "read timeout") {
		t.Errorf("a wait longer than the read timeout: %v", err)
	}
}
