// Package duty keeps the duty rosters: who is on duty when (with the
// overrides set from chat), the roster commands (/oncall, /roster,
// /override, /handoff), the handoff announcements and the calendar feed.
// The shift arithmetic is bot/oncall's; this package stores and tells.
package duty

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/bot/oncall"
	"github.com/irbot/irbot/store"
)

// Duty is the rosters and who is on duty.
type Duty struct {
	*change.Core
	rosters []oncall.Roster
}

// New returns the duty rosters rs (validated by the caller with
// oncall.Compile) over the core k.
func New(k *change.Core, rs []oncall.Roster) *Duty { return &Duty{Core: k, rosters: rs} }

// Rosters returns the configured rosters.
func (d *Duty) Rosters() []oncall.Roster { return d.rosters }

// IsAdmin reports whether p is listed among some roster's admins.
func (d *Duty) IsAdmin(p bot.Person) bool {
	for _, r := range d.rosters {
		if r.IsAdmin(p.ID) {
			return true
		}
	}
	return false
}

// Start makes sure every roster with an announcement chat has its handoff
// and weekly timers. It is idempotent: have holds the timers already set.
func (d *Duty) Start(ctx context.Context, have map[string]bool) []bot.Timer {
	var set []bot.Timer
	for _, r := range d.rosters {
		for _, t := range d.timers(ctx, r, d.Now()) {
			if !have[t.ID] {
				set = append(set, t)
			}
		}
	}
	return set
}

// Roster timers: a handoff announcement at every shift change and a weekly
// Roster summary. They belong to no incident.
const (
	TimerHandoff    = "handoff"
	TimerRosterWeek = "roster_week"
)

