package engine

import (
	"context"
	"fmt"
	"strconv"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/duty"
	"github.com/irbot/irbot/bot/intake"
	"github.com/irbot/irbot/bot/paging"
	"github.com/irbot/irbot/bot/summary"
	"github.com/irbot/irbot/store"
)

// timerHandlers registers a handler per timer kind.
func (e *Engine) timerHandlers() map[string]change.TimerHandler {
	return map[string]change.TimerHandler{
		duty.TimerHandoff:     e.duty.Fire,
		duty.TimerRosterWeek:  e.duty.Fire,
		summary.TimerDigest:   e.leaders.FireDigest,
		paging.TimerEscalate:  e.IncidentTimer(e.pager.FireEscalate),
		summary.TimerCadence:  e.IncidentTimer(e.leaders.FireSummary),
		summary.TimerSumDelay: e.IncidentTimer(e.leaders.FireSummary),
		TimerStepDue:          e.IncidentTimer(e.fireStep),
		TimerStepEscalate:     e.IncidentTimer(e.fireStep),
		intake.TimerHeartbeat: e.desk.FireHeartbeat,
		paging.TimerSnooze:    e.IncidentTimer(e.pager.FireSnoozeEnd),
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
	return e.DropTimer(ctx, t, seenKey)
}

// Start sets up the engine's standing timers; see StartRosters.
func (e *Engine) Start(ctx context.Context) error { return e.StartRosters(ctx) }

// StartRosters makes sure every roster with an announcement chat has its
// handoff and weekly timers, and the daily digest its timer. Call it at
// start-up; it is idempotent.
func (e *Engine) StartRosters(ctx context.Context) error {
	existing, err := e.Store.Timers(ctx)
	if err != nil {
		return fmt.Errorf("read timers: %w", err)
	}
	have := map[string]bool{}
	for _, t := range existing {
		have[t.ID] = true
	}
	var set []bot.Timer
	set = append(set, e.leaders.Start(e.Now(), existing)...)
	set = append(set, e.duty.Start(ctx, have)...)
	if len(set) == 0 {
		return nil
	}
	return e.Commit(ctx, &store.Tx{SetTimers: set})
}
