package engine

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/oncall"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/store"
)

// Summaries configure what leaders are told, and when.
type Summaries struct {
	Chats    []string              // configured chat ids; empty = every chat whose purpose is leadership
	Every    map[int]time.Duration // cadence while open, by severity (a playbook's summary_every wins)
	DigestAt string                // local "HH:MM" of the daily digest; "" = none
	MinGap   time.Duration         // least time between two change summaries of one incident (default 10m)
}

// Summary timer kinds.
const (
	TimerCadence  = "cadence"  // periodic summary of an open incident
	TimerSumDelay = "sumdelay" // a change summary held back by MinGap
	TimerDigest   = "digest"   // the daily digest
)

// summaryKinds are the changes leaders are told about.
var summaryKinds = map[bot.EventKind]bool{bot.EvDeclared: true, bot.EvSeverity: true, bot.EvPhase: true, bot.EvPageEscalated: true,
	bot.EvPageExpired: true, bot.EvResolved: true, bot.EvClosed: true, bot.EvCancelled: true, bot.EvReopened: true}

// alwaysNow are changes told at once, whatever the rate limit.
var alwaysNow = map[bot.EventKind]bool{bot.EvDeclared: true, bot.EvResolved: true, bot.EvClosed: true, bot.EvCancelled: true}

func cadenceID(inc int64) string  { return fmt.Sprintf("cadence:%d", inc) }
func sumDelayID(inc int64) string { return fmt.Sprintf("sumdelay:%d", inc) }

// leaderChats returns where summaries go.
func (e *Engine) leaderChats() []bot.ChatRef {
	if len(e.o.Summaries.Chats) == 0 {
		return e.o.Directory.ChatsFor("leadership")
	}
	var out []bot.ChatRef
	for _, id := range e.o.Summaries.Chats {
		out = append(out, e.chatRefs(id)...)
	}
	return out
}

// cadence returns how often an open incident is summarised (0 = never).
func (e *Engine) cadence(c *change) time.Duration {
	if d, ok := c.pb.SummaryEvery[c.inc.Severity]; ok && d > 0 {
		return d.D()
	}
	return e.o.Summaries.Every[c.inc.Severity]
}

func (e *Engine) minGap() time.Duration {
	if e.o.Summaries.MinGap > 0 {
		return e.o.Summaries.MinGap
	}
	return 10 * time.Minute
}

// finish runs before every incident commit: it keeps the live status card
// current, tells leaders of important changes (rate-limited), and keeps the
// summary cadence timer in step with the incident.
func (e *Engine) finish(ctx context.Context, c *change) {
	if len(c.events) == 0 {
		return
	}
	important, urgent, visible := false, false, false
	for _, ev := range c.events {
		important = important || summaryKinds[ev.Kind]
		urgent = urgent || alwaysNow[ev.Kind]
		visible = visible || (ev.Kind != bot.EvAlertRepeat && ev.Kind != bot.EvVerified && ev.Kind != bot.EvDeliveryFailed)
	}
	if visible {
		for _, ch := range c.inc.Chats {
			c.out = append(c.out, bot.Outgoing{Incident: c.inc.ID, Chat: ch, Kind: bot.KindStatus, EditOnly: true,
				EditKey: "status:" + c.inc.Ref(), Text: e.renderStatus(c.inc, c.pb, e.chatLang(ctx, ch))})
		}
	}
	if len(e.leaderChats()) == 0 {
		return
	}
	if important {
		if urgent || c.inc.SummaryAt.IsZero() || c.now.Sub(c.inc.SummaryAt) >= e.minGap() {
			e.summarize(ctx, c)
		} else {
			c.set = append(c.set, bot.Timer{ID: sumDelayID(c.inc.ID), Due: c.inc.SummaryAt.Add(e.minGap()),
				Kind: TimerSumDelay, Incident: c.inc.ID})
		}
	}
	// Cadence: while open, one timer; reset on severity changes; gone once over.
	for _, ev := range c.events {
		switch {
		case !c.inc.Open():
			c.cancel = append(c.cancel, cadenceID(c.inc.ID), sumDelayID(c.inc.ID))
		case ev.Kind == bot.EvDeclared || ev.Kind == bot.EvSeverity || ev.Kind == bot.EvReopened:
			if d := e.cadence(c); d > 0 {
				c.set = append(c.set, bot.Timer{ID: cadenceID(c.inc.ID), Due: c.now.Add(d), Kind: TimerCadence, Incident: c.inc.ID})
			} else {
				c.cancel = append(c.cancel, cadenceID(c.inc.ID))
			}
		}
	}
}

