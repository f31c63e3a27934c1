// Package paging pages duty officers and escalates unacknowledged pages:
// a page starts at a policy's first level (or at one person or roster
// asked for with /page), moves a level up when its timer comes due
// unacknowledged, is held by /snooze, and ends when someone acknowledges
// it or the incident ends. Which level, which round and who is
// bot/oncall's decision; this package records it in the incident's change.
// It also bundles the pages waiting for one person into one message and
// tells an incident's chats when a page could not be delivered.
package paging

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/duty"
	"github.com/irbot/irbot/bot/oncall"
)

// Pager pages and escalates.
type Pager struct {
	*change.Core
	policies []oncall.Policy
	duty     *duty.Duty
}

// New returns a Pager over the core k with the escalation policies pols
// (checked by the caller with Policy.Check) and the duty rosters d.
func New(k *change.Core, pols []oncall.Policy, d *duty.Duty) *Pager {
	return &Pager{Core: k, policies: pols, duty: d}
}

// TimerEscalate fires when a page's current level waited long enough.
const TimerEscalate = "escalate"

func escTimerID(inc int64, page, step int) string {
	return fmt.Sprintf("esc:%d:%d:%d", inc, page, step)
}

// Policy returns the escalation policy of a page.
func (pg *Pager) Policy(p bot.Page) (oncall.Policy, bool) {
	if p.Policy == "" {
		return oncall.AdHoc(p.Target), true
	}
	return oncall.Find(pg.policies, p.Policy)
}

// Start opens a page for the incident under policy (or an ad hoc
// target) and pages its first level.
func (pg *Pager) Start(ctx context.Context, c *change.Change, policy, target, reason string) {
	pg.start(ctx, c, policy, target, reason, 0)
}

// start opens a page at step (0: the policy's first level).
func (pg *Pager) start(ctx context.Context, c *change.Change, policy, target, reason string, step int) {
	p := bot.Page{N: len(c.Inc.Pages) + 1, Policy: policy, Target: target, Status: bot.PageSent,
		Reason: reason, Started: c.Now, Step: step}
	c.Inc.Pages = append(c.Inc.Pages, p)
	pg.pageStep(ctx, c, len(c.Inc.Pages)-1)
}

