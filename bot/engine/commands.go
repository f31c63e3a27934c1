package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/store"
)

type handler func(ctx context.Context, req *request) error

func (e *Engine) handlers() map[command.Name]handler {
	return map[command.Name]handler{
		command.Declare:     e.declare,
		command.Incidents:   e.incidents,
		command.Status:      e.status,
		command.Ack:         e.ack,
		command.Steps:       e.steps,
		command.Done:        e.stepDone,
		command.Skip:        e.stepDone,
		command.Next:        e.next,
		command.Note:        e.note,
		command.Sev:         e.sev,
		command.Assign:      e.assign,
		command.Resolve:     e.resolve,
		command.Close:       e.close,
		command.Reopen:      e.reopen,
		command.Cancel:      e.cancel,
		command.Timeline:    e.timeline,
		command.Verify:      e.verify,
		command.Playbooks:   e.playbooks,
		command.Help:        e.help,
		command.Lang:        e.setLang,
		command.Escalate:    e.escalateCmd,
		command.Page:        e.pageCmd,
		command.Oncall:      e.oncallCmd,
		command.Roster:      e.rosterCmd,
		command.Override:    e.overrideCmd,
		command.Handoff:     e.handoffCmd,
		command.Maintenance: e.maintenanceCmd,
		command.Set:         e.setCmd,
		command.Link:        e.link,
		command.Report:      e.reportCmd,
		command.Stats:       e.statsCmd,
		command.Snooze:      e.snoozeCmd,
		command.Heartbeats:  e.heartbeatsCmd,
	}
}

// onIncident resolves the command's incident and applies fn to it. A group
// chat that acts on an incident it was not part of joins it, so from then on
// it is told of everything, like the chats the incident began in.
func (e *Engine) onIncident(ctx context.Context, req *request, fn func(ctx context.Context, c *change) error) error {
	id, err := e.target(ctx, req)
	if err != nil {
		return err
	}
	return e.apply(ctx, id, req, func(ctx context.Context, c *change) error {
		if err := fn(ctx, c); err != nil {
			return err
		}
		if !e.isDirect(req.in.Chat) && !c.inc.HasChat(req.in.Chat) && c.inc.Open() {
			for _, ch := range e.boundChats(req.in.Chat) {
				if !c.inc.HasChat(ch) {
					c.inc.Chats = append(c.inc.Chats, ch)
				}
			}
			c.record(bot.EvChatJoined, map[string]string{"chat": req.in.Chat.String()})
		}
		return nil
	})
}

// isDirect reports whether ch is a direct chat with someone: marked so by
// its platform, or a chat whose id is a known person's user id there (the
// chat a page went to). A direct chat never joins an incident.
func (e *Engine) isDirect(ch bot.ChatRef) bool {
	if ch.Direct {
		return true
	}
	_, ok := e.o.Directory.Lookup(ch.Platform, ch.ID)
	return ok
}

// boundChats is a chat and, when it is a configured chat, its twins on the
// other platforms (the soc group on Telegram, Zalo and Slack is one chat).
func (e *Engine) boundChats(c bot.ChatRef) []bot.ChatRef {
	out := []bot.ChatRef{c}
	if ch, ok := e.o.Directory.ChatFor(c); ok {
		for _, r := range e.chatRefs(ch.ID) {
			if r != c {
				out = append(out, r)
			}
		}
	}
	return out
}

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
	id, err := e.st.NextID(ctx, "incident")
	if err != nil {
		return fmt.Errorf("allocate incident number: %w", err)
	}
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
	defer e.lock(id)()
	return e.commit(ctx, c.tx())
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

func dueTimerID(inc int64, step string) string { return fmt.Sprintf("due:%d:%s", inc, step) }

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

func (e *Engine) note(ctx context.Context, req *request) error {
	return e.onIncident(ctx, req, func(ctx context.Context, c *change) error {
		c.record(bot.EvNote, map[string]string{"text": req.cmd.Text})
		c.notify(ctx, bot.KindNotice, e.t("noted", c.inc.Ref(), c.actorName(), req.cmd.Text), nil)
		return nil
	})
}

