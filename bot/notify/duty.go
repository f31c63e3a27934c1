package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/irbot/irbot/bot/oncall"
)

// Shifts are shifts of a roster, as the roster views list them.
type Shifts struct {
	Roster oncall.Roster
	Shifts []oncall.Shift
}

// OnCall is the /oncall view: for each roster, who is on duty at now and
// until when, and who is next. Each roster's Shifts are its next two from
// now (as oncall.Schedule.Next returns them).
func (r *Renderer) OnCall(list []Shifts, now time.Time, lang string) string {
	parts := make([]string, len(list))
	for i, l := range list {
		shifts := l.Shifts
		s := "👮 " + l.Roster.Title(lang)
		if len(shifts) == 0 || now.Before(shifts[0].Start) {
			s += "\n" + r.cat.T(lang, "oncall.nobody")
		} else {
			s += "\n" + r.cat.T(lang, "oncall.now", r.Person(shifts[0].Person), r.Time(shifts[0].End))
			shifts = shifts[1:]
		}
		if len(shifts) > 0 {
			s += "\n" + r.cat.T(lang, "oncall.next", r.Person(shifts[0].Person), r.Time(shifts[0].Start), r.Time(shifts[0].End))
		}
		parts[i] = s
	}
	return strings.Join(parts, "\n\n")
}

// Rosters is the /roster view: each roster's shifts over days, an
// override marked ⇄.
func (r *Renderer) Rosters(list []Shifts, days int, lang string) string {
	var b strings.Builder
	for i, l := range list {
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(r.cat.T(lang, "roster_head", l.Roster.Title(lang), days))
		for _, sh := range l.Shifts {
			mark := ""
			if sh.Layer == oncall.OverrideLayer {
				mark = " ⇄"
			}
			fmt.Fprintf(&b, "\n%s → %s  %s%s", r.Time(sh.Start), r.Time(sh.End), r.Person(sh.Person), mark)
		}
	}
	return b.String()
}

// Handoff announces in roster ro's chat that shift sh begins, after prev
// (nil: nobody was on duty).
func (r *Renderer) Handoff(ro oncall.Roster, sh oncall.Shift, prev *oncall.Shift, lang string) string {
	from := r.cat.T(lang, "oncall.nobody_short")
	if prev != nil {
		from = r.Person(prev.Person)
	}
	return r.cat.T(lang, "handoff_announce", ro.Title(lang), r.Person(sh.Person), from, r.Time(sh.End))
}