// pageStep pages the current step of page k: a direct message to each
// person, a post in each target chat, a notice in the incident's chats, and
// a timer to escalate if nobody acknowledges in time.
func (pg *Pager) pageStep(ctx context.Context, c *change.Change, k int) {
	p := &c.Inc.Pages[k]
	if c.Inc.Snoozed(c.Now) {
		// Held: recorded, nobody paged; the snooze's end pages this step.
		c.RecordBot(bot.EvPageHeld, map[string]string{"page": strconv.Itoa(p.N), "until": c.Inc.Snooze.Until.UTC().Format(time.RFC3339)})
		return
	}
	pol, ok := pg.Policy(*p)
	if !ok || len(pol.Levels) == 0 {
		p.Status = bot.PageExpired
		c.RecordBot(bot.EvPageFailed, map[string]string{"page": strconv.Itoa(p.N), "policy": p.Policy, "error": "unknown escalation policy"})
		return
	}
	level, round := pol.LevelAt(p.Step), pol.Round(p.Step)
	people, chats := pol.Levels[level].Resolve(c.Now, pg.duty.OnDuty(ctx))
	p.Targets, p.Acked, p.StepAt = people, nil, c.Now
	kind := bot.EvPageSent
	if p.Step > 0 {
		kind = bot.EvPageEscalated
	}
	c.RecordBot(kind, map[string]string{"page": strconv.Itoa(p.N), "policy": p.Policy, "level": strconv.Itoa(level + 1),
		"round": strconv.Itoa(round), "people": strings.Join(people, ","), "chats": strings.Join(chats, ","), "reason": p.Reason})
	ack := []bot.Button{pg.Button("btn.ack", "/ack "+c.Inc.Ref())}
	pb := c.PB
	for _, id := range people {
		person, _ := pg.Cfg.Directory.Person(id)
		if person.ID == "" {
			person = bot.Person{ID: id}
		}
		lang := cmp.Or(person.Language, pg.Cfg.Language)
		text := pg.R.Page(c.Inc, pb, p.Reason, lang)
		dms := pg.DirectChats(person, c.Inc)
		for _, dm := range dms {
			c.Out = append(c.Out, bot.Outgoing{Incident: c.Inc.ID, Chat: dm, Kind: bot.KindPage, Text: text, Buttons: ack})
		}
		if len(dms) == 0 {
			c.RecordBot(bot.EvPageUndelivered, map[string]string{"page": strconv.Itoa(p.N), "person": id, "error": "no chat on a running platform"})
			name := pg.PersonName(id)
			c.Notify(ctx, bot.KindNotice, func(lang string) string {
				return pg.Cat.T(lang, "page_unreachable", c.Inc.Ref(), name)
			}, nil)
		}
	}
	for _, id := range chats {
		for _, ref := range pg.ChatRefs(id) {
			if c.Inc.HasChat(ref) {
				continue // told below with everyone else
			}
			lang := pg.ChatLang(ctx, ref)
			c.Out = append(c.Out, bot.Outgoing{Incident: c.Inc.ID, Chat: ref, Kind: bot.KindPage, Buttons: ack,
				Text: pg.R.Page(c.Inc, pb, p.Reason, lang)})
		}
	}
	names := make([]string, 0, len(people)+len(chats))
	for _, id := range people {
		names = append(names, pg.PersonName(id))
	}
	names = append(names, chats...)
	step := p.Step
	c.Notify(ctx, bot.KindNotice, func(lang string) string { return pg.R.Paged(c.Inc, names, pol, step, lang) }, ack)
	c.Set = append(c.Set, bot.Timer{ID: escTimerID(c.Inc.ID, p.N, p.Step), Due: pol.DueAt(p.Step, c.Now), Kind: TimerEscalate,
		Incident: c.Inc.ID, Data: map[string]string{"page": strconv.Itoa(p.N), "step": strconv.Itoa(p.Step)}})
}

// Escalate moves page k to its next step, or expires it after the last.
func (pg *Pager) Escalate(ctx context.Context, c *change.Change, k int, reason string) {
	p := &c.Inc.Pages[k]
	c.Cancel = append(c.Cancel, escTimerID(c.Inc.ID, p.N, p.Step))
	pol, _ := pg.Policy(*p)
	if pol.Last(p.Step) {
		p.Status = bot.PageExpired
		c.RecordBot(bot.EvPageExpired, map[string]string{"page": strconv.Itoa(p.N), "steps": strconv.Itoa(p.Step + 1)})
		c.Notify(ctx, bot.KindNotice, pg.T("page_expired", c.Inc.Ref(), pol.Repeat+1), []bot.Button{
			pg.Button("btn.ack", "/ack "+c.Inc.Ref())})
		return
	}
	p.Step++
	if reason != "" {
		p.Reason = reason
	}
	pg.pageStep(ctx, c, k)
}

// Ack acknowledges the incident's open pages for person who. With
// all-must-ack, a page is acknowledged once every paged person did.
func (pg *Pager) Ack(c *change.Change, who string) (acked int) {
	for _, k := range c.Inc.OpenPages() {
		p := &c.Inc.Pages[k]
		pol, _ := pg.Policy(*p)
		if pol.AllMustAck && len(p.Targets) > 1 && !slices.Contains(p.Acked, who) {
			p.Acked = append(p.Acked, who)
		}
		if waiting := pol.Waiting(p.Targets, p.Acked); len(waiting) > 0 {
			c.Record(bot.EvPageAckPartial, map[string]string{"page": strconv.Itoa(p.N), "person": who,
				"waiting": strings.Join(waiting, ",")})
			continue
		}
		p.Status, p.AckBy, p.AckAt = bot.PageAcknowledged, who, c.Now
		c.Cancel = append(c.Cancel, escTimerID(c.Inc.ID, p.N, p.Step))
		c.Record(bot.EvPageAck, map[string]string{"page": strconv.Itoa(p.N), "after": c.Now.Sub(p.Started).Round(time.Second).String(),
			"level": strconv.Itoa(pol.LevelAt(p.Step) + 1), "round": strconv.Itoa(pol.Round(p.Step))})
		acked++
	}
	return acked
}

