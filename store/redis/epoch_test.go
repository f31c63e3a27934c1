package redis

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/redis/redistest"
)

// privateRedis starts a private redis-server for a test that empties the
// whole server, which must never happen to a shared $REDIS_URL, and
// returns its URL and a client of its own.
func privateRedis(t *testing.T) (string, *goredis.Client) {
	t.Helper()
	addr := redistest.StartPrivate(t)
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	t.Cleanup(func() { c.Close() })
	return "redis://" + addr + "/0", c
}

// dbSize returns how many keys the server's db 0 holds.
func dbSize(t *testing.T, c *goredis.Client) int64 {
	t.Helper()
	n, err := c.DBSize(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWipeIsDetected empties the server under an open store, as a Redis
// restart without persistence does.
func TestWipeIsDetected(t *testing.T) {
	ctx := context.Background()
	url, direct := privateRedis(t)
	s := openStore(t, url, "irbot")
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check on a fresh store: %v", err)
	}
	inc := newIncident(1)
	if err := s.Commit(ctx, &store.Tx{Incident: inc, Events: chain(inc, "declared"),
		SetTimers: []bot.Timer{{ID: "esc", Due: t0}}, Seen: []string{"u1"}}); err != nil {
		t.Fatal(err)
	}
	old := s.Epoch()

	if err := direct.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}

	err := s.Check(ctx)
	if !errors.Is(err, ErrWiped) {
		t.Fatalf("Check after FLUSHALL = %v, want ErrWiped", err)
	}
	for _, want := range []string{old, "is gone", "appendonly yes", "restart irbot"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check error %q does not say %q", err, want)
		}
	}

	// Writes are refused and leave the server empty.
	c := inc.Clone()
	upd := &store.Tx{Incident: c, Events: chain(c, "ack"), Seen: []string{"u2"}}
	if err := s.Commit(ctx, upd); !errors.Is(err, ErrWiped) || errors.Is(err, store.ErrConflict) {
		t.Fatalf("Commit of an update after FLUSHALL = %v, want ErrWiped (not ErrConflict)", err)
	}
	if c.Version != inc.Version {
		t.Errorf("refused commit bumped the version to %d", c.Version)
	}
	fresh := newIncident(2)
	tx := &store.Tx{Incident: fresh, Events: chain(fresh, "declared"), Outbox: []bot.Outgoing{{Text: "page"}},
		SetTimers: []bot.Timer{{ID: "esc2", Due: t0}}, Seen: []string{"u3"}, Put: map[string]string{"k": "v"}}
	if err := s.Commit(ctx, tx); !errors.Is(err, ErrWiped) {
		t.Fatalf("Commit of a new incident after FLUSHALL = %v, want ErrWiped", err)
	}
	if tx.Outbox[0].ID != "" || fresh.Version != 0 {
		t.Errorf("refused commit changed the tx: outbox id %q, version %d", tx.Outbox[0].ID, fresh.Version)
	}
	if err := s.Commit(ctx, &store.Tx{Put: map[string]string{"k": "v"}}); !errors.Is(err, ErrWiped) {
		t.Fatalf("Commit of a put after FLUSHALL = %v, want ErrWiped", err)
	}
	if got, err := s.ClaimTimers(ctx, t0.Add(time.Hour), "p", time.Minute, 10); !errors.Is(err, ErrWiped) || got != nil {
		t.Fatalf("ClaimTimers after FLUSHALL = %v, %v; want ErrWiped", got, err)
	}
	if n := dbSize(t, direct); n != 0 {
		t.Fatalf("refused writes left %d keys", n)
	}

	// Reads go on and see the empty store.
	if _, err := s.Incident(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Incident after FLUSHALL: %v, want ErrNotFound", err)
	}
	if incs, err := s.Incidents(ctx, true); err != nil || incs != nil {
		t.Errorf("Incidents after FLUSHALL: %v, %v", incs, err)
	}

	// A store opened now (irbot restarted) starts a new epoch and works.
	s2 := openStore(t, url, "irbot")
	if s2.Epoch() == old {
		t.Fatalf("new store kept the lost epoch %s", old)
	}
	if err := s2.Check(ctx); err != nil {
		t.Fatalf("Check on the store opened after the wipe: %v", err)
	}
	if err := s2.Commit(ctx, tx); err != nil {
		t.Fatalf("Commit on the store opened after the wipe: %v", err)
	}
	if got, err := s2.ClaimTimers(ctx, t0.Add(time.Hour), "p", time.Minute, 10); err != nil || len(got) != 1 {
		t.Fatalf("ClaimTimers on the store opened after the wipe: %v, %v", got, err)
	}

	// The old store stays refused, now with the other message.
	err = s.Check(ctx)
	if !errors.Is(err, ErrWiped) || !strings.Contains(err.Error(), "replaced by "+s2.Epoch()) {
		t.Fatalf("old store's Check after a new epoch = %v, want ErrWiped naming %s", err, s2.Epoch())
	}
	before := dump(t, s2)
	c = fresh.Clone()
	if err := s.Commit(ctx, &store.Tx{Incident: c, Events: chain(c, "ack")}); !errors.Is(err, ErrWiped) {
		t.Fatalf("old store's Commit after a new epoch = %v, want ErrWiped", err)
	}
	if _, err := s.ClaimTimers(ctx, t0.Add(24*time.Hour), "p", time.Minute, 10); !errors.Is(err, ErrWiped) {
		t.Fatalf("old store's ClaimTimers after a new epoch = %v, want ErrWiped", err)
	}
	if after := dump(t, s2); after != before {
		t.Fatalf("the old store's refused writes changed the data:\nbefore %s\nafter  %s", before, after)
	}
}