// Roster returns a roster's compiled schedule, with the overrides added by
// chat commands (stored in the key-value area).
func (d *Duty) Roster(ctx context.Context, id string) (oncall.Roster, *oncall.Schedule, error) {
	for _, r := range d.rosters {
		if r.ID != id {
			continue
		}
		extra, err := d.overrides(ctx, id)
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

func (d *Duty) overrides(ctx context.Context, roster string) ([]oncall.Override, error) {
	v, err := d.Store.Get(ctx, overridesKey(roster))
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

// OnDuty returns who is on duty in roster id at a time, overrides
// included; a roster that cannot be read is logged and has nobody.
func (d *Duty) OnDuty(ctx context.Context) func(id string, at time.Time) (string, bool) {
	return func(id string, at time.Time) (string, bool) {
		_, sched, err := d.Roster(ctx, id)
		if err != nil {
			d.Log.Warn("roster unavailable for paging", "roster", id, "err", err)
			return "", false
		}
		sh, ok := sched.OnDuty(at)
		return sh.Person, ok
	}
}

// pickRosters returns the roster named (or all of them).
func (d *Duty) pickRosters(name string) ([]oncall.Roster, error) {
	if len(d.rosters) == 0 {
		return nil, d.Refuse("err.no_rosters")
	}
	if name == "" {
		return d.rosters, nil
	}
	for _, r := range d.rosters {
		if strings.EqualFold(r.ID, name) {
			return []oncall.Roster{r}, nil
		}
	}
	ids := make([]string, 0, len(d.rosters))
	for _, r := range d.rosters {
		ids = append(ids, r.ID)
	}
	return nil, d.Refuse("err.no_roster", name, strings.Join(ids, ", "))
}

func (d *Duty) OncallCmd(ctx context.Context, req *change.Request) error {
	rosters, err := d.pickRosters(req.Cmd.Text)
	if err != nil {
		return err
	}
	now := d.Now()
	var list []notify.Shifts
	for _, r := range rosters {
		_, sched, err := d.Roster(ctx, r.ID)
		if err != nil {
			return fmt.Errorf("roster %s: %w", r.ID, err)
		}
		list = append(list, notify.Shifts{Roster: r, Shifts: sched.Next(now, 2)})
	}
	return d.Reply(ctx, req, func(lang string) string { return d.R.OnCall(list, now, lang) })
}

func (d *Duty) RosterCmd(ctx context.Context, req *change.Request) error {
	rosters, err := d.pickRosters(req.Cmd.Text)
	if err != nil {
		return err
	}
	days := 7
	if len(req.Cmd.Args) > 0 {
		days, _ = strconv.Atoi(req.Cmd.Args[0])
		days = min(max(days, 1), 31)
	}
	now := d.Now()
	return d.Reply(ctx, req, d.rosterText(ctx, rosters, now, days))
}

// rosterText lists each roster's shifts over the next days.
func (d *Duty) rosterText(ctx context.Context, rosters []oncall.Roster, now time.Time, days int) change.Text {
	var list []notify.Shifts
	for _, r := range rosters {
		_, sched, err := d.Roster(ctx, r.ID)
		if err != nil {
			continue
		}
		// "3 days" is the duty day running and the next two: counted from
		// the day the shift on duty now began (at 00:45 the shift that
		// began yesterday at 07:00 is still "today's"), to midnight in the
		// roster's zone. A shift starting on the fourth day is not in it.
		from := now
		if first := sched.Next(now, 1); len(first) > 0 && first[0].Start.Before(now) {
			from = first[0].Start
		}
		local := from.In(d.Cfg.Location)
		end := time.Date(local.Year(), local.Month(), local.Day()+days, 0, 0, 0, 0, d.Cfg.Location)
		list = append(list, notify.Shifts{Roster: r, Shifts: sched.Within(now, end, 200)})
	}
	return func(lang string) string { return d.R.Rosters(list, days, lang) }
}

// canEditRoster: roster admins, or people with the roster_admin role.
func canEditRoster(r oncall.Roster, p bot.Person) bool {
	return r.IsAdmin(p.ID) || p.HasRole("roster_admin")
}

// addOverride stores an override and announces it in the roster's chat.
func (d *Duty) addOverride(ctx context.Context, req *change.Request, r oncall.Roster, o oncall.Override, key string) error {
	list, err := d.overrides(ctx, r.ID)
	if err != nil {
		return err
	}
	now := d.Now()
	kept := list[:0]
	for _, x := range list {
		if x.End.After(now) { // forget finished overrides
			kept = append(kept, x)
		}
	}
	kept = append(kept, o)
	if _, err := oncall.Compile(r.WithOverrides(kept)); err != nil {
		return d.Refuse("err.override", err.Error())
	}
	raw, _ := json.Marshal(kept)
	msg := func(lang string) string {
		return d.Cat.T(lang, key, r.Title(lang), d.PersonName(o.Person), d.R.Time(o.Start), d.R.Time(o.End),
			cmp.Or(req.Actor.Name, req.Actor.ID))
	}
	tx := &store.Tx{Seen: req.Seen, Put: map[string]string{overridesKey(r.ID): string(raw)},
		Outbox: []bot.Outgoing{{Chat: req.In.Chat, Kind: bot.KindReply, Text: msg(req.Lang), ReplyTo: req.In.MessageID}}}
	for _, ref := range d.ChatRefs(r.AnnounceIn) {
		if ref != req.In.Chat {
			tx.Outbox = append(tx.Outbox, bot.Outgoing{Chat: ref, Kind: bot.KindNotice, Text: msg(d.ChatLang(ctx, ref))})
		}
	}
	tx.SetTimers = d.timers(ctx, r, now)
	return d.Commit(ctx, tx)
}

func (d *Duty) OverrideCmd(ctx context.Context, req *change.Request) error {
	rosters, err := d.pickRosters(req.Cmd.Text)
	if err != nil {
		return err
	}
	r := rosters[0]
	if !canEditRoster(r, req.Actor) && !d.Cfg.Directory.Open() {
		return d.Refuse("err.not_roster_admin", r.Title(req.Lang))
	}
	who, ok := d.Cfg.Directory.Person(req.Cmd.User)
	if !ok && !d.Cfg.Directory.Open() {
		return d.Refuse("err.no_person", req.Cmd.User, strings.Join(d.Known(), ", "))
	}
	if who.ID == "" {
		who.ID = req.Cmd.User
	}
	now := d.Now()
	end, ok := oncall.ParseUntil(strings.Join(req.Cmd.Args, " "), now, d.Cfg.Location)
	if !ok {
		return d.Refuse("err.until", strings.Join(req.Cmd.Args, " "))
	}
	return d.addOverride(ctx, req, r, oncall.Override{Person: who.ID, Start: now, End: end}, "override_set")
}

// HandoffCmd gives the caller's current shift (of the first roster they
// are on duty in) to someone else, until the shift ends.
func (d *Duty) HandoffCmd(ctx context.Context, req *change.Request) error {
	to, ok := d.Cfg.Directory.Person(req.Cmd.User)
	if !ok {
		return d.Refuse("err.no_person", req.Cmd.User, strings.Join(d.Known(), ", "))
	}
	now := d.Now()
	for _, r := range d.rosters {
		_, sched, err := d.Roster(ctx, r.ID)
		if err != nil {
			continue
		}
		sh, ok := sched.OnDuty(now)
		if !ok || sh.Person != req.Actor.ID {
			continue
		}
		if to.ID == req.Actor.ID {
			return d.Refuse("err.handoff_self")
		}
		return d.addOverride(ctx, req, r, oncall.Override{Person: to.ID, Start: now, End: sh.End, Replace: req.Actor.ID}, "handed_off")
	}
	return d.Refuse("err.not_on_duty")
}

// timers returns the next handoff and weekly-summary timers of r.
// Their ids are fixed per roster, so setting them again just moves them.
func (d *Duty) timers(ctx context.Context, r oncall.Roster, now time.Time) []bot.Timer {
	_, sched, err := d.Roster(ctx, r.ID)
	if err != nil || r.AnnounceIn == "" {
		return nil
	}
	var out []bot.Timer
	if at, ok := sched.NextHandoff(now); ok {
		out = append(out, bot.Timer{ID: "handoff:" + r.ID, Due: at, Kind: TimerHandoff, Data: map[string]string{"roster": r.ID}})
	}
	// Weekly summary: Monday 08:00 in the roster's zone.
	mon := oncall.NextWeekly(now, time.Monday, 8, sched.Location())
	out = append(out, bot.Timer{ID: "roster_week:" + r.ID, Due: mon, Kind: TimerRosterWeek, Data: map[string]string{"roster": r.ID}})
	return out
}

// Fire announces a handoff or the week's roster, then sets the next.
func (d *Duty) Fire(ctx context.Context, t bot.Timer, seenKey string) error {
	tx := &store.Tx{Seen: []string{seenKey}, CancelTimers: []string{t.ID}}
	var r oncall.Roster
	found := false
	for _, x := range d.rosters {
		if x.ID == t.Data["roster"] {
			r, found = x, true
		}
	}
	if !found {
		return d.Commit(ctx, tx)
	}
	now := d.Now()
	_, sched, err := d.Roster(ctx, r.ID)
	if err != nil {
		return err
	}
	var msg change.Text
	switch t.Kind {
	case TimerHandoff:
		// The shift that starts at the timer's due time (not now: a late
		// timer still names the right people).
		at := t.Due
		if sh, ok := sched.OnDuty(at); ok {
			var from *oncall.Shift
			if prev, ok := sched.OnDuty(at.Add(-time.Second)); ok {
				from = &prev
			}
			msg = func(lang string) string { return d.R.Handoff(r, sh, from, lang) }
		}
	case TimerRosterWeek:
		msg = d.rosterText(ctx, []oncall.Roster{r}, now, 7)
	}
	if msg != nil {
		for _, ref := range d.ChatRefs(r.AnnounceIn) {
			tx.Outbox = append(tx.Outbox, bot.Outgoing{Chat: ref, Kind: bot.KindNotice, Text: msg(d.ChatLang(ctx, ref))})
		}
	}
	for _, nt := range d.timers(ctx, r, now) {
		if nt.Kind == t.Kind {
			tx.SetTimers = append(tx.SetTimers, nt)
		}
	}
	return d.Commit(ctx, tx)
}

// RosterICS returns roster id's next n shifts (overrides included) as an
// iCalendar file.
func (d *Duty) RosterICS(ctx context.Context, id string, n int) (string, error) {
	r, sched, err := d.Roster(ctx, id)
	if err != nil {
		return "", err
	}
	return oncall.ICS(sched, r, d.Now(), n), nil
}

// Target turns "/page X" into a paging target: a roster id, else a person.
func (d *Duty) Target(who string) (string, bool) {
	who = strings.TrimPrefix(who, "@")
	for _, r := range d.rosters {
		if strings.EqualFold(r.ID, who) {
			return oncall.TargetRoster + ":" + r.ID, true
		}
	}
	if p, ok := d.Cfg.Directory.Person(who); ok {
		return oncall.TargetPerson + ":" + p.ID, true
	}
	return "", false
}

// Known lists the rosters and people a page may name.
func (d *Duty) Known() []string {
	var out []string
	for _, r := range d.rosters {
		out = append(out, r.ID)
	}
	for _, p := range d.Cfg.Directory.People() {
		out = append(out, p.ID)
	}
	return out
}