func (e *Engine) sev(ctx context.Context, req *request) error {
	return e.onIncident(ctx, req, func(ctx context.Context, c *change) error {
		from := c.inc.Severity
		if from == req.cmd.Sev {
			return e.refuse("err.same_sev", c.inc.Ref(), notify.Sev(from))
		}
		c.inc.Severity = req.cmd.Sev
		c.record(bot.EvSeverity, map[string]string{"from": notify.Sev(from), "to": notify.Sev(req.cmd.Sev), "reason": req.cmd.Text})
		c.notify(ctx, bot.KindNotice, e.t("sev_changed", c.inc.Ref(), notify.Sev(from), notify.Sev(req.cmd.Sev), c.actorName(), opt(req.cmd.Text)), nil)
		return nil
	})
}

func (e *Engine) assign(ctx context.Context, req *request) error {
	return e.onIncident(ctx, req, func(ctx context.Context, c *change) error {
		who := strings.TrimPrefix(req.cmd.User, "@")
		name := who
		if !e.o.Directory.Open() {
			p, ok := e.o.Directory.Person(who)
			if !ok {
				ids := make([]string, 0)
				for _, p := range e.o.Directory.People() {
					ids = append(ids, p.ID)
				}
				return e.refuse("err.no_person", who, strings.Join(ids, ", "))
			}
			who, name = p.ID, firstNonEmpty(p.Name, p.ID)
		}
		role := strings.ToLower(req.cmd.Role)
		if !slices.Contains(e.o.IncidentRoles, role) {
			if s := command.Closest(role, e.o.IncidentRoles); s != "" {
				return e.refuse("err.no_role_suggest", role, s, strings.Join(e.o.IncidentRoles, ", "))
			}
			return e.refuse("err.no_role", role, strings.Join(e.o.IncidentRoles, ", "))
		}
		if c.inc.Roles == nil {
			c.inc.Roles = map[string]string{}
		}
		c.inc.Roles[role] = who
		c.record(bot.EvAssign, map[string]string{"role": role, "person": who})
		c.notify(ctx, bot.KindNotice, func(lang string) string {
			return e.cat.T(lang, "assigned", c.inc.Ref(), name, e.r.Role(role, lang), c.actorName())
		}, nil)
		return nil
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

// cancelTimers cancels every reminder the incident may have set.
func (c *change) cancelTimers() {
	for _, s := range c.pb.Steps() {
		if s.Due > 0 {
			c.cancel = append(c.cancel, dueTimerID(c.inc.ID, s.ID), dueEscTimerID(c.inc.ID, s.ID))
		}
	}
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

// view answers a read-only command about an incident: nothing changes, but
// the reply is committed (with the dedup key) like any other.
func (e *Engine) view(ctx context.Context, req *request, render func(inc *bot.Incident, pb *playbook.Playbook) (text, []bot.Button, error)) error {
	id, err := e.target(ctx, req)
	if err != nil {
		return err
	}
	inc, err := e.st.Incident(ctx, id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return e.refuse("err.no_incident", fmt.Sprintf("%s-%d", e.o.Prefix, id))
		}
		return fmt.Errorf("load incident %d: %w", id, err)
	}
	pb, ok := e.books.Get(inc.Playbook)
	if !ok {
		return e.refuse("err.playbook_gone", inc.Ref(), inc.Playbook)
	}
	t, buttons, err := render(inc, pb)
	if err != nil {
		return err
	}
	return e.replyButtons(ctx, req, t, buttons) // answered where asked
}

func (e *Engine) status(ctx context.Context, req *request) error {
	return e.view(ctx, req, func(inc *bot.Incident, pb *playbook.Playbook) (text, []bot.Button, error) {
		return func(lang string) string { return e.r.Status(inc, pb, e.o.Clock.Now(), lang) }, e.statusButtons(inc, pb), nil
	})
}

func (e *Engine) steps(ctx context.Context, req *request) error {
	return e.view(ctx, req, func(inc *bot.Incident, pb *playbook.Playbook) (text, []bot.Button, error) {
		all := len(req.cmd.Args) > 0 && strings.EqualFold(req.cmd.Args[len(req.cmd.Args)-1], "all")
		return func(lang string) string { return e.r.Steps(inc, pb, all, lang) }, e.stepButtons(inc, pb, pb.PhaseIndex(inc.State)), nil
	})
}

func (e *Engine) timeline(ctx context.Context, req *request) error {
	return e.view(ctx, req, func(inc *bot.Incident, pb *playbook.Playbook) (text, []bot.Button, error) {
		evs, err := e.st.Timeline(ctx, inc.ID, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("read timeline %s: %w", inc.Ref(), err)
		}
		return func(lang string) string { return e.r.Timeline(inc, pb, evs, lang) }, nil, nil
	})
}

func (e *Engine) verify(ctx context.Context, req *request) error {
	id, err := e.target(ctx, req)
	if err != nil {
		return err
	}
	// Checking changes nothing: no event is written, so the count and the
	// last hash stay what they were; who checked goes to the audit log.
	inc, err := e.st.Incident(ctx, id)
	if err != nil {
		return e.refuse("err.no_incident", fmt.Sprintf("%s-%d", e.o.Prefix, id))
	}
	evs, err := e.st.Timeline(ctx, inc.ID, 0)
	if err != nil {
		return fmt.Errorf("read timeline %s: %w", inc.Ref(), err)
	}
	result := "ok"
	reply := e.t("verify_ok", inc.Ref(), len(evs), short(inc.LastHash))
	if err := bot.VerifyIncident(inc, evs); err != nil {
		result = err.Error()
		reply = e.t("verify_broken", inc.Ref(), err.Error())
	}
	e.audit(ctx, bot.EvVerified, map[string]string{"person": req.actor.ID, "incident": inc.Ref(), "events": strconv.Itoa(len(evs)),
		"last_hash": inc.LastHash, "result": result})
	return e.reply(ctx, req, reply)
}

// VerifyIncident is bot.VerifyIncident, for callers that know it here.
func VerifyIncident(inc *bot.Incident, evs []bot.Event) error { return bot.VerifyIncident(inc, evs) }

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func (e *Engine) incidents(ctx context.Context, req *request) error {
	all := len(req.cmd.Args) > 0 && strings.EqualFold(req.cmd.Args[0], "all")
	list, err := e.entries(ctx, !all)
	if err != nil {
		return err
	}
	return e.reply(ctx, req, func(lang string) string { return e.r.Incidents(list, lang) })
}

func (e *Engine) playbooks(ctx context.Context, req *request) error {
	return e.reply(ctx, req, func(lang string) string { return e.r.Playbooks(e.books.List(), lang) })
}

func (e *Engine) help(ctx context.Context, req *request) error {
	topic := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(req.cmd.Text)), "/")
	if topic != "" {
		n, ok := command.Aliases()[topic]
		if !ok {
			n = command.Name(topic)
		}
		if _, known := e.handlers()[n]; known {
			return e.reply(ctx, req, func(lang string) string { return e.r.HelpTopic(n, lang) })
		}
		// Not a command: a suggestion and a pointer, not the whole list.
		var words []string
		for _, n := range command.Names() {
			words = append(words, string(n))
		}
		for a := range command.Aliases() {
			words = append(words, a)
		}
		slices.Sort(words)
		if s := command.Closest(topic, words); s != "" {
			return e.reply(ctx, req, e.t("help_suggest", topic, s))
		}
		return e.reply(ctx, req, e.t("help_unknown", topic))
	}
	var names []command.Name
	for _, n := range command.Names() {
		if _, ok := e.handlers()[n]; ok {
			names = append(names, n)
		}
	}
	return e.reply(ctx, req, func(lang string) string { return e.r.Help(names, lang) })
}

func (e *Engine) setLang(ctx context.Context, req *request) error {
	lang := strings.ToLower(strings.TrimSpace(req.cmd.Text))
	if !e.cat.HasLang(lang) {
		return e.refuse("err.lang", strings.Join(e.cat.Langs(), ", "))
	}
	req.lang = lang
	tx := &store.Tx{Seen: req.seen, Put: map[string]string{langKey(req.in.Chat): lang},
		Outbox: []bot.Outgoing{{Chat: req.in.Chat, Kind: bot.KindReply, Text: e.cat.T(lang, "lang_set"), ReplyTo: req.in.MessageID}}}
	return e.commit(ctx, tx)
}

// opt formats an optional reason: "" or " — reason".
func opt(s string) string {
	if s == "" {
		return ""
	}
	return " — " + s
}

// entries lists the incidents (only the open ones with open) with their
// playbooks, without the audit log.
func (e *Engine) entries(ctx context.Context, open bool) ([]notify.Entry, error) {
	list, err := e.st.Incidents(ctx, open)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	var out []notify.Entry
	for _, inc := range list {
		if inc.ID != AuditID {
			pb, _ := e.books.Get(inc.Playbook)
			out = append(out, notify.Entry{Incident: inc, Playbook: pb})
		}
	}
	return out, nil
}
