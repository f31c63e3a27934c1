package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/irbot/irbot/bot/change"
	"strconv"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/bot/oncall"
	"github.com/irbot/irbot/store"
)

// Roster timers: a handoff announcement at every shift change and a weekly
// roster summary. They belong to no incident.
const (
	TimerHandoff    = "handoff"
	TimerRosterWeek = "roster_week"
)

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
	v, err := e.Store.Get(ctx, overridesKey(roster))
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
			e.Log.Warn("roster unavailable for paging", "roster", id, "err", err)
			return "", false
		}
		sh, ok := sched.OnDuty(at)
		return sh.Person, ok
	}
}

// pickRosters returns the roster named (or all of them).
func (e *Engine) pickRosters(name string) ([]oncall.Roster, error) {
	if len(e.o.Rosters) == 0 {
		return nil, e.Refuse("err.no_rosters")
	}
	if name == "" {
		return e.o.Rosters, nil
	}
	for _, r := range e.o.Rosters {
		if strings.EqualFold(r.ID, name) {
			return []oncall.Roster{r}, nil
		}
	}
	ids := make([]string, 0, len(e.o.Rosters))
	for _, r := range e.o.Rosters {
		ids = append(ids, r.ID)
	}
	return nil, e.Refuse("err.no_roster", name, strings.Join(ids, ", "))
}

func (e *Engine) oncallCmd(ctx context.Context, req *change.Request) error {
	rosters, err := e.pickRosters(req.Cmd.Text)
	if err != nil {
		return err
	}
	now := e.Now()
	var list []notify.Shifts
	for _, r := range rosters {
		_, sched, err := e.roster(ctx, r.ID)
		if err != nil {
			return fmt.Errorf("roster %s: %w", r.ID, err)
		}
		list = append(list, notify.Shifts{Roster: r, Shifts: sched.Next(now, 2)})
	}
	return e.Reply(ctx, req, func(lang string) string { return e.R.OnCall(list, now, lang) })
}

func (e *Engine) rosterCmd(ctx context.Context, req *change.Request) error {
	rosters, err := e.pickRosters(req.Cmd.Text)
	if err != nil {
		return err
	}
	days := 7
	if len(req.Cmd.Args) > 0 {
		days, _ = strconv.Atoi(req.Cmd.Args[0])
		days = min(max(days, 1), 31)
	}
	now := e.Now()
	return e.Reply(ctx, req, e.rosterText(ctx, rosters, now, days))
}

// rosterText lists each roster's shifts over the next days.
func (e *Engine) rosterText(ctx context.Context, rosters []oncall.Roster, now time.Time, days int) change.Text {
	var list []notify.Shifts
	for _, r := range rosters {
		_, sched, err := e.roster(ctx, r.ID)
		if err != nil {
			continue
		}
		// "3 days" is today and the next two, to midnight in the roster's
		// zone: a shift starting on the fourth morning is not in it.
		local := now.In(e.Cfg.Location)
		end := time.Date(local.Year(), local.Month(), local.Day()+days, 0, 0, 0, 0, e.Cfg.Location)
		list = append(list, notify.Shifts{Roster: r, Shifts: sched.Within(now, end, 200)})
	}
	return func(lang string) string { return e.R.Rosters(list, days, lang) }
}

// canEditRoster: roster admins, or people with the roster_admin role.
func canEditRoster(r oncall.Roster, p bot.Person) bool {
	return r.IsAdmin(p.ID) || p.HasRole("roster_admin")
}

// addOverride stores an override and announces it in the roster's chat.
func (e *Engine) addOverride(ctx context.Context, req *change.Request, r oncall.Roster, o oncall.Override, key string) error {
	list, err := e.overrides(ctx, r.ID)
	if err != nil {
		return err
	}
	now := e.Now()
	kept := list[:0]
	for _, x := range list {
		if x.End.After(now) { // forget finished overrides
			kept = append(kept, x)
		}
	}
	kept = append(kept, o)
	if _, err := oncall.Compile(r.WithOverrides(kept)); err != nil {
		return e.Refuse("err.override", err.Error())
	}
	raw, _ := json.Marshal(kept)
	msg := func(lang string) string {
		return e.Cat.T(lang, key, r.Title(lang), e.PersonName(o.Person), e.R.Time(o.Start), e.R.Time(o.End),
			cmp.Or(req.Actor.Name, req.Actor.ID))
	}
	tx := &store.Tx{Seen: req.Seen, Put: map[string]string{overridesKey(r.ID): string(raw)},
		Outbox: []bot.Outgoing{{Chat: req.In.Chat, Kind: bot.KindReply, Text: msg(req.Lang), ReplyTo: req.In.MessageID}}}
	for _, ref := range e.ChatRefs(r.AnnounceIn) {
		if ref != req.In.Chat {
			tx.Outbox = append(tx.Outbox, bot.Outgoing{Chat: ref, Kind: bot.KindNotice, Text: msg(e.ChatLang(ctx, ref))})
		}
	}
	tx.SetTimers = e.rosterTimers(ctx, r, now)
	return e.Commit(ctx, tx)
}

