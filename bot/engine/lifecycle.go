package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/store"
)

func (e *Engine) declare(ctx context.Context, req *request) error {
	pb, ok := e.books.Get(req.cmd.Playbook)
	if !ok {
		ids := make([]string, 0)
		for _, p := range e.books.List() {
			ids = append(ids, p.ID)
		}
		if s := command.Closest(req.cmd.Playbook, ids); s != "" {
			return e.refuse("err.no_playbook_suggest", req.cmd.Playbook, s, strings.Join(ids, ", "))
		}
		return e.refuse("err.no_playbook", req.cmd.Playbook, strings.Join(ids, ", "))
	}
	err := e.numbered(ctx, func(id int64) (*store.Tx, error) {
		return e.declareTx(ctx, req, pb, id)
	})
	if errors.Is(err, store.ErrDuplicate) {
		return nil // the same message, handled before
	}
	return err
}

// declareTx is what declaring incident number id writes.
func (e *Engine) declareTx(ctx context.Context, req *request, pb *playbook.Playbook, id int64) (*store.Tx, error) {
	now := e.o.Clock.Now()
	sev := req.cmd.Sev
	if sev == 0 {
		sev = pb.Severity
	}
	inc := &bot.Incident{ID: id, Prefix: e.o.Prefix, Title: req.cmd.Text, Severity: sev, Category: pb.Category,
		Playbook: pb.ID, State: bot.StateTriggered, Chats: e.boundChats(req.in.Chat),
		Roles: map[string]string{"commander": req.actor.ID}, CreatedBy: req.actor.ID,
		Detected: now, Declared: now}
	inc.Escalation = pb.Escalation
	c := &change{e: e, req: req, now: now, inc: inc, pb: pb, seen: req.seen}
	c.record(bot.EvDeclared, map[string]string{"title": inc.Title, "playbook": pb.ID,
		"severity": notify.Sev(sev), "category": pb.Category, "chat": req.in.Chat.String()})
	c.notify(ctx, bot.KindStatus, func(lang string) string {
		return e.cat.T(lang, "declared", inc.Ref(), notify.Sev(sev), pb.Name.In(lang), inc.Title, c.actorName(),
			notify.FirstPhase(pb, lang))
	}, []bot.Button{e.button("btn.ack", "/ack "+inc.Ref()),
		e.button("btn.steps", "/steps "+inc.Ref())})
	if _, ok := e.policy(bot.Page{Policy: inc.Escalation}); ok && inc.Escalation != "" {
		e.startPage(ctx, c, inc.Escalation, "", "")
	}
	e.finish(ctx, c)
	return c.tx(), nil
}

// numbered commits a new incident under the next incident number. Where
// the store can (store.IDPeeker), the number is taken inside the commit,
// so a commit that fails uses none up and numbers have no gaps; when
// another writer took the number first, the change is built again for
// the next one.
func (e *Engine) numbered(ctx context.Context, build func(id int64) (*store.Tx, error)) error {
	peeker, gapless := e.st.(store.IDPeeker)
	if gapless {
		// One new incident at a time in this process: numbers race only
		// between replicas, not between this process's own requests.
		defer e.lockKey("incident-number")()
	}
	for attempt := 0; ; attempt++ {
		var id int64
		var err error
		if gapless {
			id, err = peeker.PeekID(ctx, "incident")
		} else {
			id, err = e.st.NextID(ctx, "incident")
		}
		if err != nil {
			return fmt.Errorf("allocate incident number: %w", err)
		}
		tx, err := build(id)
		if err != nil {
			return err
		}
		if gapless {
			tx.TakeID = "incident"
		}
		unlock := e.lock(id)
		err = e.commitOrDuplicate(ctx, tx)
		unlock()
		if gapless && errors.Is(err, store.ErrConflict) && attempt < 8*maxRetries {
			// The number went to another replica: take the next, after a
			// short random pause so that racing replicas spread out.
			time.Sleep(time.Duration(rand.Int64N(int64(min(attempt+1, 10)) * int64(time.Millisecond))))
			continue
		}
		return err
	}
}

func (e *Engine) ack(ctx context.Context, req *request) error {
	if len(req.cmd.Args) > 0 && req.cmd.Args[0] == "all" {
		return e.ackAll(ctx, req)
	}
	return e.onIncident(ctx, req, func(ctx context.Context, c *change) error { return e.ackIncident(ctx, c) })
}

