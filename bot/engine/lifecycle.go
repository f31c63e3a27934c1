package engine

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/store"
)

func (e *Engine) declare(ctx context.Context, req *change.Request) error {
	pb, ok := e.Books.Get(req.Cmd.Playbook)
	if !ok {
		ids := make([]string, 0)
		for _, p := range e.Books.List() {
			ids = append(ids, p.ID)
		}
		if s := command.Closest(req.Cmd.Playbook, ids); s != "" {
			return e.Refuse("err.no_playbook_suggest", req.Cmd.Playbook, s, strings.Join(ids, ", "))
		}
		return e.Refuse("err.no_playbook", req.Cmd.Playbook, strings.Join(ids, ", "))
	}
	err := e.Numbered(ctx, func(id int64) (*store.Tx, error) {
		return e.declareTx(ctx, req, pb, id)
	})
	if errors.Is(err, store.ErrDuplicate) {
		return nil // the same message, handled before
	}
	return err
}

// declareTx is what declaring incident number id writes.
func (e *Engine) declareTx(ctx context.Context, req *change.Request, pb *playbook.Playbook, id int64) (*store.Tx, error) {
	now := e.Now()
	sev := req.Cmd.Sev
	if sev == 0 {
		sev = pb.Severity
	}
	inc := &bot.Incident{ID: id, Prefix: e.Cfg.Prefix, Title: req.Cmd.Text, Severity: sev, Category: pb.Category,
		Playbook: pb.ID, State: bot.StateTriggered, Chats: e.BoundChats(req.In.Chat),
		Roles: map[string]string{"commander": req.Actor.ID}, CreatedBy: req.Actor.ID,
		Detected: now, Declared: now}
	inc.Escalation = pb.Escalation
	c := &change.Change{Core: e.Core, Req: req, Now: now, Inc: inc, PB: pb, Seen: req.Seen}
	c.Record(bot.EvDeclared, map[string]string{"title": inc.Title, "playbook": pb.ID,
		"severity": notify.Sev(sev), "category": pb.Category, "chat": req.In.Chat.String()})
	c.Notify(ctx, bot.KindStatus, func(lang string) string {
		return e.Cat.T(lang, "declared", inc.Ref(), notify.Sev(sev), pb.Name.In(lang), inc.Title, c.ActorName(),
			notify.FirstPhase(pb, lang))
	}, []bot.Button{e.Button("btn.ack", "/ack "+inc.Ref()),
		e.Button("btn.steps", "/steps "+inc.Ref())})
	if _, ok := e.pager.Policy(bot.Page{Policy: inc.Escalation}); ok && inc.Escalation != "" {
		e.pager.Start(ctx, c, inc.Escalation, "", "")
	}
	e.Finish(ctx, c)
	return c.Tx(), nil
}

func (e *Engine) ack(ctx context.Context, req *change.Request) error {
	if len(req.Cmd.Args) > 0 && req.Cmd.Args[0] == "all" {
		return e.ackAll(ctx, req)
	}
	return e.OnIncident(ctx, req, func(ctx context.Context, c *change.Change) error { return e.ackIncident(ctx, c) })
}

// ackAll acknowledges every open incident whose page waits for the asker
// (the "acknowledge all" of a bundle of pages), then answers once.
func (e *Engine) ackAll(ctx context.Context, req *change.Request) error {
	open, err := e.Store.Incidents(ctx, true)
	if err != nil {
		return err
	}
	who := req.Actor.ID
	quiet := *req
	quiet.Quiet, quiet.Seen = true, nil // the answer below carries the dedup key
	var refs []string
	for _, inc := range open {
		if !pagedAndWaiting(inc, who) {
			continue
		}
		err := e.Apply(ctx, inc.ID, &quiet, func(ctx context.Context, c *change.Change) error {
			if !pagedAndWaiting(c.Inc, who) {
				return errNothing
			}
			return e.ackIncident(ctx, c)
		})
		switch {
		case errors.Is(err, errNothing):
		case err != nil:
			var ue *change.Refusal
			if !errors.As(err, &ue) {
				return err
			}
		default:
			refs = append(refs, inc.Ref())
		}
	}
	if len(refs) == 0 {
		return e.Reply(ctx, req, e.T("acked_none"))
	}
	return e.Reply(ctx, req, e.T("acked_all", len(refs), strings.Join(refs, ", ")))
}

// errNothing: the change found nothing to do and commits nothing.
var errNothing = errors.New("nothing to do")

// pagedAndWaiting reports whether an open page of inc waits for person.
func pagedAndWaiting(inc *bot.Incident, person string) bool {
	for _, k := range inc.OpenPages() {
		p := inc.Pages[k]
		if slices.Contains(p.Targets, person) && !slices.Contains(p.Acked, person) {
			return true
		}
	}
	return false
}

