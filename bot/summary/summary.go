// Package summary tells leaders what they need without asking: a summary
// of an incident on every important change (at most one per MinGap), on a
// cadence set by severity while it is open, and a daily digest of what is
// open and who is on duty.
package summary

import (
	"context"
	"fmt"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/duty"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/bot/oncall"
	"github.com/irbot/irbot/bot/paging"
	"github.com/irbot/irbot/store"
)

// Config says what leaders are told, and when.
type Config struct {
	Chats    []string              // configured chat ids; empty = every chat whose purpose is leadership
	Every    map[int]time.Duration // cadence while open, by severity (a playbook's summary_every wins)
	DigestAt string                // local "HH:MM" of the daily digest; "" = none
	MinGap   time.Duration         // least time between two change summaries of one incident (default 10m)
}

// Leaders tells leaders.
type Leaders struct {
	*change.Core
	cfg   Config
	pager *paging.Pager
	duty  *duty.Duty
}

// New returns what tells leaders over the core k: cfg says where and when,
// pager knows the escalation policies, d who is on duty.
func New(k *change.Core, cfg Config, pager *paging.Pager, d *duty.Duty) *Leaders {
	return &Leaders{Core: k, cfg: cfg, pager: pager, duty: d}
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

// chats returns where summaries go.
func (l *Leaders) chats() []bot.ChatRef {
	if len(l.cfg.Chats) == 0 {
		return l.Cfg.Directory.ChatsFor("leadership")
	}
	var out []bot.ChatRef
	for _, id := range l.cfg.Chats {
		out = append(out, l.ChatRefs(id)...)
	}
	return out
}

// cadence returns how often an open incident is summarised (0 = never).
func (l *Leaders) cadence(c *change.Change) time.Duration {
	if d, ok := c.PB.SummaryEvery[c.Inc.Severity]; ok && d > 0 {
		return d.D()
	}
	return l.cfg.Every[c.Inc.Severity]
}

func (l *Leaders) minGap() time.Duration {
	if l.cfg.MinGap > 0 {
		return l.cfg.MinGap
	}
	return 10 * time.Minute
}

// Tell summarises c for the leaders if it is important, at once or
// when MinGap has passed since the last summary, and sets or cancels the
// summary cadence timer.
func (l *Leaders) Tell(ctx context.Context, c *change.Change) {
	if len(l.chats()) == 0 {
		return
	}
	important, urgent := false, false
	for _, ev := range c.Events {
		important = important || summaryKinds[ev.Kind]
		urgent = urgent || alwaysNow[ev.Kind]
	}
	if important {
		if urgent || c.Inc.SummaryAt.IsZero() || c.Now.Sub(c.Inc.SummaryAt) >= l.minGap() {
			l.summarize(ctx, c)
		} else {
			c.Set = append(c.Set, bot.Timer{ID: sumDelayID(c.Inc.ID), Due: c.Inc.SummaryAt.Add(l.minGap()),
				Kind: TimerSumDelay, Incident: c.Inc.ID})
		}
	}
	// Cadence: while open, one timer; reset on severity changes; gone once over.
	for _, ev := range c.Events {
		switch {
		case !c.Inc.Open():
			c.Cancel = append(c.Cancel, cadenceID(c.Inc.ID), sumDelayID(c.Inc.ID))
		case ev.Kind == bot.EvDeclared || ev.Kind == bot.EvSeverity || ev.Kind == bot.EvReopened:
			if d := l.cadence(c); d > 0 {
				c.Set = append(c.Set, bot.Timer{ID: cadenceID(c.Inc.ID), Due: c.Now.Add(d), Kind: TimerCadence, Incident: c.Inc.ID})
			} else {
				c.Cancel = append(c.Cancel, cadenceID(c.Inc.ID))
			}
		}
	}
}

// summarize queues a summary of the incident to the leadership chats and
// marks what it covered.
func (l *Leaders) summarize(ctx context.Context, c *change.Change) {
	since, _ := l.Store.Timeline(ctx, c.Inc.ID, c.Inc.SummarySeq)
	sum := notify.Summary{Incident: c.Inc, Playbook: c.PB, Recent: append(since, c.Events...), Now: c.Now, Escalations: l.escalations(c.Inc)}
	for _, ch := range l.chats() {
		lang := l.ChatLang(ctx, ch)
		c.Out = append(c.Out, bot.Outgoing{Incident: c.Inc.ID, Chat: ch, Kind: bot.KindSummary,
			Text: l.R.Summary(sum, lang), EditKey: "",
			Buttons: []bot.Button{l.Button("btn.status", "/status "+c.Inc.Ref())}})
	}
	c.Inc.SummaryAt = c.Now
	c.Summarized = true
	c.Cancel = append(c.Cancel, sumDelayID(c.Inc.ID))
}

// escalations returns when the incident's waiting pages escalate next.
func (l *Leaders) escalations(inc *bot.Incident) []time.Time {
	var out []time.Time
	for _, p := range inc.Pages {
		if p.Status != bot.PageSent {
			continue
		}
		if pol, ok := l.pager.Policy(p); ok {
			out = append(out, pol.DueAt(p.Step, p.StepAt))
		}
	}
	return out
}

// FireSummary handles the cadence and held-back summary timers.
func (l *Leaders) FireSummary(ctx context.Context, c *change.Change, t bot.Timer) {
	if !c.Inc.Open() && t.Kind == TimerCadence {
		return
	}
	if t.Kind == TimerSumDelay && c.Inc.Seq <= c.Inc.SummarySeq {
		return // nothing new since the last summary
	}
	l.summarize(ctx, c)
	if t.Kind == TimerCadence && c.Inc.Open() {
		if d := l.cadence(c); d > 0 {
			c.Set = append(c.Set, bot.Timer{ID: cadenceID(c.Inc.ID), Due: c.Now.Add(d), Kind: TimerCadence, Incident: c.Inc.ID})
		}
	}
}

// NextDigest returns the next daily digest time after now: today at
// DigestAt (local time in the core's Location) if that is still ahead,
// else tomorrow; ok=false when there is no digest.
func (l *Leaders) NextDigest(now time.Time) (time.Time, bool) {
	if l.cfg.DigestAt == "" {
		return time.Time{}, false
	}
	return oncall.NextDaily(now, l.cfg.DigestAt, l.Cfg.Location)
}

// Start returns the daily digest timer to store at start-up (nil: none to
// store), given the timers already stored. A stored digest timer stays
// when it is due at the configured time, or already due (a digest missed
// while irbot was stopped goes out at once); one waiting for another time
// (DigestAt changed while irbot was stopped) is replaced by the next
// digest, and without one the next digest is set. A stored timer left
// with no DigestAt is dropped when it fires. It does no I/O.
func (l *Leaders) Start(now time.Time, stored []bot.Timer) []bot.Timer {
	next, ok := l.NextDigest(now)
	if !ok {
		return nil
	}
	for _, t := range stored {
		if t.ID == digestID && (t.Due.Equal(next) || !t.Due.After(now)) {
			return nil
		}
	}
	return []bot.Timer{{ID: digestID, Due: next, Kind: TimerDigest}}
}

// digestID is the id of the one daily digest timer.
const digestID = "digest"

// FireDigest posts the daily digest and sets the next one. With no
// DigestAt (it was removed while the timer waited) it only drops the
// timer.
func (l *Leaders) FireDigest(ctx context.Context, t bot.Timer, seenKey string) error {
	if l.cfg.DigestAt == "" {
		return l.DropTimer(ctx, t, seenKey)
	}
	now := l.Now()
	tx := &store.Tx{Seen: []string{seenKey}, CancelTimers: []string{t.ID}}
	all, err := l.Entries(ctx, false)
	if err != nil {
		return err
	}
	d := notify.Digest{At: t.Due, Incidents: all}
	for _, r := range l.duty.Rosters() {
		if _, sched, err := l.duty.Roster(ctx, r.ID); err == nil {
			if sh, ok := sched.OnDuty(t.Due); ok {
				d.Duty = append(d.Duty, notify.Duty{Person: sh.Person, Roster: r})
			}
		}
	}
	for _, ch := range l.chats() {
		lang := l.ChatLang(ctx, ch)
		tx.Outbox = append(tx.Outbox, bot.Outgoing{Chat: ch, Kind: bot.KindSummary, Text: l.R.Digest(d, lang)})
	}
	if next, ok := l.NextDigest(now); ok {
		tx.SetTimers = append(tx.SetTimers, bot.Timer{ID: digestID, Due: next, Kind: TimerDigest})
	}
	return l.Commit(ctx, tx)
}
