package scheduler_test

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/scheduler"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/bolt"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func open(t testing.TB) store.Store {
	s, err := bolt.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fireAndDelete handles a timer the way the engine does: one commit that
// deletes it and records its id.
func fireAndDelete(st store.Store, fired func(bot.Timer)) scheduler.FireFunc {
	return func(ctx context.Context, t bot.Timer) error {
		err := st.Commit(ctx, &store.Tx{CancelTimers: []string{t.ID}, Seen: []string{"timer:" + t.ID}})
		if err == store.ErrDuplicate {
			return st.Commit(ctx, &store.Tx{CancelTimers: []string{t.ID}})
		}
		if err == nil {
			fired(t)
		}
		return err
	}
}

func TestTickFiresOnlyDueTimers(t *testing.T) {
	st := open(t)
	t0 := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	st.Commit(context.Background(), &store.Tx{SetTimers: []bot.Timer{
		{ID: "b", Due: t0.Add(2 * time.Minute)}, {ID: "a", Due: t0.Add(time.Minute)}, {ID: "c", Due: t0.Add(time.Hour)}}})
	c := &clock{now: t0.Add(5 * time.Minute)}
	var mu sync.Mutex
	var got []string
	s := scheduler.New(st, fireAndDelete(st, func(t bot.Timer) { mu.Lock(); got = append(got, t.ID); mu.Unlock() }), c, "w", nil)
	n, err := s.Tick(context.Background())
	sort.Strings(got) // fired concurrently
	if err != nil || n != 2 || fmt.Sprint(got) != "[a b]" {
		t.Fatalf("Tick = %d, %v; fired %v, want [a b]", n, err, got)
	}
	if n, _ := s.Tick(context.Background()); n != 0 {
		t.Fatalf("second Tick fired %d", n)
	}
}

func TestFailedTimerIsRetriedAfterItsLease(t *testing.T) {
	st := open(t)
	t0 := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	st.Commit(context.Background(), &store.Tx{SetTimers: []bot.Timer{{ID: "x", Due: t0}}})
	c := &clock{now: t0}
	calls := 0
	s := scheduler.New(st, func(ctx context.Context, t bot.Timer) error {
		calls++
		if calls == 1 {
			return fmt.Errorf("store hiccup")
		}
		return st.Commit(ctx, &store.Tx{CancelTimers: []string{t.ID}})
	}, c, "w", nil)
	s.Tick(context.Background())
	s.Tick(context.Background())
	if calls != 1 {
		t.Fatalf("retried inside the lease: %d calls", calls)
	}
	c.mu.Lock()
	c.now = c.now.Add(time.Minute)
	c.mu.Unlock()
	s.Tick(context.Background())
	if calls != 2 {
		t.Fatalf("not retried after the lease: %d calls", calls)
	}
	if left, _ := st.Timers(context.Background()); len(left) != 0 {
		t.Fatalf("timer left: %+v", left)
	}
}

// running starts s.Run in the test's bubble and stops it when the test
// ends (before the store closes).
func running(t *testing.T, s *scheduler.Scheduler) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// firing is a timer fired and when, on the bubble's clock.
type firing struct {
	ID string
	At time.Time
}

func TestRunWakesForAnEarlierTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := open(t)
		fired := make(chan firing, 1)
		s := scheduler.New(st, fireAndDelete(st, func(t bot.Timer) { fired <- firing{t.ID, time.Now()} }), bot.SystemClock{}, "w", nil)
		s.MaxSleep = time.Hour // only a wake-up can make it notice
		running(t, s)
		synctest.Wait() // Run sleeps: nothing is due
		due := time.Now().Add(20 * time.Millisecond)
		st.Commit(context.Background(), &store.Tx{SetTimers: []bot.Timer{{ID: "soon", Due: due}}})
		s.Wake()
		select {
		case f := <-fired:
			if f.ID != "soon" {
				t.Fatalf("fired %s", f.ID)
			}
			if late := f.At.Sub(due); late < 0 || late > time.Millisecond {
				t.Fatalf("fired %s after its due time, want on time", late)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("timer committed after Run started never fired")
		}
	})
}

// TestRunNoticesTimersOfOtherProcesses: a timer another process committed
// (no Wake here) is fired within MaxSleep of its due time.
func TestRunNoticesTimersOfOtherProcesses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := open(t)
		fired := make(chan firing, 1)
		s := scheduler.New(st, fireAndDelete(st, func(t bot.Timer) { fired <- firing{t.ID, time.Now()} }), bot.SystemClock{}, "w", nil)
		s.MaxSleep = time.Second
		running(t, s)
		synctest.Wait()
		due := time.Now().Add(90 * time.Second)
		st.Commit(context.Background(), &store.Tx{SetTimers: []bot.Timer{{ID: "elsewhere", Due: due}}})
		select {
		case f := <-fired:
			if late := f.At.Sub(due); late < 0 || late > s.MaxSleep {
				t.Fatalf("fired %s after its due time, want within MaxSleep (%s)", late, s.MaxSleep)
			}
		case <-time.After(time.Hour):
			t.Fatal("a timer committed without Wake never fired")
		}
	})
}

