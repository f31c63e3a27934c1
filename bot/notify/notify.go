// Package notify renders what people read: durations and times in words,
// an incident's status card and step lists, its timeline, the leaders'
// summaries and daily digest, pages, rosters and lists, each in the
// reader's language.
//
// It takes plain data (incidents, playbooks, timeline events, rosters and
// shifts, a function naming people) and returns text. It reads no store and
// no clock: the same input renders the same bytes. Words come from an
// i18n catalogue; timeline events are worded by report.EventText, the one
// wording of events the reports use too.
package notify

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/i18n"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/bot/report"
)

// Renderer renders text in a catalogue's words. It is safe for concurrent
// use.
type Renderer struct {
	cat     *i18n.Catalog
	loc     *time.Location
	name    func(id string) string
	systems []report.System
}

// Options configure a Renderer. Nil or the zero value: times in
// Asia/Ho_Chi_Minh, people by their id.
type Options struct {
	// Location is the zone dates and times are shown in (default
	// Asia/Ho_Chi_Minh).
	Location *time.Location
	// PersonName names a person id (default: the id).
	PersonName func(id string) string
	// Systems are the configured affected systems, named where an event
	// refers to one by id.
	Systems []report.System
}

// New returns a renderer with the words of cat (nil: i18n.Default()).
func New(cat *i18n.Catalog, o *Options) *Renderer {
	if cat == nil {
		cat = i18n.Default()
	}
	var opt Options
	if o != nil {
		opt = *o
	}
	if opt.Location == nil {
		if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
			opt.Location = loc
		} else {
			opt.Location = time.FixedZone("ICT", 7*3600)
		}
	}
	if opt.PersonName == nil {
		opt.PersonName = func(id string) string { return id }
	}
	return &Renderer{cat: cat, loc: opt.Location, name: opt.PersonName, systems: opt.Systems}
}

// Time shows t as dd/mm/yyyy HH:MM in the renderer's zone; "—" for the
// zero time.
func (r *Renderer) Time(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(r.loc).Format("02/01/2006 15:04")
}

// clock shows only HH:MM when t is on the day of now, else dd/mm HH:MM.
func (r *Renderer) clock(t, now time.Time) string {
	lt, ln := t.In(r.loc), now.In(r.loc)
	if lt.Year() == ln.Year() && lt.YearDay() == ln.YearDay() {
		return lt.Format("15:04")
	}
	return lt.Format("02/01 15:04")
}

// Dur says a duration in words in lang, in its two largest units: "5
// phút", "2 giờ 5 phút", "7 days"; under a minute in seconds. With lang ""
// it is compact and the same in every language: 45s, 5m, 2h05m, 3d4h.
func (r *Renderer) Dur(d time.Duration, lang string) string {
	if lang != "" {
		return r.durWords(d, lang)
	}
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}

// durWords says d in words in lang: its largest unit and, when not zero,
// the next one; under a minute in seconds.
func (r *Renderer) durWords(d time.Duration, lang string) string {
	d = d.Round(time.Second)
	if d < time.Minute {
		return r.cat.N(lang, "dur.s", int(d.Seconds()))
	}
	units := []struct {
		key string
		n   int
	}{
		{"dur.d", int(d / (24 * time.Hour))},
		{"dur.h", int(d/time.Hour) % 24},
		{"dur.m", int(d/time.Minute) % 60},
		{"dur.s", int(d/time.Second) % 60},
	}
	i := 0
	for units[i].n == 0 {
		i++
	}
	out := r.cat.N(lang, units[i].key, units[i].n)
	if i+1 < len(units) && units[i+1].n > 0 {
		out += " " + r.cat.N(lang, units[i+1].key, units[i+1].n)
	}
	return out
}

// Person names a person id.
func (r *Renderer) Person(id string) string { return r.name(id) }

// Role is an incident role's display name in lang: from the catalogue
// ("role.police_focal_point"), else the id with spaces.
func (r *Renderer) Role(role, lang string) string {
	if r.cat.Has("role." + role) {
		return r.cat.T(lang, "role."+role)
	}
	return strings.ReplaceAll(role, "_", " ")
}

// StepStatus is the word for a step's status (bot.StepDone,
// bot.StepSkipped) in lang.
func (r *Renderer) StepStatus(status, lang string) string {
	if status == bot.StepSkipped {
		return r.cat.T(lang, "word.skipped")
	}
	return r.cat.T(lang, "word.done")
}

// State names an incident's state in lang: the phase's name in its
// playbook pb (nil: gone), else the lifecycle state's word.
func (r *Renderer) State(inc *bot.Incident, pb *playbook.Playbook, lang string) string {
	if pb != nil {
		if i := pb.PhaseIndex(inc.State); i >= 0 {
			return pb.Phases[i].Name.In(lang)
		}
	}
	return r.cat.T(lang, "state."+inc.State)
}

// Sev names a severity: "SEV1".
func Sev(n int) string { return "SEV" + strconv.Itoa(n) }

// Clip shortens s to at most n characters, the last one an ellipsis. It
// ends at a word's end when one is near (within a fifth of n), so a
// reader never sees half a word ("agr…").
func Clip(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	cut := n - 1
	if !unicode.IsSpace(rs[cut]) {
		for i := cut - 1; i > 0 && i >= cut-n/5; i-- {
			if unicode.IsSpace(rs[i]) {
				cut = i
				break
			}
		}
	}
	return strings.TrimRightFunc(string(rs[:cut]), func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) && r != ')' }) + "…"
}

// median is the median of ds in words ("—" for none); ds is sorted.
func (r *Renderer) median(ds []time.Duration, lang string) string {
	if len(ds) == 0 {
		return "—"
	}
	slices.Sort(ds)
	return r.Dur(ds[len(ds)/2], lang)
}
