package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/store"
)

// timerHandler handles one due timer of a kind; seenKey makes it
// idempotent (recorded in the commit that deletes the timer).
type timerHandler func(ctx context.Context, t bot.Timer, seenKey string) error

// timerHandlers registers a handler per timer kind.
func (e *Engine) timerHandlers() map[string]timerHandler {
	return map[string]timerHandler{
		TimerHandoff:      e.fireRoster,
		TimerRosterWeek:   e.fireRoster,
		TimerDigest:       e.fireDigest,
		TimerEscalate:     e.incidentTimer(e.fireEscalate),
		TimerCadence:      e.incidentTimer(e.fireSummary),
		TimerSumDelay:     e.incidentTimer(e.fireSummary),
		TimerStepDue:      e.incidentTimer(e.fireStep),
		TimerStepEscalate: e.incidentTimer(e.fireStep),
		TimerHeartbeat:    e.fireHeartbeat,
		TimerSnooze:       e.incidentTimer(e.fireSnoozeEnd),
	}
}

// Fire handles a due timer. It is idempotent: the timer's id is recorded in
// the same commit that deletes the timer, so a timer delivered twice (after
// a crash, or to two replicas) acts once. Timers of unknown kind or for
// incidents that no longer need them are just removed.
func (e *Engine) Fire(ctx context.Context, t bot.Timer) error {
	seenKey := "timer:" + t.ID + ":" + strconv.FormatInt(t.Due.UnixNano(), 10)
	if h, ok := e.timerHandlers()[t.Kind]; ok {
		return h(ctx, t, seenKey)
	}
	return e.dropTimer(ctx, t, seenKey)
}

// dropTimer removes a timer that has nothing left to do.
func (e *Engine) dropTimer(ctx context.Context, t bot.Timer, seenKey string) error {
	return e.commit(ctx, &store.Tx{CancelTimers: []string{t.ID}, Seen: []string{seenKey}})
}

// incidentTimer makes a handler of f, which acts on the timer's incident in
// one change that also deletes the timer. A timer whose incident is gone is
// dropped.
func (e *Engine) incidentTimer(f func(ctx context.Context, c *change, t bot.Timer)) timerHandler {
	return func(ctx context.Context, t bot.Timer, seenKey string) error {
		if t.Incident == 0 {
			return e.dropTimer(ctx, t, seenKey)
		}
		err := e.apply(ctx, t.Incident, nil, func(ctx context.Context, c *change) error {
			c.seen = []string{seenKey}
			c.cancel = append(c.cancel, t.ID)
			f(ctx, c, t)
			return nil
		})
		var ue *userError
		if errors.As(err, &ue) {
			return e.dropTimer(ctx, t, seenKey)
		}
		return err
	}
}

// Start sets up the engine's standing timers; see StartRosters.
func (e *Engine) Start(ctx context.Context) error { return e.StartRosters(ctx) }

// StartRosters makes sure every roster with an announcement chat has its
// handoff and weekly timers, and the daily digest its timer. Call it at
// start-up; it is idempotent.
func (e *Engine) StartRosters(ctx context.Context) error {
	existing, err := e.st.Timers(ctx)
	if err != nil {
		return fmt.Errorf("read timers: %w", err)
	}
	have := map[string]bool{}
	for _, t := range existing {
		have[t.ID] = true
	}
	var set []bot.Timer
	if at, ok := e.nextDigest(e.o.Clock.Now()); ok && !have["digest"] {
		set = append(set, bot.Timer{ID: "digest", Due: at, Kind: TimerDigest})
	}
	for _, r := range e.o.Rosters {
		for _, t := range e.rosterTimers(ctx, r, e.o.Clock.Now()) {
			if !have[t.ID] {
				set = append(set, t)
			}
		}
	}
	if len(set) == 0 {
		return nil
	}
	return e.commit(ctx, &store.Tx{SetTimers: set})
}