func TestStoresShareTheEpoch(t *testing.T) {
	ctx := context.Background()
	url := startRedis(t)
	prefix := redistest.Prefix(t, url)

	// Opened at once on an empty store, they agree on one epoch.
	stores := make([]*Store, 8)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(ctx, url, WithPrefix(prefix))
			if err != nil {
				t.Error(err)
				return
			}
			stores[i] = s
		}()
	}
	wg.Wait()
	for _, s := range stores {
		if s != nil {
			t.Cleanup(func() { s.Close() })
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	for i, s := range stores {
		if s.Epoch() == "" || s.Epoch() != stores[0].Epoch() {
			t.Fatalf("store %d has epoch %q, store 0 %q", i, s.Epoch(), stores[0].Epoch())
		}
		if err := s.Check(ctx); err != nil {
			t.Fatalf("store %d: Check: %v", i, err)
		}
	}
	a, b := stores[0], stores[1]
	inc := newIncident(1)
	if err := a.Commit(ctx, &store.Tx{Incident: inc, Events: chain(inc, "declared")}); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(ctx, &store.Tx{Incident: inc, Events: chain(inc, "ack")}); err != nil {
		t.Fatal(err)
	}

	// Opened later, a store takes the existing epoch.
	late := openStore(t, url, prefix)
	if late.Epoch() != a.Epoch() || late.Check(ctx) != nil || a.Check(ctx) != nil {
		t.Fatalf("late store's epoch %q, first store's %q", late.Epoch(), a.Epoch())
	}
	// Another prefix is another store, with an epoch of its own.
	if other := openStore(t, url, redistest.Prefix(t, url)); other.Epoch() == a.Epoch() {
		t.Fatalf("stores with different prefixes share epoch %s", a.Epoch())
	}
}

// TestOpenAdoptsDataWithoutEpoch opens data written before stores had an
// epoch: it keeps the data and creates the epoch.
func TestOpenAdoptsDataWithoutEpoch(t *testing.T) {
	ctx := context.Background()
	url := startRedis(t)
	prefix := redistest.Prefix(t, url)
	s := openStore(t, url, prefix)
	inc := newIncident(1)
	if err := s.Commit(ctx, &store.Tx{Incident: inc, Events: chain(inc, "declared")}); err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.Del(ctx, s.k.epoch).Err(); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s2 := openStore(t, url, prefix)
	if err := s2.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := s2.rdb.Get(ctx, s2.k.epoch).Result(); err != nil || got != s2.Epoch() {
		t.Fatalf("epoch key holds %q, %v; want %q", got, err, s2.Epoch())
	}
	got, err := s2.Incident(ctx, 1)
	if err != nil || got.Version != 1 {
		t.Fatalf("adopted incident: %+v, %v", got, err)
	}
	if err := s2.Commit(ctx, &store.Tx{Incident: got, Events: chain(got, "ack")}); err != nil {
		t.Fatalf("commit on adopted data: %v", err)
	}
}

// commandLog records the commands a client sends.
type commandLog struct {
	mu   sync.Mutex
	cmds []string
}

func (l *commandLog) add(c goredis.Cmder) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cmds = append(l.cmds, c.Name())
}

func (l *commandLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.cmds
	l.cmds = nil
	return out
}

func (l *commandLog) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (l *commandLog) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, c goredis.Cmder) error {
		l.add(c)
		return next(ctx, c)
	}
}

func (l *commandLog) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cs []goredis.Cmder) error {
		for _, c := range cs {
			l.add(c)
		}
		return next(ctx, cs)
	}
}

func TestCheckIsOneGet(t *testing.T) {
	ctx := context.Background()
	url := startRedis(t)
	s := openStore(t, url, redistest.Prefix(t, url))
	log := new(commandLog)
	s.rdb.AddHook(log)
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if got := log.take(); len(got) != 1 || got[0] != "get" {
		t.Fatalf("Check sent %v, want one get", got)
	}
}

func TestCheckReturnsOtherErrorsAsTheyAre(t *testing.T) {
	url := startRedis(t)
	s := openStore(t, url, redistest.Prefix(t, url))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Check(ctx); !errors.Is(err, context.Canceled) || errors.Is(err, ErrWiped) {
		t.Fatalf("Check with a cancelled ctx = %v, want context.Canceled and not ErrWiped", err)
	}
	s.Close()
	if err := s.Check(context.Background()); err == nil || errors.Is(err, ErrWiped) {
		t.Fatalf("Check on a closed store = %v, want a client error and not ErrWiped", err)
	}
}
