package engine

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/oncall"
)

// TimerEscalate fires when a page's current level waited long enough.
const TimerEscalate = "escalate"

func escTimerID(inc int64, page, step int) string {
	return fmt.Sprintf("esc:%d:%d:%d", inc, page, step)
}

// policy returns the escalation policy of a page.
func (e *Engine) policy(p bot.Page) (oncall.Policy, bool) {
	if p.Policy == "" {
		return oncall.AdHoc(p.Target), true
	}
	return oncall.Find(e.o.Policies, p.Policy)
}

// startPage opens a page for the incident under policy (or an ad hoc
// target) and pages its first level.
func (e *Engine) startPage(ctx context.Context, c *change, policy, target, reason string) {
	p := bot.Page{N: len(c.inc.Pages) + 1, Policy: policy, Target: target, Status: bot.PageSent,
		Reason: reason, Started: c.now}
	c.inc.Pages = append(c.inc.Pages, p)
	e.pageStep(ctx, c, len(c.inc.Pages)-1)
}

// pageStep pages the current step of page k: a direct message to each
// person, a post in each target chat, a notice in the incident's chats, and
// a timer to escalate if nobody acknowledges in time.
func (e *Engine) pageStep(ctx context.Context, c *change, k int) {
	p := &c.inc.Pages[k]
	if c.inc.Snoozed(c.now) {
		// Held: recorded, nobody paged; the snooze's end pages this step.
		c.recordBot(bot.EvPageHeld, map[string]string{"page": strconv.Itoa(p.N), "until": c.inc.Snooze.Until.UTC().Format(time.RFC3339)})
		return
	}
	pol, ok := e.policy(*p)
	if !ok || len(pol.Levels) == 0 {
		p.Status = bot.PageExpired
		c.recordBot(bot.EvPageFailed, map[string]string{"page": strconv.Itoa(p.N), "policy": p.Policy, "error": "unknown escalation policy"})
		return
	}
	level, round := pol.LevelAt(p.Step), pol.Round(p.Step)
	people, chats := pol.Levels[level].Resolve(c.now, e.onDuty(ctx))
	p.Targets, p.Acked, p.StepAt = people, nil, c.now
	kind := bot.EvPageSent
	if p.Step > 0 {
		kind = bot.EvPageEscalated
	}
	c.recordBot(kind, map[string]string{"page": strconv.Itoa(p.N), "policy": p.Policy, "level": strconv.Itoa(level + 1),
		"round": strconv.Itoa(round), "people": strings.Join(people, ","), "chats": strings.Join(chats, ","), "reason": p.Reason})
	ack := []bot.Button{e.button("btn.ack", "/ack "+c.inc.Ref())}
	pb := c.pb
	for _, id := range people {
		person, _ := e.o.Directory.Person(id)
		if person.ID == "" {
			person = bot.Person{ID: id}
		}
		lang := firstNonEmpty(person.Language, e.o.Language)
		text := e.r.Page(c.inc, pb, p.Reason, lang)
		dms := e.directChats(person, c.inc)
		for _, dm := range dms {
			c.out = append(c.out, bot.Outgoing{Incident: c.inc.ID, Chat: dm, Kind: bot.KindPage, Text: text, Buttons: ack})
		}
		if len(dms) == 0 {
			c.recordBot(bot.EvPageUndelivered, map[string]string{"page": strconv.Itoa(p.N), "person": id, "error": "no chat on a running platform"})
			name := e.personName(id)
			c.notify(ctx, bot.KindNotice, func(lang string) string {
				return e.cat.T(lang, "page_unreachable", c.inc.Ref(), name)
			}, nil)
		}
	}
	for _, id := range chats {
		for _, ref := range e.chatRefs(id) {
			if c.inc.HasChat(ref) {
				continue // told below with everyone else
			}
			lang := e.chatLang(ctx, ref)
			c.out = append(c.out, bot.Outgoing{Incident: c.inc.ID, Chat: ref, Kind: bot.KindPage, Buttons: ack,
				Text: e.r.Page(c.inc, pb, p.Reason, lang)})
		}
	}
	names := make([]string, 0, len(people)+len(chats))
	for _, id := range people {
		names = append(names, e.personName(id))
	}
	names = append(names, chats...)
	step := p.Step
	c.notify(ctx, bot.KindNotice, func(lang string) string { return e.r.Paged(c.inc, names, pol, step, lang) }, ack)
	c.set = append(c.set, bot.Timer{ID: escTimerID(c.inc.ID, p.N, p.Step), Due: pol.DueAt(p.Step, c.now), Kind: TimerEscalate,
		Incident: c.inc.ID, Data: map[string]string{"page": strconv.Itoa(p.N), "step": strconv.Itoa(p.Step)}})
}

