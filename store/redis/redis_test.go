package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/redis/redistest"
	"github.com/irbot/irbot/store/storetest"
)

// startRedis returns the URL of a Redis for t: $REDIS_URL, or a private
// redis-server killed when t ends. See redistest.Start.
func startRedis(t testing.TB) string {
	t.Helper()
	return redistest.Start(t)
}

// openStore opens a store on url under prefix and closes it when t ends.
func openStore(t testing.TB, url, prefix string) *Store {
	t.Helper()
	s, err := Open(context.Background(), url, WithPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func TestConformance(t *testing.T) {
	url := startRedis(t)
	storetest.Run(t, storetest.Opener{
		Open: func(t *testing.T) store.Store {
			return openStore(t, url, redistest.Prefix(t, url))
		},
		Reopen: func(t *testing.T, s store.Store) store.Store {
			r := s.(*Store)
			prefix := r.Prefix()
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if err := r.rdb.Ping(context.Background()).Err(); err == nil {
				t.Fatal("client still usable after Close")
			}
			return openStore(t, url, prefix)
		},
	})
}

// TestConformanceOnCluster runs the suite through a redis-cluster:// URL
// on a one-node cluster, which rejects any command or script whose keys
// span slots: it proves the hash-tag layout.
func TestConformanceOnCluster(t *testing.T) {
	url := "redis-cluster://" + redistest.StartCluster(t)
	storetest.Run(t, storetest.Opener{
		Open: func(t *testing.T) store.Store {
			s := openStore(t, url, redistest.Prefix(t, ""))
			if _, ok := s.Client().(*goredis.ClusterClient); !ok {
				t.Fatalf("%s opened a %T", url, s.Client())
			}
			return s
		},
		Reopen: func(t *testing.T, s store.Store) store.Store {
			r := s.(*Store)
			r.Close()
			return openStore(t, url, r.Prefix())
		},
	})
}

// TestClusterThroughWithClient keeps a caller's ClusterClient working.
func TestClusterThroughWithClient(t *testing.T) {
	addr := redistest.StartCluster(t)
	c := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: []string{addr}})
	defer c.Close()
	s, err := Open(context.Background(), "", WithClient(c), WithPrefix("wc"), WithReplicaAck(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	inc := newIncident(1)
	if err := s.Commit(context.Background(), &store.Tx{Incident: inc, Events: chain(inc, "declared")}); err != nil {
		t.Fatal(err)
	}
}

func TestParseClusterURL(t *testing.T) {
	o, ack, err := parseClusterURL("redis-cluster://us%40r:p%3Ass@h1:7000,h2,[::1]:7002/?dial_timeout=2s&max_redirects=5&replica_ack=0")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintln(o.Addrs, o.Username, o.Password, o.DialTimeout, o.MaxRedirects, o.TLSConfig == nil, ack.replicas); got !=
		"[h1:7000 h2:6379 [::1]:7002] us@r p:ss 2s 5 true 0\n" {
		t.Fatalf("parsed %s", got)
	}
	o, _, err = parseClusterURL("rediss-cluster://pw@h:1/0")
	if err != nil || o.Password != "pw" || o.Username != "" || o.TLSConfig == nil {
		t.Fatalf("parsed %+v, %v", o, err)
	}
	for _, u := range []string{
		"redis-cluster://s3cretpw@/",
		"redis-cluster://s3cretpw@h:1/2",
		"redis-cluster://s3cretpw@h:1?addr=h:2",
		"redis-cluster://s3cretpw@h:1?foo=s3cretpw",
		"redis-cluster://s3cretpw@h:1?dial_timeout=s3cretpw",
	} {
		if _, _, err := parseClusterURL(u); err == nil || strings.Contains(err.Error(), "s3cretpw") {
			t.Errorf("parseClusterURL(%s) = %v; want an error without the password", u, err)
		}
	}
}

func newIncident(id int64) *bot.Incident {
	return &bot.Incident{ID: id, Prefix: "IR", Title: fmt.Sprintf("incident %d", id), Severity: 2,
		State: bot.StateTriggered, Declared: t0, Updated: t0}
}

func chain(inc *bot.Incident, kinds ...string) []bot.Event {
	evs := make([]bot.Event, len(kinds))
	for i, k := range kinds {
		evs[i] = bot.Event{At: t0.Add(time.Duration(i) * time.Second), Actor: "an"}
		setKind(&evs[i].Kind, k)
	}
	inc.Seq, inc.LastHash = bot.Chain(inc.Seq, inc.LastHash, evs)
	return evs
}

// setKind sets an event's kind from a string, whatever string type the
// field has.
func setKind[K ~string](dst *K, k string) { *dst = K(k) }

// TestTwoReplicasOneWinsPerVersion runs two Stores (two clients, as two
// bot processes would) against one incident: in every round both race to
// commit the same version and exactly one wins.
func TestTwoReplicasOneWinsPerVersion(t *testing.T) {
	ctx := context.Background()
	url := startRedis(t)
	prefix := redistest.Prefix(t, url)
	a, b := openStore(t, url, prefix), openStore(t, url, prefix)
	inc := newIncident(1)
	if err := a.Commit(ctx, &store.Tx{Incident: inc, Events: chain(inc, "declared")}); err != nil {
		t.Fatal(err)
	}
	const rounds, perReplica = 50, 4
	for round := 0; round < rounds; round++ {
		cur, err := a.Incident(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var wins []string
		for i := 0; i < 2*perReplica; i++ {
			s, name := a, "a"
			if i%2 == 1 {
				s, name = b, "b"
			}
			name += strconv.Itoa(i)
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := cur.Clone()
				c.Title = name
				tx := &store.Tx{Incident: c, Events: chain(c, "race-"+name),
					Outbox: []bot.Outgoing{{Text: name}}, Seen: []string{"u:" + name + ":" + strconv.Itoa(round)}}
				switch err := s.Commit(ctx, tx); {
				case err == nil:
					mu.Lock()
					wins = append(wins, name)
					mu.Unlock()
				case !errors.Is(err, store.ErrConflict):
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if len(wins) != 1 {
			t.Fatalf("round %d: winners %v, want exactly one", round, wins)
		}
		got, err := b.Incident(ctx, 1)
		if err != nil || got.Version != cur.Version+1 || got.Title != wins[0] {
			t.Fatalf("round %d: stored %+v, %v; want version %d by %s", round, got, err, cur.Version+1, wins[0])
		}
	}
	tl, err := b.Timeline(ctx, 1, 0)
	if err != nil || len(tl) != rounds+1 {
		t.Fatalf("timeline: %d events, %v; want %d", len(tl), err, rounds+1)
	}
	if err := bot.Verify(tl); err != nil {
		t.Fatalf("timeline after races: %v", err)
	}
	ob, _ := a.Outbox(ctx, 1000)
	if len(ob) != rounds {
		t.Fatalf("outbox has %d messages, want one per round (%d)", len(ob), rounds)
	}
}

// TestTwoOwnersNeverClaimTheSameTimer claims timers from two Stores and
// several goroutines each at once, many rounds over.
func TestTwoOwnersNeverClaimTheSameTimer(t *testing.T) {
	ctx := context.Background()
	url := startRedis(t)
	prefix := redistest.Prefix(t, url)
	stores := []*Store{openStore(t, url, prefix), openStore(t, url, prefix)}
	const rounds, timers, workers = 40, 60, 6
	now := t0
	for round := 0; round < rounds; round++ {
		now = now.Add(time.Hour)
		var set []bot.Timer
		for i := 0; i < timers; i++ {
			set = append(set, bot.Timer{ID: fmt.Sprintf("r%d-t%d", round, i), Due: now.Add(-time.Duration(i) * time.Millisecond), Kind: "page"})
		}
		if err := stores[0].Commit(ctx, &store.Tx{SetTimers: set}); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		owner := map[string]string{}
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			s := stores[w%2]
			name := fmt.Sprintf("p%d", w)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					got, err := s.ClaimTimers(ctx, now, name, 10*time.Minute, 3)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, tm := range got {
						if o, dup := owner[tm.ID]; dup {
							t.Errorf("round %d: timer %s claimed by %s and %s", round, tm.ID, o, name)
						}
						owner[tm.ID] = name
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(owner) != timers {
			t.Fatalf("round %d: %d of %d timers claimed", round, len(owner), timers)
		}
		// Still leased: nobody gets them again before the lease ends.
		if again, _ := stores[1].ClaimTimers(ctx, now.Add(9*time.Minute), "late", time.Minute, 1000); len(again) != 0 {
			t.Fatalf("round %d: %d leased timers claimed again", round, len(again))
		}
		// Fired: cancel them, as the engine's commit would.
		var ids []string
		for id := range owner {
			ids = append(ids, id)
		}
		if err := stores[1].Commit(ctx, &store.Tx{CancelTimers: ids}); err != nil {
			t.Fatal(err)
		}
	}
	if all, _ := stores[0].Timers(ctx); len(all) != 0 {
		t.Fatalf("%d timers left", len(all))
	}
	if _, ok, _ := stores[0].NextTimer(ctx); ok {
		t.Fatal("NextTimer reports a timer after all were cancelled")
	}
}

func TestClaimOrderAndLeaseReset(t *testing.T) {
	ctx := context.Background()
	url := startRedis(t)
	s := openStore(t, url, redistest.Prefix(t, url))
	// Nanosecond-apart due times keep their order; equal ones sort by id.
	set := []bot.Timer{
		{ID: "c", Due: t0.Add(2)}, {ID: "b", Due: t0.Add(1)}, {ID: "a2", Due: t0}, {ID: "a1", Due: t0},
		{ID: "future", Due: t0.Add(time.Nanosecond * 10)},
		{ID: "old", Due: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)},
		{ID: "zero"},
	}
	if err := s.Commit(ctx, &store.Tx{SetTimers: set}); err != nil {
		t.Fatal(err)
	}
	all, _ := s.Timers(ctx)
	if ids := timerIDs(all); ids != "zero old a1 a2 b c future" {
		t.Fatalf("Timers order = %s", ids)
	}
	if due, ok, _ := s.NextTimer(ctx); !ok || due.After(time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("NextTimer = %v, %v; want the zero-time timer's (clamped) due", due, ok)
	}
	got, err := s.ClaimTimers(ctx, t0.Add(2), "p", time.Hour, 100)
	if err != nil || timerIDs(got) != "zero old a1 a2 b c" {
		t.Fatalf("claim at t0+2ns = %s, %v", timerIDs(got), err)
	}
	if got, _ := s.ClaimTimers(ctx, t0.Add(10), "q", time.Hour, 100); timerIDs(got) != "future" {
		t.Fatalf("claim at t0+10ns = %s, want future only", timerIDs(got))
	}
	// Setting a claimed timer again replaces it, lease and all.
	if err := s.Commit(ctx, &store.Tx{SetTimers: []bot.Timer{{ID: "b", Due: t0.Add(time.Minute)}}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClaimTimers(ctx, t0.Add(time.Minute), "q", time.Hour, 100); timerIDs(got) != "b" {
		t.Fatalf("claim of re-set timer = %s, want b", timerIDs(got))
	}
	if got, _ := s.ClaimTimers(ctx, t0, "q", time.Hour, 0); len(got) != 0 {
		t.Fatalf("limit 0 claimed %d", len(got))
	}
}

func timerIDs(ts []bot.Timer) string {
	var ids []string
	for _, t := range ts {
		ids = append(ids, t.ID)
	}
	return strings.Join(ids, " ")
}

func TestTimeKeyOrder(t *testing.T) {
	times := []time.Time{{}, time.Date(1677, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(-1, 0), time.Unix(0, 0),
		time.Unix(0, 1), t0, time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}
	for i := 1; i < len(times); i++ {
		a, b := timeKey(times[i-1]), timeKey(times[i])
		if len(a) != 20 || len(b) != 20 || a > b {
			t.Fatalf("timeKey(%v)=%s !<= timeKey(%v)=%s", times[i-1], a, times[i], b)
		}
	}
	for _, tm := range times[2:7] {
		got, err := parseTimeKey(timeKey(tm) + "id")
		if err != nil || !got.Equal(tm) {
			t.Fatalf("round trip of %v = %v, %v", tm, got, err)
		}
	}
}

func TestOpenIndexFollowsState(t *testing.T) {
	ctx := context.Background()
	url := startRedis(t)
	s := openStore(t, url, redistest.Prefix(t, url))
	inc := newIncident(7)
	if err := s.Commit(ctx, &store.Tx{Incident: inc}); err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{bot.StateResolved, bot.StateAcknowledged, bot.StateCancelled, bot.StateTriggered, bot.StateClosed} {
		inc.State = st
		if err := s.Commit(ctx, &store.Tx{Incident: inc}); err != nil {
			t.Fatal(err)
		}
		open, err := s.Incidents(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		if want := inc.Open(); (len(open) == 1) != want {
			t.Fatalf("state %s: open list %+v", st, open)
		}
	}
	got, _ := s.Incident(ctx, 7)
	if got.Version != 6 || inc.Version != 6 {
		t.Fatalf("version stored %d, in tx %d; want 6", got.Version, inc.Version)
	}
}

func TestFailedCommitWritesNothing(t *testing.T) {
	ctx := context.Background()
	url := startRedis(t)
	prefix := redistest.Prefix(t, url)
	s := openStore(t, url, prefix)
	inc := newIncident(1)
	if err := s.Commit(ctx, &store.Tx{Incident: inc, Events: chain(inc, "declared"), Seen: []string{"old"}}); err != nil {
		t.Fatal(err)
	}
	before := dump(t, s)
	c := inc.Clone()
	full := func(c *bot.Incident, evs []bot.Event, seen ...string) *store.Tx {
		return &store.Tx{Incident: c, Events: evs, Outbox: []bot.Outgoing{{Text: "x"}},
			SetTimers: []bot.Timer{{ID: "t", Due: t0}}, Put: map[string]string{"k": "v"}, Seen: seen}
	}
	if err := s.Commit(ctx, full(c, chain(c, "x"), "new", "old")); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("seen key: %v", err)
	}
	c = inc.Clone()
	c.Version = 5
	if err := s.Commit(ctx, full(c, chain(c, "x"), "new")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale version: %v", err)
	}
	c = inc.Clone()
	c.Seq = 0 // event #1 again
	if err := s.Commit(ctx, full(c, chain(c, "x"), "new")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("recorded event seq: %v", err)
	}
	c = inc.Clone()
	evs := chain(c, "x", "y")
	evs[1].Seq = evs[0].Seq
	if err := s.Commit(ctx, full(c, evs, "new")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("same seq twice in one tx: %v", err)
	}
	if err := s.Commit(ctx, &store.Tx{Events: evs}); err == nil {
		t.Fatal("events without an incident committed")
	}
	if after := dump(t, s); after != before {
		t.Fatalf("failed commits changed the data:\nbefore %s\nafter  %s", before, after)
	}
}

// TestOutboxIDsStayExact checks ids past the range where Lua would print
// a number in exponent form or a double would round it.
func TestOutboxIDsStayExact(t *testing.T) {
	ctx := context.Background()
	url := startRedis(t)
	s := openStore(t, url, redistest.Prefix(t, url))
	if err := s.rdb.Set(ctx, s.k.outboxSq, "99999999999999", 0).Err(); err != nil {
		t.Fatal(err)
	}
	tx := &store.Tx{Outbox: []bot.Outgoing{{Text: "a"}, {Text: "b"}}}
	if err := s.Commit(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if tx.Outbox[0].ID != "100000000000000" || tx.Outbox[1].ID != "100000000000001" {
		t.Fatalf("ids %q %q", tx.Outbox[0].ID, tx.Outbox[1].ID)
	}
	ob, err := s.Outbox(ctx, 10)
	if err != nil || len(ob) != 2 || ob[0].ID != tx.Outbox[0].ID || ob[1].Text != "b" {
		t.Fatalf("outbox %+v, %v", ob, err)
	}
}

// dump renders every key of s and its value, to compare states.
func dump(t *testing.T, s *Store) string {
	t.Helper()
	ctx := context.Background()
	keys, err := s.rdb.Keys(ctx, "{"+s.prefix+"}:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	sort.Strings(keys)
	for _, k := range keys {
		typ, _ := s.rdb.Type(ctx, k).Result()
		var v any
		switch typ {
		case "string":
			v, _ = s.rdb.Get(ctx, k).Result()
		case "hash":
			v, _ = s.rdb.HGetAll(ctx, k).Result()
		case "zset":
			v, _ = s.rdb.ZRangeWithScores(ctx, k, 0, -1).Result()
		}
		fmt.Fprintf(&b, "%s=%v\n", k, v)
	}
	return b.String()
}

func TestEveryKeyUnderOneHashTag(t *testing.T) {
	ctx := context.Background()
	url := startRedis(t)
	prefix := redistest.Prefix(t, url)
	s := openStore(t, url, prefix)
	// On a shared $REDIS_URL other keys exist: judge only the new ones.
	before := map[string]bool{}
	old, err := s.rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range old {
		before[k] = true
	}
	s.NextID(ctx, "incident")
	inc := newIncident(3)
	if err := s.Commit(ctx, &store.Tx{Incident: inc, Events: chain(inc, "declared"),
		Outbox: []bot.Outgoing{{Text: "hi"}}, SetTimers: []bot.Timer{{ID: "esc", Due: t0}},
		Seen: []string{"u1"}, Put: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	s.ClaimTimers(ctx, t0, "p", time.Minute, 10)
	keys, err := s.rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, k := range keys {
		switch {
		case strings.HasPrefix(k, "{"+prefix+"}:"):
			n++
		case before[k], strings.HasPrefix(k, "{test-"):
			// there before, or another test's store
		default:
			t.Errorf("key %q is outside the store's hash tag", k)
		}
	}
	if n < 10 {
		t.Fatalf("only %d keys written: %v", n, keys)
	}
}

func TestOpenErrorsNameHostNotPassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	for _, u := range []string{
		"redis://user:s3cretpw@" + addr + "/0",
		"redis://:s3cretpw@" + addr + "/0",
		"rediss://user:s3cretpw@" + addr + "/0",
		"redis-sentinel://s3cretpw@" + addr + "/mymaster/1?sentinel_password=s3cretpw",
		"redis-cluster://user:s3cretpw@" + addr,
		"rediss-cluster://:s3cretpw@" + addr + "/",
	} {
		t.Run("", func(t *testing.T) {
			t.Parallel() // go-redis retries the dial for a second or more
			_, err := Open(ctx, u)
			if err == nil {
				t.Fatalf("Open(%s) succeeded", u)
			}
			if !strings.Contains(err.Error(), addr) || strings.Contains(err.Error(), "s3cretpw") {
				t.Errorf("Open(%s): error %q should name %s and not the password", u, err, addr)
			}
		})
	}
	for _, u := range []string{
		"redis://user:s3cretpw@host:notaport/0",
		"redis://user:s3cretpw@host:1/x",
		"http://user:s3cretpw@host/",
		"user:s3cretpw@host",
		"redis-sentinel://s3cretpw@h:1/",
		"redis-sentinel://s3cretpw@/m",
		"redis-sentinel://s3cretpw@h:1/m/x",
		"redis-sentinel://s3cretpw@h:1/m?foo=s3cretpw",
		"redis-sentinel://s3cretpw@h:1/m?password=s3cretpw",
		"redis-sentinel://s3cretpw@h:1/m?dial_timeout=s3cretpw",
		"redis-cluster://s3cretpw@h:1/3",
		"redis-cluster://s3cretpw@h:1?foo=s3cretpw",
	} {
		_, err := Open(ctx, u)
		if err == nil || strings.Contains(err.Error(), "s3cretpw") {
			t.Errorf("Open(%s) = %v; want an error without the password", u, err)
		}
	}
	if _, err := Open(ctx, "redis://"+addr, WithPrefix("a{b}")); err == nil {
		t.Error("prefix with braces accepted")
	}
}

func TestParseSentinelURL(t *testing.T) {
	o, _, err := parseSentinelURL("redis-sentinel://us%40r:p%3Ass@h1:26380,h2,[::1]:5/my%2Fmaster/3?sentinel_password=sp&sentinel_username=su")
	if err != nil {
		t.Fatal(err)
	}
	want := goredis.FailoverOptions{MasterName: "my/master", SentinelAddrs: []string{"h1:26380", "h2:26379", "[::1]:5"},
		Username: "us@r", Password: "p:ss", DB: 3, SentinelPassword: "sp", SentinelUsername: "su"}
	if fmt.Sprint(o.MasterName, o.SentinelAddrs, o.Username, o.Password, o.DB, o.SentinelPassword, o.SentinelUsername) !=
		fmt.Sprint(want.MasterName, want.SentinelAddrs, want.Username, want.Password, want.DB, want.SentinelPassword, want.SentinelUsername) {
		t.Fatalf("parsed %+v", o)
	}
	o, _, err = parseSentinelURL("redis-sentinel://pw@h:1/m")
	if err != nil || o.Password != "pw" || o.Username != "" || o.DB != 0 || o.MasterName != "m" {
		t.Fatalf("parsed %+v, %v", o, err)
	}
	// go-redis's failover options pass through; the URL's own parts stay.
	o, ack, err := parseSentinelURL("redis-sentinel://u:pw@h:1/m/2?sentinel_password=sp&max_retries=-1&dial_timeout=2s&replica_ack=0")
	if err != nil || o.MaxRetries != -1 || o.DialTimeout != 2*time.Second || o.Password != "pw" || o.Username != "u" ||
		o.SentinelPassword != "sp" || o.MasterName != "m" || o.DB != 2 || fmt.Sprint(o.SentinelAddrs) != "[h:1]" || ack.replicas != 0 {
		t.Fatalf("parsed %+v, %+v, %v", o, ack, err)
	}
}

// TestSentinel runs the store through a real sentinel.
func TestSentinel(t *testing.T) {
	ctx := context.Background()
	master := redistest.StartPrivate(t)
	sentinel := redistest.StartSentinel(t, master, "irmaster")
	s, err := Open(ctx, "redis-sentinel://"+sentinel+"/irmaster/2", WithPrefix("sent"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	inc := newIncident(1)
	if err := s.Commit(ctx, &store.Tx{Incident: inc, Events: chain(inc, "declared")}); err != nil {
		t.Fatal(err)
	}
	// The data landed on the master, in db 2.
	direct := goredis.NewClient(&goredis.Options{Addr: master, DB: 2})
	defer direct.Close()
	if n, err := direct.HLen(ctx, "{sent}:inc").Result(); err != nil || n != 1 {
		t.Fatalf("master db 2 holds %d incidents, %v", n, err)
	}
}

func TestWithClientIsNotClosed(t *testing.T) {
	ctx := context.Background()
	url := startRedis(t)
	opt, err := goredis.ParseURL(url)
	if err != nil {
		t.Skipf("$REDIS_URL is not a redis:// URL: %v", err)
	}
	c := goredis.NewClient(opt)
	defer c.Close()
	s, err := Open(ctx, "", WithClient(c), WithPrefix(redistest.Prefix(t, url)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.NextID(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("caller's client closed by Store.Close: %v", err)
	}
}

// BenchmarkCommit commits one incident change with one event and one
// outbox message, as a typical command does.
func BenchmarkCommit(b *testing.B) {
	ctx := context.Background()
	url := startRedis(b)
	s := openStore(b, url, redistest.Prefix(b, url))
	inc := newIncident(1)
	if err := s.Commit(ctx, &store.Tx{Incident: inc}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		inc.Updated = t0.Add(time.Duration(i) * time.Second)
		tx := &store.Tx{Incident: inc, Events: chain(inc, "note"),
			Outbox: []bot.Outgoing{{Incident: 1, Chat: bot.ChatRef{Platform: "console", ID: "soc"}, Kind: bot.KindNotice, Text: "note added"}}}
		if err := s.Commit(ctx, tx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCommitParallel commits from many goroutines at once, each to
// its own incident, as a busy bot with many incidents would.
func BenchmarkCommitParallel(b *testing.B) {
	ctx := context.Background()
	url := startRedis(b)
	s := openStore(b, url, redistest.Prefix(b, url))
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		inc := newIncident(next.Add(1))
		for i := 0; pb.Next(); i++ {
			inc.Updated = t0.Add(time.Duration(i) * time.Second)
			tx := &store.Tx{Incident: inc, Events: chain(inc, "note"),
				Outbox: []bot.Outgoing{{Incident: inc.ID, Chat: bot.ChatRef{Platform: "console", ID: "soc"}, Kind: bot.KindNotice, Text: "note added"}}}
			if err := s.Commit(ctx, tx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkClaimTimers claims 100 timers at a time out of 100,000 pending
// ones. "fresh": all pending timers are claimable. "leased": all but 100
// are leased to another process, which a claim must not have to wade
// through.
func BenchmarkClaimTimers(b *testing.B) {
	const pending, batch = 100_000, 100
	ctx := context.Background()
	url := startRedis(b)
	fill := func(b *testing.B) *Store {
		s := openStore(b, url, redistest.Prefix(b, url))
		for n := 0; n < pending; n += 1000 {
			var set []bot.Timer
			for i := n; i < n+1000; i++ {
				set = append(set, bot.Timer{ID: fmt.Sprintf("esc:%d", i), Due: t0.Add(time.Duration(i) * time.Millisecond),
					Kind: "page", Incident: int64(i), Data: map[string]string{"level": "2"}})
			}
			if err := s.Commit(ctx, &store.Tx{SetTimers: set}); err != nil {
				b.Fatal(err)
			}
		}
		return s
	}
	now := t0.Add(time.Hour)
	b.Run("fresh", func(b *testing.B) {
		s := fill(b)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			// Lease 0: the claimed timers become claimable again at once,
			// so every round claims a full batch.
			got, err := s.ClaimTimers(ctx, now, "p1", 0, batch)
			if err != nil || len(got) != batch {
				b.Fatalf("claimed %d, %v", len(got), err)
			}
		}
	})
	b.Run("leased", func(b *testing.B) {
		s := fill(b)
		if got, err := s.ClaimTimers(ctx, now, "other", 24*time.Hour, pending-batch); err != nil || len(got) != pending-batch {
			b.Fatalf("pre-claim: %d, %v", len(got), err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			got, err := s.ClaimTimers(ctx, now, "p1", 0, batch)
			if err != nil || len(got) != batch {
				b.Fatalf("claimed %d, %v", len(got), err)
			}
		}
	})
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"redis://u:pw@h:1/0":            "redis://u:xxxxx@h:1/0",
		"redis://:pw@h:1":               "redis://:xxxxx@h:1",
		"redis://h:1/0?dial_timeout=1s": "redis://h:1/0?dial_timeout=1s",
		"redis-sentinel://pw@h1:1,h2:2/m?sentinel_password=sp&x=1": "redis-sentinel://:xxxxx@h1:1,h2:2/m?sentinel_password=xxxxx&x=1",
		"redis-cluster://u:p@ss@h1:1,h2:2":                         "redis-cluster://u:xxxxx@h1:1,h2:2",
		"not a url":                                                "not a url",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%s) = %s, want %s", in, got, want)
		}
	}
}
