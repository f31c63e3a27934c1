// Package scheduler fires durable timers. Timers are rows in the store, not
// goroutines: the scheduler sleeps until the earliest due time (or a wake-up
// when an earlier one is committed), claims due rows with a lease so that
// two replicas never fire the same one at once, and hands each to the
// engine, whose idempotent handling makes a repeated delivery harmless.
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/irbot/irbot/bot"
)

// TimerStore is what the scheduler needs of the store: claiming due timers
// and knowing when the next one is due. A store.Store is one; it must be
// safe for concurrent use.
type TimerStore interface {
	// ClaimTimers returns up to limit timers due at or before now that are
	// not leased by someone else, and leases them to owner until
	// now+lease. A claimed timer stays stored until a commit cancels it.
	ClaimTimers(ctx context.Context, now time.Time, owner string, lease time.Duration, limit int) ([]bot.Timer, error)
	// NextTimer returns the earliest due time, ok=false when there are no
	// timers.
	NextTimer(ctx context.Context) (due time.Time, ok bool, err error)
}

// FireFunc handles one due timer; it must delete the timer in the commit
// that acts on it, and be idempotent.
type FireFunc func(ctx context.Context, t bot.Timer) error

// Scheduler fires due timers from a store.
type Scheduler struct {
	st    TimerStore
	fire  FireFunc
	clock bot.Clock
	owner string
	lease time.Duration
	log   *slog.Logger
	wake  chan struct{}
	// MaxSleep bounds one sleep, so timers committed by other processes are
	// noticed (default 1s).
	MaxSleep time.Duration
	// Workers is how many due timers are fired at once (default 32).
	Workers int
	// OnFired, if set, is told how late each timer fired.
	OnFired func(t bot.Timer, late time.Duration)
}

// New returns a scheduler; owner names this process in leases.
func New(st TimerStore, fire FireFunc, clock bot.Clock, owner string, log *slog.Logger) *Scheduler {
	if log == nil {
		log = slog.Default()
	}
	return &Scheduler{st: st, fire: fire, clock: clock, owner: owner, lease: 30 * time.Second, log: log,
		wake: make(chan struct{}, 1), MaxSleep: time.Second, Workers: 32}
}

// Wake tells Run that a timer was committed, possibly earlier than the one
// it sleeps for.
func (s *Scheduler) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Tick fires every timer due now, several at once, and returns how many
// it fired. A timer whose handler fails stays stored and is retried when
// its lease ends. Timers of one incident may fire concurrently; the engine
// serialises actions per incident.
func (s *Scheduler) Tick(ctx context.Context) (int, error) {
	fired := 0
	for {
		due, err := s.st.ClaimTimers(ctx, s.clock.Now(), s.owner, s.lease, 256)
		if err != nil {
			return fired, fmt.Errorf("claim timers: %w", err)
		}
		if len(due) == 0 {
			return fired, nil
		}
		// Fire concurrently: each timer is its own commit, and a store can
		// group concurrent commits into one disk sync.
		var wg sync.WaitGroup
		var n atomic.Int64
		work := make(chan bot.Timer)
		for w := 0; w < min(s.Workers, len(due)); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for t := range work {
					late := s.clock.Now().Sub(t.Due)
					if err := s.safeFire(ctx, t); err != nil {
						s.log.Warn("timer failed; will retry", "timer", t.ID, "err", err)
						continue
					}
					n.Add(1)
					if s.OnFired != nil {
						s.OnFired(t, late)
					}
				}
			}()
		}
		for _, t := range due {
			work <- t
		}
		close(work)
		wg.Wait()
		fired += int(n.Load())
	}
}

// Run fires timers until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	for {
		fired, err := s.Tick(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("scheduler pass failed", "err", err)
		}
		wait := s.MaxSleep
		if due, ok, err := s.st.NextTimer(ctx); err == nil && ok {
			d := due.Sub(s.clock.Now())
			if d <= 0 && fired == 0 {
				// Due but not claimable: leased by a handler still at work
				// (here or in another replica). Look again shortly rather
				// than spin.
				d = 50 * time.Millisecond
			}
			if d < wait {
				wait = max(d, time.Millisecond)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// safeFire runs the handler, turning a panic into an error: the timer stays
// stored and is retried after its lease, and the process lives on.
func (s *Scheduler) safeFire(ctx context.Context, t bot.Timer) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("timer handler panicked: %v", v)
		}
	}()
	return s.fire(ctx, t)
}