// escalate moves page k to its next step, or expires it after the last.
func (e *Engine) escalate(ctx context.Context, c *change, k int, reason string) {
	p := &c.inc.Pages[k]
	c.cancel = append(c.cancel, escTimerID(c.inc.ID, p.N, p.Step))
	pol, _ := e.policy(*p)
	if pol.Last(p.Step) {
		p.Status = bot.PageExpired
		c.recordBot(bot.EvPageExpired, map[string]string{"page": strconv.Itoa(p.N), "steps": strconv.Itoa(p.Step + 1)})
		c.notify(ctx, bot.KindNotice, e.t("page_expired", c.inc.Ref(), pol.Repeat+1), []bot.Button{
			e.button("btn.ack", "/ack "+c.inc.Ref())})
		return
	}
	p.Step++
	if reason != "" {
		p.Reason = reason
	}
	e.pageStep(ctx, c, k)
}

// ackPages acknowledges the incident's open pages for person who. With
// all-must-ack, a page is acknowledged once every paged person did.
func (e *Engine) ackPages(c *change, who string) (acked int) {
	for _, k := range c.inc.OpenPages() {
		p := &c.inc.Pages[k]
		pol, _ := e.policy(*p)
		if pol.AllMustAck && len(p.Targets) > 1 && !slices.Contains(p.Acked, who) {
			p.Acked = append(p.Acked, who)
		}
		if waiting := pol.Waiting(p.Targets, p.Acked); len(waiting) > 0 {
			c.record(bot.EvPageAckPartial, map[string]string{"page": strconv.Itoa(p.N), "person": who,
				"waiting": strings.Join(waiting, ",")})
			continue
		}
		p.Status, p.AckBy, p.AckAt = bot.PageAcknowledged, who, c.now
		c.cancel = append(c.cancel, escTimerID(c.inc.ID, p.N, p.Step))
		c.record(bot.EvPageAck, map[string]string{"page": strconv.Itoa(p.N), "after": c.now.Sub(p.Started).Round(time.Second).String(),
			"level": strconv.Itoa(pol.LevelAt(p.Step) + 1), "round": strconv.Itoa(pol.Round(p.Step))})
		acked++
	}
	return acked
}

// cancelPages stops every open page (the incident ended).
func (e *Engine) cancelPages(c *change) {
	for _, k := range c.inc.OpenPages() {
		p := &c.inc.Pages[k]
		p.Status = bot.PageCancelled
		c.cancel = append(c.cancel, escTimerID(c.inc.ID, p.N, p.Step))
	}
}

// fireEscalate handles a page's escalation timer: if the page is still
// waiting at the timer's step, it moves on; anything else (acknowledged,
// already escalated by hand, incident over) makes the timer a no-op.
func (e *Engine) fireEscalate(ctx context.Context, c *change, t bot.Timer) {
	n, _ := strconv.Atoi(t.Data["page"])
	step, _ := strconv.Atoi(t.Data["step"])
	for k := range c.inc.Pages {
		p := c.inc.Pages[k]
		if p.N == n && p.Status == bot.PageSent && p.Step == step && c.inc.State != bot.StateResolved &&
			c.inc.State != bot.StateClosed && c.inc.State != bot.StateCancelled {
			e.escalate(ctx, c, k, "")
		}
	}
}

func (e *Engine) escalateCmd(ctx context.Context, req *request) error {
	return e.onIncident(ctx, req, func(ctx context.Context, c *change) error {
		if !c.inc.Open() {
			return e.refuse("err.cannot", "/escalate", c.inc.Ref(), e.stateName(c.inc, c.req.lang))
		}
		reason := firstNonEmpty(req.cmd.Text, e.cat.T(e.o.Language, "escalated_by", c.actorName()))
		e.liftSnooze(ctx, c, "snooze_lifted") // a person asking to page is not held
		if open := c.inc.OpenPages(); len(open) > 0 {
			e.escalate(ctx, c, open[0], reason)
			return nil
		}
		if c.inc.Escalation == "" {
			return e.refuse("err.no_policy", c.inc.Ref())
		}
		e.startPage(ctx, c, c.inc.Escalation, "", reason)
		return nil
	})
}

func (e *Engine) pageCmd(ctx context.Context, req *request) error {
	target, ok := e.pageTarget(req.cmd.User)
	if !ok {
		return e.refuse("err.no_target", req.cmd.User, strings.Join(e.knownTargets(), ", "))
	}
	return e.onIncident(ctx, req, func(ctx context.Context, c *change) error {
		if !c.inc.Open() {
			return e.refuse("err.cannot", "/page", c.inc.Ref(), e.stateName(c.inc, c.req.lang))
		}
		e.liftSnooze(ctx, c, "snooze_lifted") // a person asking to page is not held
		e.startPage(ctx, c, "", target, req.cmd.Text)
		return nil
	})
}

// pageTarget turns "/page X" into a target: a roster id, else a person.
func (e *Engine) pageTarget(who string) (string, bool) {
	who = strings.TrimPrefix(who, "@")
	for _, r := range e.o.Rosters {
		if strings.EqualFold(r.ID, who) {
			return oncall.TargetRoster + ":" + r.ID, true
		}
	}
	if p, ok := e.o.Directory.Person(who); ok {
		return oncall.TargetPerson + ":" + p.ID, true
	}
	return "", false
}

func (e *Engine) knownTargets() []string {
	var out []string
	for _, r := range e.o.Rosters {
		out = append(out, r.ID)
	}
	for _, p := range e.o.Directory.People() {
		out = append(out, p.ID)
	}
	return out
}
