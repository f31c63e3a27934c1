package redis

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/redis/redistest"
)

// TestClusterFailover kills -9 the master that holds the store's slot in
// a 3-master, 3-replica cluster while two Stores commit and claim timers.
func TestClusterFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 6-node cluster and waits for a failover")
	}
	t.Parallel()
	c := redistest.StartHACluster(t, 3, 1)
	const prefix = "ha"
	master := c.MasterOf(t, "{"+prefix+"}:epoch")
	runFailover(t, c.URL(), prefix, master.Kill, func() goredis.UniversalClient {
		opt, _, err := parseClusterURL(c.URL())
		if err != nil {
			t.Fatal(err)
		}
		opt.MaxRedirects, opt.MaxRetries, opt.DialerRetries = -1, -1, 1
		return goredis.NewClusterClient(opt)
	})
}

// TestSentinelFailover does the same to a master with one replica watched
// by three sentinels.
func TestSentinelFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five servers and waits for a failover")
	}
	t.Parallel()
	set := redistest.StartSentinelSet(t, "irmaster")
	runFailover(t, set.URL(), "ha", set.Master.Kill, func() goredis.UniversalClient {
		opt, _, err := parseSentinelURL(set.URL())
		if err != nil {
			t.Fatal(err)
		}
		opt.MaxRetries, opt.DialerRetries = -1, 1
		return goredis.NewFailoverClient(opt)
	})
}

// failoverLease is the timers' lease in runFailover: shorter than the
// outage, so leases held by a claimer cut off by it run out and another
// claims the timer after the failover.
const failoverLease = 2 * time.Second