// ackIncident acknowledges c's incident, or the pages that wait on it.
func (e *Engine) ackIncident(ctx context.Context, c *change.Change) error {
	if !c.Inc.Open() {
		return e.Refuse("err.cannot", "/ack", c.Inc.Ref(), e.StateName(c.Inc, c.Req.Lang))
	}
	if c.Inc.State != bot.StateTriggered {
		if len(c.Inc.OpenPages()) > 0 && c.Inc.Open() {
			if e.pager.Ack(c, c.ActorID()) > 0 {
				c.Notify(ctx, bot.KindNotice, e.T("page_acked", c.Inc.Ref(), c.ActorName()), nil)
			} else {
				c.Reply(e.T("page_ack_waiting", c.Inc.Ref()), nil)
			}
			return nil
		}
		return e.Refuse("err.already_acked", c.Inc.Ref(), e.R.Time(c.Inc.Acknowledged))
	}
	if _, err := playbook.Fire(ctx, c.PB, c.Inc, bot.EventAck, nil); err != nil {
		return e.Refuse("err.cannot", "/ack", c.Inc.Ref(), e.StateName(c.Inc, c.Req.Lang))
	}
	c.Inc.State = bot.StateAcknowledged
	c.Inc.Acknowledged = c.Now
	delay := c.Now.Sub(c.Inc.Declared).Round(time.Second)
	c.Record(bot.EvAck, map[string]string{"after": delay.String()})
	e.pager.Ack(c, c.ActorID())
	return e.enterNext(ctx, c, func(lang string) string {
		return e.Cat.T(lang, "acked", c.Inc.Ref(), c.ActorName(), e.R.Dur(delay, lang))
	})
}

// enterNext fires "next" and tells the chats, prefixed by head.
func (e *Engine) enterNext(ctx context.Context, c *change.Change, head change.Text) error {
	to, err := playbook.Fire(ctx, c.PB, c.Inc, bot.EventNext, e.phaseGuard(c))
	if err != nil {
		return err
	}
	from := c.Inc.State
	c.Inc.State = to
	c.Inc.PhaseStarted = c.Now
	if c.Inc.Contained.IsZero() && strings.Contains(from, "contain") {
		c.Inc.Contained = c.Now
	}
	idx := c.PB.PhaseIndex(to)
	c.Record(bot.EvPhase, map[string]string{"from": from, "to": to})
	e.scheduleDue(c, idx)
	c.Notify(ctx, bot.KindNotice, func(lang string) string {
		s := e.R.PhaseStarted(c.Inc, c.PB, idx, lang)
		if head != nil {
			s = head(lang) + "\n" + s
		}
		return s
	}, e.stepButtons(c.Inc, c.PB, idx))
	return nil
}

// phaseGuard refuses "next" while required steps of the current phase are
// open, naming them.
func (e *Engine) phaseGuard(c *change.Change) playbook.Guard {
	return func(event, from, to string) error {
		if event != bot.EventNext {
			return nil
		}
		idx := c.PB.PhaseIndex(from)
		if idx < 0 {
			return nil
		}
		open := openRequired(c.Inc, c.PB.Phases[idx].Steps)
		if len(open) == 0 {
			return nil
		}
		return &change.Refusal{Text: func(lang string) string {
			return e.Cat.N(lang, "guard.next", len(open), notify.StepList(open, lang), open[0].Number)
		}}
	}
}

func openRequired(inc *bot.Incident, steps []playbook.Step) []playbook.Step {
	var open []playbook.Step
	for _, s := range steps {
		if _, ok := inc.Steps[s.ID]; !ok && s.Required {
			open = append(open, s)
		}
	}
	return open
}

func (e *Engine) next(ctx context.Context, req *change.Request) error {
	return e.OnIncident(ctx, req, func(ctx context.Context, c *change.Change) error {
		if !c.Inc.Open() {
			return e.Refuse("err.cannot", "/next", c.Inc.Ref(), e.StateName(c.Inc, c.Req.Lang))
		}
		if c.Inc.State == bot.StateTriggered {
			return e.Refuse("err.ack_first", c.Inc.Ref())
		}
		if c.PB.PhaseIndex(c.Inc.State) == len(c.PB.Phases)-1 {
			open := openRequired(c.Inc, c.PB.Phases[len(c.PB.Phases)-1].Steps)
			if len(open) > 0 {
				return e.phaseGuard(c)(bot.EventNext, c.Inc.State, "")
			}
			return e.Refuse("err.last_phase", c.Inc.Ref())
		}
		return e.enterNext(ctx, c, nil)
	})
}

