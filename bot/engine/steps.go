package engine

import (
	"context"
	"fmt"
	"strconv"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/command"
)

// Timer kinds the engine handles.
const (
	TimerStepDue      = "step_due"      // a playbook step's due time passed: remind
	TimerStepEscalate = "step_escalate" // still open one due period later: escalate
)

func dueTimerID(inc int64, step string) string { return fmt.Sprintf("due:%d:%s", inc, step) }

func dueEscTimerID(inc int64, step string) string { return fmt.Sprintf("due2:%d:%s", inc, step) }

func (e *Engine) stepDone(ctx context.Context, req *change.Request) error {
	skip := req.Cmd.Name == command.Skip
	return e.OnIncident(ctx, req, func(ctx context.Context, c *change.Change) error {
		if !c.Inc.Open() {
			return e.Refuse("err.cannot", "/"+string(req.Cmd.Name), c.Inc.Ref(), e.StateName(c.Inc, c.Req.Lang))
		}
		st, ok := c.PB.Step(req.Cmd.Step)
		if !ok {
			return e.Refuse("err.no_step", req.Cmd.Step, c.Inc.Ref(), len(c.PB.Steps()))
		}
		if skip && st.Required && req.Cmd.Text == "" {
			return e.Refuse("err.skip_reason", st.Number, c.Inc.Ref())
		}
		if prev, ok := c.Inc.Steps[st.ID]; ok {
			return e.Refuse("err.step_already", st.Number, e.R.StepStatus(prev.Status, c.Req.Lang),
				e.PersonName(prev.By), e.R.Time(prev.At))
		}
		status, kind := bot.StepDone, bot.EvStepDone
		if skip {
			status, kind = bot.StepSkipped, bot.EvStepSkipped
		}
		if c.Inc.Steps == nil {
			c.Inc.Steps = map[string]bot.StepState{}
		}
		c.Inc.Steps[st.ID] = bot.StepState{Status: status, By: c.ActorID(), At: c.Now, Note: req.Cmd.Text}
		c.Record(kind, map[string]string{"step": strconv.Itoa(st.Number), "id": st.ID, "title": st.Title.In("en"), "note": req.Cmd.Text})
		if st.Due > 0 {
			c.Cancel = append(c.Cancel, dueTimerID(c.Inc.ID, st.ID), dueEscTimerID(c.Inc.ID, st.ID))
		}
		idx := c.PB.PhaseIndex(c.Inc.State)
		var buttons []bot.Button
		if idx >= 0 {
			buttons = e.stepButtons(c.Inc, c.PB, idx)
		}
		c.Notify(ctx, bot.KindNotice, func(lang string) string {
			return e.R.StepRecorded(c.Inc, c.PB, st, c.ActorName(), lang)
		}, buttons)
		return nil
	})
}

// scheduleDue sets a reminder timer for each step of phase idx with a due
// time, and cancels those of other phases.
func (e *Engine) scheduleDue(c *change.Change, idx int) {
	for _, s := range c.PB.Steps() {
		id := dueTimerID(c.Inc.ID, s.ID)
		if s.Phase == c.PB.Phases[idx].ID && s.Due > 0 {
			if _, done := c.Inc.Steps[s.ID]; !done {
				c.Set = append(c.Set, bot.Timer{ID: id, Due: c.Now.Add(s.Due.D()), Kind: TimerStepDue,
					Incident: c.Inc.ID, Data: map[string]string{"step": s.ID}})
			}
		} else if s.Due > 0 {
			c.Cancel = append(c.Cancel, id, dueEscTimerID(c.Inc.ID, s.ID))
		}
	}
}

// fireStep reminds of an overdue step, then escalates if it stays open.
func (e *Engine) fireStep(ctx context.Context, c *change.Change, t bot.Timer) {
	if !c.Inc.Open() {
		return
	}
	for _, s := range c.PB.Steps() {
		if s.ID != t.Data["step"] {
			continue
		}
		if _, ok := c.Inc.Steps[s.ID]; ok {
			return
		}
		if t.Kind == TimerStepEscalate {
			// Still open a whole due period after the reminder: escalate.
			reason := fmt.Sprintf("step %d overdue: %s", s.Number, s.Title.In("en"))
			c.Record(bot.EvStepEscalated, map[string]string{"step": strconv.Itoa(s.Number), "id": s.ID})
			if open := c.Inc.OpenPages(); len(open) > 0 {
				e.pager.Escalate(ctx, c, open[0], reason)
			} else if c.Inc.Escalation != "" {
				e.pager.Start(ctx, c, c.Inc.Escalation, "", reason)
			}
			return
		}
		c.Record(bot.EvStepOverdue, map[string]string{"step": strconv.Itoa(s.Number), "id": s.ID, "title": s.Title.In("en")})
		c.Notify(ctx, bot.KindNotice, func(lang string) string {
			return e.Cat.T(lang, "overdue", c.Inc.Ref(), s.Number, s.Title.In(lang), e.R.Role(s.Role, lang))
		}, []bot.Button{{Label: "✅ " + strconv.Itoa(s.Number), Data: fmt.Sprintf("/done %s %d", c.Inc.Ref(), s.Number)}})
		c.Set = append(c.Set, bot.Timer{ID: dueEscTimerID(c.Inc.ID, s.ID), Due: c.Now.Add(s.Due.D()), Kind: TimerStepEscalate,
			Incident: c.Inc.ID, Data: map[string]string{"step": s.ID}})
	}
}