// Cancel stops every open page (the incident ended).
func (pg *Pager) Cancel(c *change.Change) {
	for _, k := range c.Inc.OpenPages() {
		p := &c.Inc.Pages[k]
		p.Status = bot.PageCancelled
		c.Cancel = append(c.Cancel, escTimerID(c.Inc.ID, p.N, p.Step))
	}
}

// FireEscalate handles a page's escalation timer: if the page is still
// waiting at the timer's step, it moves on; anything else (acknowledged,
// already escalated by hand, incident over) makes the timer a no-op.
func (pg *Pager) FireEscalate(ctx context.Context, c *change.Change, t bot.Timer) {
	n, _ := strconv.Atoi(t.Data["page"])
	step, _ := strconv.Atoi(t.Data["step"])
	for k := range c.Inc.Pages {
		p := c.Inc.Pages[k]
		if p.N == n && p.Status == bot.PageSent && p.Step == step && c.Inc.State != bot.StateResolved &&
			c.Inc.State != bot.StateClosed && c.Inc.State != bot.StateCancelled {
			pg.Escalate(ctx, c, k, "")
		}
	}
}

// EscalateCmd handles /escalate [IR-n] [reason]: the open page moves up a
// level, or a new page starts above the highest level reached.
func (pg *Pager) EscalateCmd(ctx context.Context, req *change.Request) error {
	return pg.OnIncident(ctx, req, func(ctx context.Context, c *change.Change) error {
		if !c.Inc.Open() {
			return pg.Refuse("err.cannot", "/escalate", c.Inc.Ref(), pg.StateName(c.Inc, c.Req.Lang))
		}
		reason := cmp.Or(req.Cmd.Text, pg.Cat.T(pg.Cfg.Language, "escalated_by", c.ActorName()))
		pg.LiftSnooze(ctx, c, "snooze_lifted") // a person asking to page is not held
		defer askedBy(c, len(c.Events))
		if open := c.Inc.OpenPages(); len(open) > 0 {
			pg.Escalate(ctx, c, open[0], reason)
			return nil
		}
		if c.Inc.Escalation == "" {
			return pg.Refuse("err.no_policy", c.Inc.Ref())
		}
		// "More help": the new page starts one level above the highest an
		// earlier page of the policy reached, not with who already answered.
		step := 0
		if pol, ok := pg.Policy(bot.Page{Policy: c.Inc.Escalation}); ok {
			for _, p := range c.Inc.Pages {
				if p.Policy == c.Inc.Escalation && p.Target == "" {
					step = max(step, min(p.Step+1, pol.Steps()-1))
				}
			}
		}
		pg.start(ctx, c, c.Inc.Escalation, "", reason, step)
		return nil
	})
}

// PageCmd handles /page [IR-n] <person|roster> <text>.
func (pg *Pager) PageCmd(ctx context.Context, req *change.Request) error {
	target, ok := pg.duty.Target(req.Cmd.User)
	if !ok {
		return pg.Refuse("err.no_target", req.Cmd.User, strings.Join(pg.duty.Known(), ", "))
	}
	return pg.OnIncident(ctx, req, func(ctx context.Context, c *change.Change) error {
		if !c.Inc.Open() {
			return pg.Refuse("err.cannot", "/page", c.Inc.Ref(), pg.StateName(c.Inc, c.Req.Lang))
		}
		pg.LiftSnooze(ctx, c, "snooze_lifted") // a person asking to page is not held
		defer askedBy(c, len(c.Events))
		pg.Start(ctx, c, "", target, req.Cmd.Text)
		return nil
	})
}

// askedBy makes the person acting the author of the page events c
// recorded from index from on: a page someone asked for with /page or
// /escalate is theirs in the timeline, not the bot's.
func askedBy(c *change.Change, from int) {
	for i := from; i < len(c.Events); i++ {
		switch c.Events[i].Kind {
		case bot.EvPageSent, bot.EvPageEscalated:
			c.Events[i].Actor = c.ActorID()
		}
	}
}
