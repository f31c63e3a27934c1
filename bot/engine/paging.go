package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/oncall"
	"github.com/irbot/irbot/store"
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

// roster returns a roster's compiled schedule, with the overrides added by
// chat commands (stored in the key-value area).
func (e *Engine) roster(ctx context.Context, id string) (oncall.Roster, *oncall.Schedule, error) {
	for _, r := range e.o.Rosters {
		if r.ID != id {
			continue
		}
		extra, err := e.overrides(ctx, id)
		if err != nil {
			return r, nil, err
		}
		r = r.WithOverrides(extra)
		s, err := oncall.Compile(r)
		return r, s, err
	}
	return oncall.Roster{}, nil, fmt.Errorf("no roster %q", id)
}

func overridesKey(roster string) string { return "roster:" + roster + ":overrides" }

func (e *Engine) overrides(ctx context.Context, roster string) ([]oncall.Override, error) {
	v, err := e.st.Get(ctx, overridesKey(roster))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []oncall.Override
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return nil, fmt.Errorf("decode overrides of %s: %w", roster, err)
	}
	return out, nil
}

// onDuty returns who is on duty in roster id at a time, overrides
// included; a roster that cannot be read is logged and has nobody.
func (e *Engine) onDuty(ctx context.Context) func(id string, at time.Time) (string, bool) {
	return func(id string, at time.Time) (string, bool) {
		_, sched, err := e.roster(ctx, id)
		if err != nil {
			e.log.Warn("roster unavailable for paging", "roster", id, "err", err)
			return "", false
		}
		sh, ok := sched.OnDuty(at)
		return sh.Person, ok
	}
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

// chatRefs returns the platform chats of a configured chat id.
func (e *Engine) chatRefs(id string) []bot.ChatRef {
	for _, ch := range e.o.Directory.Chats() {
		if ch.ID == id {
			var out []bot.ChatRef
			for _, plat := range bot.SortedKeys(ch.IDs) {
				out = append(out, bot.ChatRef{Platform: plat, ID: ch.IDs[plat]})
			}
			return out
		}
	}
	return nil
}

// directChats picks where to page a person: a direct chat on each platform
// the incident lives on where the person has an id, else on every platform
// they have.
func (e *Engine) directChats(p bot.Person, inc *bot.Incident) []bot.ChatRef {
	var out []bot.ChatRef
	seen := map[string]bool{}
	for _, ch := range inc.Chats {
		if seen[ch.Platform] {
			continue
		}
		seen[ch.Platform] = true
		if !e.running(ch.Platform) {
			continue
		}
		if dm, ok := bot.DirectChat(p, ch.Platform); ok {
			out = append(out, dm)
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, plat := range bot.SortedKeys(p.IDs) {
		if !e.running(plat) {
			continue
		}
		if dm, ok := bot.DirectChat(p, plat); ok {
			out = append(out, dm)
		}
	}
	if len(out) == 0 && e.running("console") {
		dm, _ := bot.DirectChat(p, "console")
		out = append(out, dm)
	}
	return out
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

// maxBundleButtons caps the per-incident buttons under a bundle of pages
// (Telegram allows 100 in all); the reply codes in the text cover the rest.
const maxBundleButtons = 10

// maxBundleLines is how many incidents a bundle describes line by line;
// the rest are listed by reference, so a storm's bundle still fits one
// message.
const maxBundleLines = 30

// BundlePages makes one message of several pages waiting for one chat: a
// line per incident with its acknowledge code, a button per incident and
// one that acknowledges them all. It is the delivery layer's BundleFunc,
// which carries no context: its reads use a background one.
func (e *Engine) BundlePages(pages []bot.Outgoing) bot.Outgoing {
	ctx := context.Background()
	ch := pages[0].Chat
	lang := e.chatLang(ctx, ch)
	if p, ok := e.o.Directory.Lookup(ch.Platform, ch.ID); ok && ch.Direct && p.Language != "" {
		lang = p.Language
	}
	var lines, rest []string
	var buttons []bot.Button
	seen := map[int64]bool{}
	for _, m := range pages {
		if seen[m.Incident] {
			continue // paged again at the next level before the first went out
		}
		seen[m.Incident] = true
		if len(lines) >= maxBundleLines {
			rest = append(rest, fmt.Sprintf("%s-%d", e.o.Prefix, m.Incident))
			continue
		}
		inc, err := e.st.Incident(ctx, m.Incident)
		if err != nil {
			lines = append(lines, "• "+strings.SplitN(m.Text, "\n", 2)[0])
			continue
		}
		pb, _ := e.books.Get(inc.Playbook)
		lines = append(lines, e.r.BundleLine(inc, pb, lang))
		if len(buttons) < maxBundleButtons {
			buttons = append(buttons, bot.Button{Label: "✅ " + inc.Ref(), Data: "/ack " + inc.Ref()})
		}
	}
	if len(lines) == 1 {
		m := pages[len(pages)-1]
		return bot.Outgoing{Text: m.Text, Buttons: m.Buttons}
	}
	buttons = append(buttons, bot.Button{Label: e.cat.T(lang, "btn.ack_all"), Data: "/ack all"})
	return bot.Outgoing{Text: e.r.Bundle(len(seen), lines, rest, lang), Buttons: buttons}
}