// summarize queues a summary of the incident to the leadership chats and
// marks what it covered.
func (e *Engine) summarize(ctx context.Context, c *change) {
	since, _ := e.st.Timeline(ctx, c.inc.ID, c.inc.SummarySeq)
	recent := append(since, c.events...)
	for _, ch := range e.leaderChats() {
		lang := e.chatLang(ctx, ch)
		c.out = append(c.out, bot.Outgoing{Incident: c.inc.ID, Chat: ch, Kind: bot.KindSummary,
			Text: e.renderSummary(c, recent, lang), EditKey: "",
			Buttons: []bot.Button{e.button("btn.status", "/status "+c.inc.Ref())}})
	}
	c.inc.SummaryAt = c.now
	c.summarized = true
	c.cancel = append(c.cancel, sumDelayID(c.inc.ID))
}

// renderSummary is the Conditions–Actions–Needs summary for leaders.
func (e *Engine) renderSummary(c *change, recent []bot.Event, lang string) string {
	inc, pb := c.inc, c.pb
	var b strings.Builder
	b.WriteString(e.cat.T(lang, "sum.head", inc.Ref(), sevName(inc.Severity), pb.Name.In(lang), inc.Title))
	done, total := 0, len(pb.Steps())
	for _, s := range pb.Steps() {
		if _, ok := inc.Steps[s.ID]; ok {
			done++
		}
	}
	phase := e.stateNameOf(inc, lang)
	if i := pb.PhaseIndex(inc.State); i >= 0 {
		phase = e.cat.T(lang, "phase_line", i+1, len(pb.Phases), phase)
	}
	age := e.cat.T(lang, "sum.just_declared")
	if d := c.now.Sub(inc.Declared); d >= time.Minute {
		age = e.cat.T(lang, "sum.since", e.fmtDur(d, lang))
	}
	cmdr := e.cat.T(lang, "sum.no_commander")
	if id := inc.Roles["commander"]; id != "" {
		cmdr = e.cat.T(lang, "sum.commander", e.personName(id))
	}
	b.WriteString("\n" + e.cat.T(lang, "sum.conditions", phase, done, total, age, cmdr))
	acts := e.summaryActions(recent, pb, lang)
	if len(acts) == 0 {
		acts = []string{"• " + e.cat.T(lang, "sum.nothing")}
	}
	b.WriteString("\n" + e.cat.T(lang, "sum.actions") + "\n" + strings.Join(acts, "\n"))
	needs := e.needs(c, lang)
	b.WriteString("\n" + e.cat.T(lang, "sum.needs"))
	if len(needs) == 0 {
		b.WriteString(" " + e.cat.T(lang, "sum.none"))
	} else {
		b.WriteString("\n" + strings.Join(needs, "\n"))
	}
	if next, what := e.nextDeadline(c); !next.IsZero() {
		b.WriteString("\n" + e.cat.T(lang, "sum.next", e.fmtClock(next, c.now), what(lang)))
	}
	return b.String()
}

// needs lists what leaders may have to act on: nobody responding, overdue
// steps, required steps open.
func (e *Engine) needs(c *change, lang string) []string {
	var out []string
	if !c.inc.Open() {
		return nil
	}
	for _, p := range c.inc.Pages {
		switch p.Status {
		case bot.PageSent:
			if c.now.Sub(p.Started) >= time.Minute { // a page just sent needs nobody yet
				out = append(out, "• "+e.cat.T(lang, "need.unacked", p.Step+1, e.fmtDur(c.now.Sub(p.Started), lang)))
			}
		case bot.PageExpired:
			out = append(out, "• "+e.cat.T(lang, "need.expired"))
		}
	}
	if idx := c.pb.PhaseIndex(c.inc.State); idx >= 0 && !c.inc.PhaseStarted.IsZero() {
		for _, s := range c.pb.Phases[idx].Steps {
			if _, ok := c.inc.Steps[s.ID]; !ok && s.Due > 0 && c.now.After(c.inc.PhaseStarted.Add(s.Due.D())) {
				out = append(out, "• "+e.cat.T(lang, "need.overdue", s.Number, s.Title.In(lang), e.roleName(s.Role, lang)))
			}
		}
	}
	if idx := c.pb.PhaseIndex(c.inc.State); idx >= 0 {
		var open []string
		for _, s := range c.pb.Phases[idx].Steps {
			overdue := s.Due > 0 && !c.inc.PhaseStarted.IsZero() && c.now.After(c.inc.PhaseStarted.Add(s.Due.D()))
			if _, ok := c.inc.Steps[s.ID]; !ok && s.Required && !overdue {
				open = append(open, fmt.Sprintf("%d. %s", s.Number, clip(s.Title.In(lang), 80)))
			}
		}
		if len(open) > 0 {
			out = append(out, "• "+e.cat.T(lang, "need.required", strings.Join(open, "; ")))
		}
	}
	if c.inc.State == bot.StateTriggered {
		switch {
		case len(c.inc.Pages) == 0:
			out = append(out, "• "+e.cat.T(lang, "need.ack"))
		case c.now.Sub(c.inc.Pages[len(c.inc.Pages)-1].Started) < time.Minute:
			var who []string
			for _, id := range c.inc.Pages[len(c.inc.Pages)-1].Targets {
				who = append(who, e.personName(id))
			}
			out = append(out, "• "+e.cat.T(lang, "need.paging", strings.Join(who, ", ")))
		}
	}
	return out
}