// ackAll acknowledges every open incident whose page waits for the asker
// (the "acknowledge all" of a bundle of pages), then answers once.
func (e *Engine) ackAll(ctx context.Context, req *request) error {
	open, err := e.st.Incidents(ctx, true)
	if err != nil {
		return err
	}
	who := req.actor.ID
	quiet := *req
	quiet.quiet, quiet.seen = true, nil // the answer below carries the dedup key
	var refs []string
	for _, inc := range open {
		if !pagedAndWaiting(inc, who) {
			continue
		}
		err := e.apply(ctx, inc.ID, &quiet, func(ctx context.Context, c *change) error {
			if !pagedAndWaiting(c.inc, who) {
				return errNothing
			}
			return e.ackIncident(ctx, c)
		})
		switch {
		case errors.Is(err, errNothing):
		case err != nil:
			var ue *userError
			if !errors.As(err, &ue) {
				return err
			}
		default:
			refs = append(refs, inc.Ref())
		}
	}
	if len(refs) == 0 {
		return e.reply(ctx, req, e.t("acked_none"))
	}
	return e.reply(ctx, req, e.t("acked_all", len(refs), strings.Join(refs, ", ")))
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
func (e *Engine) ackIncident(ctx context.Context, c *change) error {
	if !c.inc.Open() {
		return e.refuse("err.cannot", "/ack", c.inc.Ref(), e.stateName(c.inc, c.req.lang))
	}
	if c.inc.State != bot.StateTriggered {
		if len(c.inc.OpenPages()) > 0 && c.inc.Open() {
			if e.ackPages(c, c.actorID()) > 0 {
				c.notify(ctx, bot.KindNotice, e.t("page_acked", c.inc.Ref(), c.actorName()), nil)
			} else {
				c.reply(e.t("page_ack_waiting", c.inc.Ref()), nil)
			}
			return nil
		}
		return e.refuse("err.already_acked", c.inc.Ref(), e.r.Time(c.inc.Acknowledged))
	}
	if _, err := fire(ctx, c.pb, c.inc, bot.EventAck, nil); err != nil {
		return e.refuse("err.cannot", "/ack", c.inc.Ref(), e.stateName(c.inc, c.req.lang))
	}
	c.inc.State = bot.StateAcknowledged
	c.inc.Acknowledged = c.now
	delay := c.now.Sub(c.inc.Declared).Round(time.Second)
	c.record(bot.EvAck, map[string]string{"after": delay.String()})
	e.ackPages(c, c.actorID())
	return e.enterNext(ctx, c, func(lang string) string {
		return e.cat.T(lang, "acked", c.inc.Ref(), c.actorName(), e.r.Dur(delay, lang))
	})
}

// enterNext fires "next" and tells the chats, prefixed by head.
func (e *Engine) enterNext(ctx context.Context, c *change, head text) error {
	to, err := fire(ctx, c.pb, c.inc, bot.EventNext, e.phaseGuard(c))
	if err != nil {
		return err
	}
	from := c.inc.State
	c.inc.State = to
	c.inc.PhaseStarted = c.now
	if c.inc.Contained.IsZero() && strings.Contains(from, "contain") {
		c.inc.Contained = c.now
	}
	idx := c.pb.PhaseIndex(to)
	c.record(bot.EvPhase, map[string]string{"from": from, "to": to})
	e.scheduleDue(c, idx)
	c.notify(ctx, bot.KindNotice, func(lang string) string {
		s := e.r.PhaseStarted(c.inc, c.pb, idx, lang)
		if head != nil {
			s = head(lang) + "\n" + s
		}
		return s
	}, e.stepButtons(c.inc, c.pb, idx))
	return nil
}

// phaseGuard refuses "next" while required steps of the current phase are
// open, naming them.
func (e *Engine) phaseGuard(c *change) guardFunc {
	return func(event, from, to string) error {
		if event != bot.EventNext {
			return nil
		}
		idx := c.pb.PhaseIndex(from)
		if idx < 0 {
			return nil
		}
		open := openRequired(c.inc, c.pb.Phases[idx].Steps)
		if len(open) == 0 {
			return nil
		}
		return &userError{t: func(lang string) string {
			return e.cat.N(lang, "guard.next", len(open), notify.StepList(open, lang), open[0].Number)
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

func (e *Engine) next(ctx context.Context, req *request) error {
	return e.onIncident(ctx, req, func(ctx context.Context, c *change) error {
		if !c.inc.Open() {
			return e.refuse("err.cannot", "/next", c.inc.Ref(), e.stateName(c.inc, c.req.lang))
		}
		if c.inc.State == bot.StateTriggered {
			return e.refuse("err.ack_first", c.inc.Ref())
		}
		if c.pb.PhaseIndex(c.inc.State) == len(c.pb.Phases)-1 {
			open := openRequired(c.inc, c.pb.Phases[len(c.pb.Phases)-1].Steps)
			if len(open) > 0 {
				return e.phaseGuard(c)(bot.EventNext, c.inc.State, "")
			}
			return e.refuse("err.last_phase", c.inc.Ref())
		}
		return e.enterNext(ctx, c, nil)
	})
}

func (e *Engine) resolve(ctx context.Context, req *request) error {
	return e.onIncident(ctx, req, func(ctx context.Context, c *change) error {
		if c.inc.State == bot.StateResolved || c.inc.State == bot.StateClosed || c.inc.State == bot.StateCancelled {
			return e.refuse("err.cannot", "/resolve", c.inc.Ref(), e.stateName(c.inc, c.req.lang))
		}
		if open := openRequired(c.inc, c.pb.Steps()); len(open) > 0 {
			return &userError{t: func(lang string) string {
				return e.cat.N(lang, "guard.resolve", len(open), notify.StepList(open, lang), open[0].Number)
			}}
		}
		to, err := fire(ctx, c.pb, c.inc, bot.EventResolve, nil)
		if err != nil {
			return e.refuse("err.cannot", "/resolve", c.inc.Ref(), e.stateName(c.inc, c.req.lang))
		}
		c.inc.State = to
		c.inc.Resolved = c.now
		c.cancelTimers()
		e.cancelPages(c)
		c.record(bot.EvResolved, map[string]string{"summary": req.cmd.Text, "duration": c.now.Sub(c.inc.Declared).Round(time.Second).String()})
		c.notify(ctx, bot.KindStatus, e.t("resolved", c.inc.Ref(), c.actorName(), e.r.Dur(c.now.Sub(c.inc.Declared), ""), opt(req.cmd.Text)),
			[]bot.Button{e.button("btn.close", "/close "+c.inc.Ref())})
		return nil
	})
}

func (e *Engine) close(ctx context.Context, req *request) error {
	return e.onIncident(ctx, req, func(ctx context.Context, c *change) error {
		if c.inc.State != bot.StateResolved {
			return e.refuse("err.close_first", c.inc.Ref(), e.stateName(c.inc, c.req.lang))
		}
		if _, err := fire(ctx, c.pb, c.inc, bot.EventClose, nil); err != nil {
			return err
		}
		c.inc.State = bot.StateClosed
		c.inc.Closed = c.now
		c.record(bot.EvClosed, nil)
		c.notify(ctx, bot.KindStatus, e.t("closed", c.inc.Ref(), c.actorName()), nil)
		return nil
	})
}

func (e *Engine) reopen(ctx context.Context, req *request) error {
	return e.onIncident(ctx, req, func(ctx context.Context, c *change) error {
		if c.inc.Open() {
			return e.refuse("err.still_open", c.inc.Ref())
		}
		to, err := fire(ctx, c.pb, c.inc, bot.EventReopen, nil)
		if err != nil {
			return err
		}
		from := c.inc.State
		c.inc.State = to
		c.inc.Resolved, c.inc.Closed = time.Time{}, time.Time{}
		c.record(bot.EvReopened, map[string]string{"from": from, "reason": req.cmd.Text})
		return e.enterNext(ctx, c, e.t("reopened", c.inc.Ref(), c.actorName(), opt(req.cmd.Text)))
	})
}

func (e *Engine) cancel(ctx context.Context, req *request) error {
	return e.onIncident(ctx, req, func(ctx context.Context, c *change) error {
		to, err := fire(ctx, c.pb, c.inc, bot.EventCancel, nil)
		if err != nil {
			return e.refuse("err.cannot", "/cancel", c.inc.Ref(), e.stateName(c.inc, c.req.lang))
		}
		c.inc.State = to
		c.cancelTimers()
		e.cancelPages(c)
		c.record(bot.EvCancelled, map[string]string{"reason": req.cmd.Text})
		c.notify(ctx, bot.KindStatus, e.t("cancelled", c.inc.Ref(), c.actorName(), opt(req.cmd.Text)), nil)
		return nil
	})
}

// cancelTimers cancels every reminder the incident may have set.
func (c *change) cancelTimers() {
	for _, s := range c.pb.Steps() {
		if s.Due > 0 {
			c.cancel = append(c.cancel, dueTimerID(c.inc.ID, s.ID), dueEscTimerID(c.inc.ID, s.ID))
		}
	}
}

// stateName names an incident's state in lang: a phase's name, or the
// lifecycle state's word.
func (e *Engine) stateName(inc *bot.Incident, lang string) string {
	pb, _ := e.books.Get(inc.Playbook)
	return e.r.State(inc, pb, lang)
}