// runFailover opens two Stores on url, runs two writers and one timer
// claimer on each, kills the master with kill once commits flow, and
// checks what a failover must keep:
//
//   - every commit that returned nil is there afterwards;
//   - while the master is down, calls fail with store.ErrUnavailable and
//     nothing else: the workers' calls, which go-redis retries (so many
//     succeed late), and one through a probe client that does not retry
//     (from fastClient), made before a failover can have happened;
//   - both Stores commit and claim again without being reopened;
//   - incident numbers taken with TakeID have no gaps;
//   - no timer is returned to two claimers within its lease, and each
//     fires (its Seen key committed) once.
func runFailover(t *testing.T, url, prefix string, kill func(), fastClient func() goredis.UniversalClient) {
	ctx := context.Background()
	stores := []*Store{openStore(t, url, prefix), openStore(t, url, prefix)}
	pc := fastClient()
	defer pc.Close()
	probe, err := Open(ctx, "", WithClient(pc), WithPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()

	const nTimers = 60
	var set []bot.Timer
	for i := 0; i < nTimers; i++ {
		set = append(set, bot.Timer{ID: fmt.Sprintf("esc:%d", i), Kind: "page", Due: start.Add(time.Duration(i) * 100 * time.Millisecond)})
	}
	if err := stores[0].Commit(ctx, &store.Tx{SetTimers: set}); err != nil {
		t.Fatal(err)
	}

	var (
		mu          sync.Mutex
		acked       = map[string]int64{} // seen key → incident id, of commits that returned nil
		ackedAfter  int                  // of those, how many after the kill
		unavailable int
		claims      = map[string][]claim{}
		fired       = map[string]int{} // timer → fire commits that returned nil
		killedAt    time.Time
	)
	record := func(what string, err error) bool { // true: retry
		switch {
		case errors.Is(err, store.ErrUnavailable):
			mu.Lock()
			unavailable++
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
			return true
		default:
			t.Errorf("%s: %v (want nil or store.ErrUnavailable)", what, err)
			return false
		}
	}
	stop := make(chan struct{})
	var stopOnce sync.Once
	var wg sync.WaitGroup
	halt := func() { stopOnce.Do(func() { close(stop) }); wg.Wait() }
	defer halt() // also when t fails: no worker outlives the test
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	for w := 0; w < 4; w++ {
		s := stores[w%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stopped(); n++ {
				seen := fmt.Sprintf("w%d-%d", w, n)
				for !stopped() {
					id, err := s.PeekID(ctx, "incident")
					if err != nil {
						if record("peek", err) {
							continue
						}
						return
					}
					inc := newIncident(id)
					inc.Title = seen
					err = s.Commit(ctx, &store.Tx{Incident: inc, Events: chain(inc, "declared"), TakeID: "incident", Seen: []string{seen}})
					if err == nil {
						mu.Lock()
						acked[seen] = id
						if !killedAt.IsZero() {
							ackedAfter++
						}
						mu.Unlock()
						break
					}
					if errors.Is(err, store.ErrDuplicate) {
						break // an attempt whose outcome was unknown was applied
					}
					if errors.Is(err, store.ErrConflict) {
						continue // another writer took the number: peek again
					}
					if !record("commit "+seen, err) {
						return
					}
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	allFired := make(chan struct{})
	var once sync.Once
	for i, s := range stores {
		owner := fmt.Sprintf("p%d", i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stopped() {
				now := time.Now()
				got, err := s.ClaimTimers(ctx, now, owner, failoverLease, 5)
				if err != nil {
					if record("claim", err) {
						continue
					}
					return
				}
				for _, tm := range got {
					mu.Lock()
					claims[tm.ID] = append(claims[tm.ID], claim{owner: owner, at: now})
					mu.Unlock()
					for !stopped() {
						err := s.Commit(ctx, &store.Tx{CancelTimers: []string{tm.ID}, Seen: []string{"fired:" + tm.ID}})
						if err == nil {
							mu.Lock()
							fired[tm.ID]++
							if len(fired) == nTimers {
								once.Do(func() { close(allFired) })
							}
							mu.Unlock()
						}
						if err == nil || errors.Is(err, store.ErrDuplicate) || !record("fire "+tm.ID, err) {
							break
						}
					}
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}

	waitUntil(t, "commits before the kill", func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= 50 })
	mu.Lock()
	killedAt = time.Now()
	mu.Unlock()
	kill()
	// Nothing can take over before NodeTimeout. go-redis's retries can
	// outlast a short outage, so the workers' calls may all succeed late;
	// a store that does not retry shows what a failed call says.
	probeStart := time.Now()
	err = probe.Commit(ctx, &store.Tx{Put: map[string]string{"probe": "1"}})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("commit right after the kill: %v, want store.ErrUnavailable", err)
	}
	t.Logf("commit right after the kill failed in %v: %v", time.Since(probeStart).Round(time.Millisecond), err)
	waitUntil(t, "commits after the failover", func() bool { mu.Lock(); defer mu.Unlock(); return ackedAfter >= 50 })
	recovered := time.Since(killedAt)
	select {
	case <-allFired:
	case <-time.After(30 * time.Second):
		t.Error("not every timer fired within 30s")
	}
	halt()
	t.Logf("outage %v (kill to 50 commits after), %d commits acknowledged, %d calls unavailable", recovered.Round(10*time.Millisecond), len(acked), unavailable)

	// Every acknowledged commit is there, read through the other Store.
	s := stores[1]
	for seen, id := range acked {
		inc, err := s.Incident(ctx, id)
		if err != nil || inc.Title != seen {
			t.Errorf("acknowledged commit %s (IR-%d) lost: %+v, %v", seen, id, inc, err)
		}
	}
	all, err := s.Incidents(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]bool{}
	for i, inc := range all {
		if inc.ID != int64(i+1) {
			t.Fatalf("incident numbers have a gap: #%d is IR-%d", i+1, inc.ID)
		}
		if titles[inc.Title] {
			t.Errorf("%s committed twice", inc.Title)
		}
		titles[inc.Title] = true
	}
	if next, _ := s.PeekID(ctx, "incident"); next != int64(len(all))+1 {
		t.Errorf("next number %d after %d incidents", next, len(all))
	}
	// Timers: all fired, each once, never held by two within a lease.
	if left, _ := s.Timers(ctx); len(left) != 0 {
		t.Errorf("%d timers left", len(left))
	}
	claimedAfter := 0
	for id, cs := range claims {
		if fired[id] != 1 {
			t.Errorf("timer %s fired %d times", id, fired[id])
		}
		sort.Slice(cs, func(i, j int) bool { return cs[i].at.Before(cs[j].at) })
		for i := 1; i < len(cs); i++ {
			if cs[i].at.Before(cs[i-1].at.Add(failoverLease)) {
				t.Errorf("timer %s claimed by %s at %v and by %s %v later, within the lease",
					id, cs[i-1].owner, cs[i-1].at.Format("15:04:05.000"), cs[i].owner, cs[i].at.Sub(cs[i-1].at))
			}
		}
		// A claim begun after the kill that returned timers was served
		// by the new master.
		if cs[len(cs)-1].at.After(killedAt) {
			claimedAfter++
		}
	}
	if claimedAfter == 0 {
		t.Error("no timer was claimed after the failover")
	}
}

type claim struct {
	owner string
	at    time.Time
}

// waitUntil polls ok every 10 ms for up to 30 seconds, failing t if it
// never holds.
func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