// nextDeadline is the earliest upcoming step due time or escalation.
func (e *Engine) nextDeadline(c *change) (time.Time, text) {
	var at time.Time
	var what text
	consider := func(t time.Time, w text) {
		if t.After(c.now) && (at.IsZero() || t.Before(at)) {
			at, what = t, w
		}
	}
	if idx := c.pb.PhaseIndex(c.inc.State); idx >= 0 && !c.inc.PhaseStarted.IsZero() {
		for _, s := range c.pb.Phases[idx].Steps {
			if _, ok := c.inc.Steps[s.ID]; !ok && s.Due > 0 {
				s := s
				consider(c.inc.PhaseStarted.Add(s.Due.D()), func(lang string) string {
					return e.cat.T(lang, "sum.deadline_step", s.Number, s.Title.In(lang))
				})
			}
		}
	}
	for _, p := range c.inc.Pages {
		if p.Status != bot.PageSent {
			continue
		}
		if pol, ok := e.policy(p); ok {
			consider(pol.DueAt(p.Step, p.StepAt), e.t("sum.deadline_page"))
		}
	}
	return at, what
}

// fireSummary handles the cadence and held-back summary timers.
func (e *Engine) fireSummary(ctx context.Context, c *change, t bot.Timer) {
	if !c.inc.Open() && t.Kind == TimerCadence {
		return
	}
	if t.Kind == TimerSumDelay && c.inc.Seq <= c.inc.SummarySeq {
		return // nothing new since the last summary
	}
	e.summarize(ctx, c)
	if t.Kind == TimerCadence && c.inc.Open() {
		if d := e.cadence(c); d > 0 {
			c.set = append(c.set, bot.Timer{ID: cadenceID(c.inc.ID), Due: c.now.Add(d), Kind: TimerCadence, Incident: c.inc.ID})
		}
	}
}

// nextDigest returns the next daily digest time after now.
func (e *Engine) nextDigest(now time.Time) (time.Time, bool) {
	if e.o.Summaries.DigestAt == "" {
		return time.Time{}, false
	}
	return oncall.NextDaily(now, e.o.Summaries.DigestAt, e.o.Location)
}

// fireDigest posts the daily digest and sets the next one.
func (e *Engine) fireDigest(ctx context.Context, t bot.Timer, seenKey string) error {
	now := e.o.Clock.Now()
	tx := &store.Tx{Seen: []string{seenKey}, CancelTimers: []string{t.ID}}
	all, err := e.incidentList(ctx, false)
	if err != nil {
		return err
	}
	for _, ch := range e.leaderChats() {
		lang := e.chatLang(ctx, ch)
		tx.Outbox = append(tx.Outbox, bot.Outgoing{Chat: ch, Kind: bot.KindSummary, Text: e.renderDigest(ctx, all, t.Due, lang)})
	}
	if next, ok := e.nextDigest(now); ok {
		tx.SetTimers = append(tx.SetTimers, bot.Timer{ID: "digest", Due: next, Kind: TimerDigest})
	}
	return e.commit(ctx, tx)
}

