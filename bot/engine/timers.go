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

// Fire handles a due timer. It is idempotent: the timer's id is recorded in
// the same commit that deletes the timer, so a timer delivered twice (after
// a crash, or to two replicas) acts once. Timers of unknown kind or for
// incidents that no longer need them are just removed.
func (e *Engine) Fire(ctx context.Context, t bot.Timer) error {
	seenKey := "timer:" + t.ID + ":" + strconv.FormatInt(t.Due.UnixNano(), 10)
	drop := func() error {
		return e.commit(ctx, &store.Tx{CancelTimers: []string{t.ID}, Seen: []string{seenKey}})
	}
	if t.Kind == TimerHandoff || t.Kind == TimerRosterWeek {
		return e.fireRoster(ctx, t, seenKey)
	}
	if t.Kind == TimerDigest {
		return e.fireDigest(ctx, t, seenKey)
	}
	if t.Incident == 0 {
		return drop()
	}
	switch t.Kind {
	case TimerEscalate:
		err := e.apply(ctx, t.Incident, nil, func(c *change) error {
			c.seen = []string{seenKey}
			c.cancel = append(c.cancel, t.ID)
			e.fireEscalate(ctx, c, t)
			return nil
		})
		if _, ok := err.(*userError); ok {
			return drop()
		}
		return err
	case TimerCadence, TimerSumDelay:
		err := e.apply(ctx, t.Incident, nil, func(c *change) error {
			c.seen = []string{seenKey}
			c.cancel = append(c.cancel, t.ID)
			e.fireSummary(ctx, c, t)
			return nil
		})
		if _, ok := err.(*userError); ok {
			return drop()
		}
		return err
	case TimerStepDue, TimerStepEscalate:
		err := e.apply(ctx, t.Incident, nil, func(c *change) error {
			c.seen = []string{seenKey}
			c.cancel = append(c.cancel, t.ID)
			if !c.inc.Open() {
				return nil
			}
			for _, s := range c.pb.Steps() {
				if s.ID != t.Data["step"] {
					continue
				}
				if _, ok := c.inc.Steps[s.ID]; ok {
					return nil
				}
				if t.Kind == TimerStepEscalate {
					// Still open a whole due period after the reminder: escalate.
					reason := fmt.Sprintf("step %d overdue: %s", s.Number, s.Title.In("en"))
					c.record("step_escalated", map[string]string{"step": strconv.Itoa(s.Number), "id": s.ID})
					if open := c.inc.OpenPages(); len(open) > 0 {
						e.escalate(ctx, c, open[0], reason)
					} else if c.inc.Escalation != "" {
						e.startPage(ctx, c, c.inc.Escalation, "", reason)
					}
					return nil
				}
				c.record("step_overdue", map[string]string{"step": strconv.Itoa(s.Number), "id": s.ID, "title": s.Title.In("en")})
				c.notify(ctx, bot.KindNotice, func(lang string) string {
					return e.cat.T(lang, "overdue", c.inc.Ref(), s.Number, s.Title.In(lang), roleName(s.Role))
				}, []bot.Button{{Label: "✅ " + strconv.Itoa(s.Number), Data: fmt.Sprintf("/done %s %d", c.inc.Ref(), s.Number)}})
				c.set = append(c.set, bot.Timer{ID: dueEscTimerID(c.inc.ID, s.ID), Due: c.now.Add(s.Due.D()), Kind: TimerStepEscalate,
					Incident: c.inc.ID, Data: map[string]string{"step": s.ID}})
			}
			return nil
		})
		if _, ok := err.(*userError); ok {
			return drop()
		}
		return err
	}
	return drop()
}

// DeliveryFailed records in the incident's timeline that a message could
// not be delivered, so the report shows who was not told.
func (e *Engine) DeliveryFailed(ctx context.Context, m bot.Outgoing, cause error) {
	if m.Incident == 0 {
		return
	}
	err := e.apply(ctx, m.Incident, nil, func(c *change) error {
		c.record("delivery_failed", map[string]string{"chat": m.Chat.String(), "kind": m.Kind, "error": cause.Error()})
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
