package engine

import (
	"context"
	"fmt"
	"strconv"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/command"
)

// Timer kinds the engine handles.
const (
	TimerStepDue      = "step_due"      // a playbook step's due time passed: remind
	TimerStepEscalate = "step_escalate" // still open one due period later: escalate
)

func dueTimerID(inc int64, step string) string { return fmt.Sprintf("due:%d:%s", inc, step) }

func dueEscTimerID(inc int64, step string) string { return fmt.Sprintf("due2:%d:%s", inc, step) }

func (e *Engine) stepDone(ctx context.Context, req *request) error {
	skip := req.cmd.Name == command.Skip
	return e.onIncident(ctx, req, func(ctx context.Context, c *change) error {
		if !c.inc.Open() {
			return e.refuse("err.cannot", "/"+string(req.cmd.Name), c.inc.Ref(), e.stateName(c.inc, c.req.lang))
		}
		st, ok := c.pb.Step(req.cmd.Step)
		if !ok {
			return e.refuse("err.no_step", req.cmd.Step, c.inc.Ref(), len(c.pb.Steps()))
		}
		if skip && st.Required && req.cmd.Text == "" {
			return e.refuse("err.skip_reason", st.Number, c.inc.Ref())
		}
		if prev, ok := c.inc.Steps[st.ID]; ok {
			return e.refuse("err.step_already", st.Number, e.r.StepStatus(prev.Status, c.req.lang),
				e.personName(prev.By), e.r.Time(prev.At))
		}
		status, kind := bot.StepDone, bot.EvStepDone
		if skip {
			status, kind = bot.StepSkipped, bot.EvStepSkipped
		}
		if c.inc.Steps == nil {
			c.inc.Steps = map[string]bot.StepState{}
		}
		c.inc.Steps[st.ID] = bot.StepState{Status: status, By: c.actorID(), At: c.now, Note: req.cmd.Text}
		c.record(kind, map[string]string{"step": strconv.Itoa(st.Number), "id": st.ID, "title": st.Title.In("en"), "note": req.cmd.Text})
		if st.Due > 0 {
			c.cancel = append(c.cancel, dueTimerID(c.inc.ID, st.ID), dueEscTimerID(c.inc.ID, st.ID))
		}
		idx := c.pb.PhaseIndex(c.inc.State)
		var buttons []bot.Button
		if idx >= 0 {
			buttons = e.stepButtons(c.inc, c.pb, idx)
		}
		c.notify(ctx, bot.KindNotice, func(lang string) string {
			return e.r.StepRecorded(c.inc, c.pb, st, c.actorName(), lang)
		}, buttons)
		return nil
	})
}

// scheduleDue sets a reminder timer for each step of phase idx with a due
// time, and cancels those of other phases.
func (e *Engine) scheduleDue(c *change, idx int) {
	for _, s := range c.pb.Steps() {
		id := dueTimerID(c.inc.ID, s.ID)
		if s.Phase == c.pb.Phases[idx].ID && s.Due > 0 {
			if _, done := c.inc.Steps[s.ID]; !done {
				c.set = append(c.set, bot.Timer{ID: id, Due: c.now.Add(s.Due.D()), Kind: TimerStepDue,
					Incident: c.inc.ID, Data: map[string]string{"step": s.ID}})
			}
		} else if s.Due > 0 {
			c.cancel = append(c.cancel, id, dueEscTimerID(c.inc.ID, s.ID))
		}
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