// renderDigest covers the 24 hours before at.
func (e *Engine) renderDigest(ctx context.Context, all []*bot.Incident, at time.Time, lang string) string {
	from := at.Add(-24 * time.Hour)
	var b strings.Builder
	b.WriteString(e.cat.T(lang, "digest.head", at.In(e.o.Location).Format("02/01/2006")))
	var open, changed []*bot.Incident
	var tta, ttr []time.Duration
	for _, inc := range all {
		if inc.Open() {
			open = append(open, inc)
		} else if inc.Updated.After(from) {
			changed = append(changed, inc)
		}
		if !inc.Acknowledged.IsZero() && inc.Acknowledged.After(from) {
			tta = append(tta, inc.Acknowledged.Sub(inc.Declared))
		}
		if !inc.Resolved.IsZero() && inc.Resolved.After(from) {
			ttr = append(ttr, inc.Resolved.Sub(inc.Declared))
		}
	}
	b.WriteString("\n" + e.cat.T(lang, "digest.open", len(open)))
	for _, inc := range open {
		line := "• " + e.cat.T(lang, "incident_line", inc.Ref(), sevName(inc.Severity), e.stateNameOf(inc, lang), clip(inc.Title, 50), e.fmtTime(inc.Declared, lang))
		if pb, ok := e.books.Get(inc.Playbook); ok {
			c := &change{e: e, now: at, inc: inc, pb: pb}
			if n := len(e.needs(c, lang)); n > 0 {
				line += " ⚠️" + strconv.Itoa(n)
			}
		}
		b.WriteString("\n" + line)
	}
	b.WriteString("\n" + e.cat.T(lang, "digest.closed", len(changed)))
	for _, inc := range changed {
		b.WriteString("\n• " + inc.Ref() + " · " + e.stateNameOf(inc, lang) + " · " + clip(inc.Title, 50))
	}
	b.WriteString("\n" + e.cat.T(lang, "digest.times", medianDur(e, tta, lang), medianDur(e, ttr, lang)))
	var duty []string
	for _, r := range e.o.Rosters {
		if _, sched, err := e.roster(ctx, r.ID); err == nil {
			if sh, ok := sched.OnDuty(at); ok {
				duty = append(duty, e.personName(sh.Person)+" ("+r.Title(lang)+")")
			}
		}
	}
	if len(duty) > 0 {
		b.WriteString("\n" + e.cat.T(lang, "digest.duty", strings.Join(duty, " · ")))
	}
	return b.String()
}

func medianDur(e *Engine, ds []time.Duration, lang string) string {
	if len(ds) == 0 {
		return "—"
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return e.fmtDur(ds[len(ds)/2], lang)
}

// summaryActions says what was done since the last summary: the steps
// done and skipped grouped by phase (so none hides behind a count), the
// other changes in order, a line said several times once with its count.
func (e *Engine) summaryActions(recent []bot.Event, pb *playbook.Playbook, lang string) []string {
	type phaseSteps struct{ done, skipped []string }
	byPhase := map[string]*phaseSteps{}
	var phases []string
	var lines []string
	count := map[string]int{}
	for _, ev := range recent {
		switch ev.Kind {
		case bot.EvStepDone, bot.EvStepSkipped:
			var s playbook.Step
			for _, x := range pb.Steps() {
				if x.ID == ev.Data["id"] {
					s = x
				}
			}
			if s.ID == "" {
				continue
			}
			ph := s.Phase
			ps := byPhase[ph]
			if ps == nil {
				ps = &phaseSteps{}
				byPhase[ph] = ps
				phases = append(phases, ph)
			}
			item := fmt.Sprintf("%d. %s", s.Number, clip(s.Title.In(lang), 80))
			if n := ev.Data["note"]; n != "" {
				item += ": " + clip(n, 80)
			}
			if ev.Kind == bot.EvStepDone {
				ps.done = append(ps.done, item)
			} else {
				ps.skipped = append(ps.skipped, item)
			}
		case bot.EvAck, bot.EvPhase, bot.EvNote, bot.EvSeverity, bot.EvAssign, bot.EvPageAck, bot.EvPageEscalated, bot.EvPageExpired,
			bot.EvResolved, bot.EvReopened, bot.EvCancelled, bot.EvClosed, bot.EvAlert:
			line := "• " + strings.SplitN(e.renderEvent(ev, pb, lang), " — ", 2)[1]
			if count[line]++; count[line] == 1 {
				lines = append(lines, line)
			}
		}
	}
	for i, l := range lines {
		if n := count[l]; n > 1 {
			lines[i] = fmt.Sprintf("%s (×%d)", l, n)
		}
	}
	if len(lines) > 8 {
		lines = append(lines[:2], append([]string{fmt.Sprintf("• … (+%d)", len(lines)-6)}, lines[len(lines)-4:]...)...)
	}
	for _, ph := range phases {
		ps := byPhase[ph]
		name := ph
		if i := pb.PhaseIndex(ph); i >= 0 {
			name = pb.Phases[i].Name.In(lang)
		}
		parts := []string{}
		if len(ps.done) > 0 {
			parts = append(parts, e.cat.T(lang, "sum.steps_done", name, strings.Join(ps.done, "; ")))
		}
		if len(ps.skipped) > 0 {
			parts = append(parts, e.cat.T(lang, "sum.steps_skipped", strings.Join(ps.skipped, "; ")))
		}
		lines = append(lines, "• "+strings.Join(parts, " · "))
	}
	return lines
}