func (e *Engine) resolve(ctx context.Context, req *change.Request) error {
	return e.OnIncident(ctx, req, func(ctx context.Context, c *change.Change) error {
		if c.Inc.State == bot.StateResolved || c.Inc.State == bot.StateClosed || c.Inc.State == bot.StateCancelled {
			return e.Refuse("err.cannot", "/resolve", c.Inc.Ref(), e.StateName(c.Inc, c.Req.Lang))
		}
		if open := openRequired(c.Inc, c.PB.Steps()); len(open) > 0 {
			return &change.Refusal{Text: func(lang string) string {
				return e.Cat.N(lang, "guard.resolve", len(open), notify.StepList(open, lang), open[0].Number)
			}}
		}
		to, err := playbook.Fire(ctx, c.PB, c.Inc, bot.EventResolve, nil)
		if err != nil {
			return e.Refuse("err.cannot", "/resolve", c.Inc.Ref(), e.StateName(c.Inc, c.Req.Lang))
		}
		c.Inc.State = to
		c.Inc.Resolved = c.Now
		cancelTimers(c)
		e.pager.Cancel(c)
		c.Record(bot.EvResolved, map[string]string{"summary": req.Cmd.Text, "duration": c.Now.Sub(c.Inc.Declared).Round(time.Second).String()})
		resolved := func(lang string) string {
			return e.Cat.T(lang, "resolved", c.Inc.Ref(), c.ActorName(), e.R.Dur(c.Now.Sub(c.Inc.Declared), lang), opt(req.Cmd.Text))
		}
		c.Notify(ctx, bot.KindStatus, resolved, []bot.Button{e.Button("btn.close", "/close "+c.Inc.Ref())})
		return nil
	})
}

func (e *Engine) close(ctx context.Context, req *change.Request) error {
	return e.OnIncident(ctx, req, func(ctx context.Context, c *change.Change) error {
		if c.Inc.State != bot.StateResolved {
			return e.Refuse("err.close_first", c.Inc.Ref(), e.StateName(c.Inc, c.Req.Lang))
		}
		if _, err := playbook.Fire(ctx, c.PB, c.Inc, bot.EventClose, nil); err != nil {
			return err
		}
		c.Inc.State = bot.StateClosed
		c.Inc.Closed = c.Now
		c.Record(bot.EvClosed, nil)
		c.Notify(ctx, bot.KindStatus, e.T("closed", c.Inc.Ref(), c.ActorName()), nil)
		return nil
	})
}

func (e *Engine) reopen(ctx context.Context, req *change.Request) error {
	return e.OnIncident(ctx, req, func(ctx context.Context, c *change.Change) error {
		if c.Inc.Open() {
			return e.Refuse("err.still_open", c.Inc.Ref())
		}
		to, err := playbook.Fire(ctx, c.PB, c.Inc, bot.EventReopen, nil)
		if err != nil {
			return err
		}
		from := c.Inc.State
		c.Inc.State = to
		c.Inc.Resolved, c.Inc.Closed = time.Time{}, time.Time{}
		c.Record(bot.EvReopened, map[string]string{"from": from, "reason": req.Cmd.Text})
		return e.enterNext(ctx, c, e.T("reopened", c.Inc.Ref(), c.ActorName(), opt(req.Cmd.Text)))
	})
}

func (e *Engine) cancel(ctx context.Context, req *change.Request) error {
	return e.OnIncident(ctx, req, func(ctx context.Context, c *change.Change) error {
		to, err := playbook.Fire(ctx, c.PB, c.Inc, bot.EventCancel, nil)
		if err != nil {
			return e.Refuse("err.cannot", "/cancel", c.Inc.Ref(), e.StateName(c.Inc, c.Req.Lang))
		}
		c.Inc.State = to
		cancelTimers(c)
		e.pager.Cancel(c)
		c.Record(bot.EvCancelled, map[string]string{"reason": req.Cmd.Text})
		c.Notify(ctx, bot.KindStatus, func(lang string) string {
			why := cmp.Or(strings.TrimSpace(req.Cmd.Text), e.Cat.T(lang, "cancel.default_reason"))
			return e.Cat.T(lang, "cancelled", c.Inc.Ref(), c.ActorName(), why)
		}, nil)
		return nil
	})
}

// cancelTimers cancels every reminder the incident may have set.
func cancelTimers(c *change.Change) {
	for _, s := range c.PB.Steps() {
		if s.Due > 0 {
			c.Cancel = append(c.Cancel, dueTimerID(c.Inc.ID, s.ID), dueEscTimerID(c.Inc.ID, s.ID))
		}
	}
}
