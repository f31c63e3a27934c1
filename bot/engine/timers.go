package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/store"
)

// Timer kinds the engine handles.
const (
	TimerStepDue      = "step_due"      // a playbook step's due time passed: remind
	TimerStepEscalate = "step_escalate" // still open one due period later: escalate
)

func dueEscTimerID(inc int64, step string) string { return fmt.Sprintf("due2:%d:%s", inc, step) }

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

// fireStep reminds of an overdue step, then escalates if it stays open.
func (e *Engine) fireStep(ctx context.Context, c *change, t bot.Timer) {
	if !c.inc.Open() {
		return
	}
	for _, s := range c.pb.Steps() {
		if s.ID != t.Data["step"] {
			continue
		}
		if _, ok := c.inc.Steps[s.ID]; ok {
			return
		}
		if t.Kind == TimerStepEscalate {
			// Still open a whole due period after the reminder: escalate.
			reason := fmt.Sprintf("step %d overdue: %s", s.Number, s.Title.In("en"))
			c.record(bot.EvStepEscalated, map[string]string{"step": strconv.Itoa(s.Number), "id": s.ID})
			if open := c.inc.OpenPages(); len(open) > 0 {
				e.escalate(ctx, c, open[0], reason)
			} else if c.inc.Escalation != "" {
				e.startPage(ctx, c, c.inc.Escalation, "", reason)
			}
			return
		}
		c.record(bot.EvStepOverdue, map[string]string{"step": strconv.Itoa(s.Number), "id": s.ID, "title": s.Title.In("en")})
		c.notify(ctx, bot.KindNotice, func(lang string) string {
			return e.cat.T(lang, "overdue", c.inc.Ref(), s.Number, s.Title.In(lang), e.r.Role(s.Role, lang))
		}, []bot.Button{{Label: "✅ " + strconv.Itoa(s.Number), Data: fmt.Sprintf("/done %s %d", c.inc.Ref(), s.Number)}})
		c.set = append(c.set, bot.Timer{ID: dueEscTimerID(c.inc.ID, s.ID), Due: c.now.Add(s.Due.D()), Kind: TimerStepEscalate,
			Incident: c.inc.ID, Data: map[string]string{"step": s.ID}})
	}
}

// DeliveryFailed records in the incident's timeline that a message could
// not be delivered, so the report shows who was not told.
func (e *Engine) DeliveryFailed(ctx context.Context, m bot.Outgoing, cause error) {
	if m.Incident == 0 {
		return
	}
	err := e.apply(ctx, m.Incident, nil, func(ctx context.Context, c *change) error {
		c.record(bot.EvDeliveryFailed, map[string]string{"chat": m.Chat.String(), "kind": m.Kind, "error": cause.Error()})
		if m.Kind != bot.KindPage || c.inc.HasChat(m.Chat) {
			return nil
		}
		// A page that reached nobody: the incident's chats must know, so
		// that someone pages another way.
		who := m.Chat.ID
		if p, ok := e.o.Directory.Lookup(m.Chat.Platform, m.Chat.ID); ok && m.Chat.Direct {
			who = firstNonEmpty(p.Name, p.ID)
		} else if ch, ok := e.o.Directory.ChatFor(m.Chat); ok {
			who = ch.ID
		}
		c.notify(ctx, bot.KindNotice, func(lang string) string {
			return e.cat.T(lang, "page_undelivered", c.inc.Ref(), who, e.cat.T(lang, deliveryWhy(cause)))
		}, nil)
		return nil
	})
	if err != nil {
		e.log.Error("record delivery failure", "incident", m.Incident, "err", err)
	}
}

// deliveryWhy names the catalogue key that says why a message was not
// delivered.
func deliveryWhy(err error) string {
	switch {
	case errors.Is(err, bot.ErrExpired):
		return "why.expired"
	case errors.Is(err, bot.ErrNotRunning):
		return "why.not_running"
	default:
		return "why.failed"
	}
}