// TestRunReportsLateness: OnFired is told how late each timer fired, on
// the scheduler's clock: 0 for one fired on time, the delay for one that
// was overdue when Run started.
func TestRunReportsLateness(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := open(t)
		now := time.Now()
		st.Commit(context.Background(), &store.Tx{SetTimers: []bot.Timer{
			{ID: "overdue", Due: now.Add(-5 * time.Second)}, {ID: "later", Due: now.Add(time.Minute)}}})
		var mu sync.Mutex
		late := map[string]time.Duration{}
		s := scheduler.New(st, fireAndDelete(st, func(bot.Timer) {}), bot.SystemClock{}, "w", nil)
		s.OnFired = func(t bot.Timer, d time.Duration) { mu.Lock(); late[t.ID] = d; mu.Unlock() }
		running(t, s)
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		if late["overdue"] != 5*time.Second || late["later"] != 0 || len(late) != 2 {
			t.Fatalf("lateness %v, want overdue 5s and later 0s", late)
		}
	})
}

// BenchmarkLateness100k: 100,000 timers pending; 2,000 of them come due
// over two seconds while the rest wait far ahead. It reports how late each
// fired (p50, p99) and the heap in use. The goal is p99 under a second.
func BenchmarkLateness100k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		st := open(b)
		ctx := context.Background()
		now := time.Now()
		const pending, due = 100_000, 2_000
		timers := make([]bot.Timer, 0, pending)
		for k := 0; k < pending-due; k++ {
			timers = append(timers, bot.Timer{ID: fmt.Sprint("far-", k), Due: now.Add(time.Hour + time.Duration(k)*time.Millisecond), Kind: "page"})
		}
		if err := st.Commit(ctx, &store.Tx{SetTimers: timers}); err != nil {
			b.Fatal(err)
		}
		// The timers that come due are set after the bulk insert, so that
		// its cost is not counted as lateness.
		timers = timers[:0]
		start := time.Now().Add(500 * time.Millisecond)
		for k := 0; k < due; k++ {
			timers = append(timers, bot.Timer{ID: fmt.Sprint("due-", k), Due: start.Add(time.Duration(k) * time.Millisecond), Kind: "page"})
		}
		if err := st.Commit(ctx, &store.Tx{SetTimers: timers}); err != nil {
			b.Fatal(err)
		}
		var mu sync.Mutex
		var late []time.Duration
		done := make(chan struct{})
		s := scheduler.New(st, fireAndDelete(st, func(t bot.Timer) {
			mu.Lock()
			late = append(late, time.Since(t.Due))
			if len(late) == due {
				close(done)
			}
			mu.Unlock()
		}), bot.SystemClock{}, "bench", nil)
		runCtx, cancel := context.WithCancel(ctx)
		b.ResetTimer()
		go s.Run(runCtx)
		<-done
		b.StopTimer()
		cancel()
		sort.Slice(late, func(i, j int) bool { return late[i] < late[j] })
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(late[len(late)/2].Microseconds())/1000, "p50-late-ms")
		b.ReportMetric(float64(late[len(late)*99/100].Microseconds())/1000, "p99-late-ms")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
	}
}

// BenchmarkBurst10k: 10,000 timers come due at the same instant (a storm
// of pages escalating together) with 90,000 more pending; it reports how
// late the last ones fire, which is the drain rate of fire-and-commit.
func BenchmarkBurst10k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		st := open(b)
		ctx := context.Background()
		far := make([]bot.Timer, 0, 90_000)
		for k := 0; k < 90_000; k++ {
			far = append(far, bot.Timer{ID: fmt.Sprint("far-", k), Due: time.Now().Add(time.Hour), Kind: "page"})
		}
		st.Commit(ctx, &store.Tx{SetTimers: far})
		at := time.Now().Add(300 * time.Millisecond)
		burst := make([]bot.Timer, 0, 10_000)
		for k := 0; k < 10_000; k++ {
			burst = append(burst, bot.Timer{ID: fmt.Sprint("now-", k), Due: at, Kind: "page"})
		}
		st.Commit(ctx, &store.Tx{SetTimers: burst})
		var mu sync.Mutex
		var late []time.Duration
		done := make(chan struct{})
		s := scheduler.New(st, fireAndDelete(st, func(t bot.Timer) {
			mu.Lock()
			late = append(late, time.Since(t.Due))
			if len(late) == len(burst) {
				close(done)
			}
			mu.Unlock()
		}), bot.SystemClock{}, "bench", nil)
		runCtx, cancel := context.WithCancel(ctx)
		b.ResetTimer()
		go s.Run(runCtx)
		<-done
		b.StopTimer()
		cancel()
		sort.Slice(late, func(i, j int) bool { return late[i] < late[j] })
		b.ReportMetric(float64(late[len(late)/2].Milliseconds()), "p50-late-ms")
		b.ReportMetric(float64(late[len(late)*99/100].Milliseconds()), "p99-late-ms")
		b.ReportMetric(float64(len(late))/late[len(late)-1].Seconds(), "fired/s")
	}
}

func TestPanickingHandlerDoesNotStopTheScheduler(t *testing.T) {
	st := open(t)
	t0 := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	st.Commit(context.Background(), &store.Tx{SetTimers: []bot.Timer{{ID: "bad", Due: t0}, {ID: "good", Due: t0}}})
	var mu sync.Mutex
	var fired []string
	s := scheduler.New(st, func(ctx context.Context, tm bot.Timer) error {
		if tm.ID == "bad" {
			panic("bug")
		}
		mu.Lock()
		fired = append(fired, tm.ID)
		mu.Unlock()
		return st.Commit(ctx, &store.Tx{CancelTimers: []string{tm.ID}})
	}, &clock{now: t0}, "w", nil)
	if n, _ := s.Tick(context.Background()); n != 1 || len(fired) != 1 || fired[0] != "good" {
		t.Fatalf("fired %v (%d)", fired, n)
	}
	if left, _ := st.Timers(context.Background()); len(left) != 1 || left[0].ID != "bad" {
		t.Fatalf("the panicking timer should stay for a retry: %+v", left)
	}
}