func (e *Engine) overrideCmd(ctx context.Context, req *change.Request) error {
	rosters, err := e.pickRosters(req.Cmd.Text)
	if err != nil {
		return err
	}
	r := rosters[0]
	if !canEditRoster(r, req.Actor) && !e.Cfg.Directory.Open() {
		return e.Refuse("err.not_roster_admin", r.Title(req.Lang))
	}
	who, ok := e.Cfg.Directory.Person(req.Cmd.User)
	if !ok && !e.Cfg.Directory.Open() {
		return e.Refuse("err.no_person", req.Cmd.User, strings.Join(e.knownTargets(), ", "))
	}
	if who.ID == "" {
		who.ID = req.Cmd.User
	}
	now := e.Now()
	end, ok := oncall.ParseUntil(strings.Join(req.Cmd.Args, " "), now, e.Cfg.Location)
	if !ok {
		return e.Refuse("err.until", strings.Join(req.Cmd.Args, " "))
	}
	return e.addOverride(ctx, req, r, oncall.Override{Person: who.ID, Start: now, End: end}, "override_set")
}

// handoffCmd gives the caller's current shift (of the first roster they
// are on duty in) to someone else, until the shift ends.
func (e *Engine) handoffCmd(ctx context.Context, req *change.Request) error {
	to, ok := e.Cfg.Directory.Person(req.Cmd.User)
	if !ok {
		return e.Refuse("err.no_person", req.Cmd.User, strings.Join(e.knownTargets(), ", "))
	}
	now := e.Now()
	for _, r := range e.o.Rosters {
		_, sched, err := e.roster(ctx, r.ID)
		if err != nil {
			continue
		}
		sh, ok := sched.OnDuty(now)
		if !ok || sh.Person != req.Actor.ID {
			continue
		}
		if to.ID == req.Actor.ID {
			return e.Refuse("err.handoff_self")
		}
		return e.addOverride(ctx, req, r, oncall.Override{Person: to.ID, Start: now, End: sh.End, Replace: req.Actor.ID}, "handed_off")
	}
	return e.Refuse("err.not_on_duty")
}

// rosterTimers returns the next handoff and weekly-summary timers of r.
// Their ids are fixed per roster, so setting them again just moves them.
func (e *Engine) rosterTimers(ctx context.Context, r oncall.Roster, now time.Time) []bot.Timer {
	_, sched, err := e.roster(ctx, r.ID)
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

// fireRoster announces a handoff or the week's roster, then sets the next.
func (e *Engine) fireRoster(ctx context.Context, t bot.Timer, seenKey string) error {
	tx := &store.Tx{Seen: []string{seenKey}, CancelTimers: []string{t.ID}}
	var r oncall.Roster
	found := false
	for _, x := range e.o.Rosters {
		if x.ID == t.Data["roster"] {
			r, found = x, true
		}
	}
	if !found {
		return e.Commit(ctx, tx)
	}
	now := e.Now()
	_, sched, err := e.roster(ctx, r.ID)
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
			msg = func(lang string) string { return e.R.Handoff(r, sh, from, lang) }
		}
	case TimerRosterWeek:
		msg = e.rosterText(ctx, []oncall.Roster{r}, now, 7)
	}
	if msg != nil {
		for _, ref := range e.ChatRefs(r.AnnounceIn) {
			tx.Outbox = append(tx.Outbox, bot.Outgoing{Chat: ref, Kind: bot.KindNotice, Text: msg(e.ChatLang(ctx, ref))})
		}
	}
	for _, nt := range e.rosterTimers(ctx, r, now) {
		if nt.Kind == t.Kind {
			tx.SetTimers = append(tx.SetTimers, nt)
		}
	}
	return e.Commit(ctx, tx)
}

// RosterICS returns roster id's next n shifts (overrides included) as an
// iCalendar file.
func (e *Engine) RosterICS(ctx context.Context, id string, n int) (string, error) {
	r, sched, err := e.roster(ctx, id)
	if err != nil {
		return "", err
	}
	return oncall.ICS(sched, r, e.Now(), n), nil
}
