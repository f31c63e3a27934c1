package notify

import (
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/oncall"
	"github.com/irbot/irbot/bot/playbook"
)

// Entry is an incident with its playbook (nil when that playbook is no
// longer loaded), as lists show it.
type Entry struct {
	Incident *bot.Incident
	Playbook *playbook.Playbook
}

// Duty is a person on duty in a roster.
type Duty struct {
	Person string
	Roster oncall.Roster
}

// Digest is what the daily digest covers.
type Digest struct {
	// At is the digest's time; it covers the 24 hours before.
	At time.Time
	// Incidents are every incident, open or not.
	Incidents []Entry
	// Duty is who is on duty at At.
	Duty []Duty
}

// Digest is the leaders' daily digest: the open incidents, each with what
// it needs (Needs, in words), those finished in the last 24 hours, the
// median times to acknowledge and resolve, and who is on duty.
func (r *Renderer) Digest(d Digest, lang string) string {
	from := d.At.Add(-24 * time.Hour)
	var b strings.Builder
	b.WriteString(r.cat.T(lang, "digest.head", d.At.In(r.loc).Format("02/01/2006")))
	var open, changed []Entry
	var tta, ttr []time.Duration
	for _, e := range d.Incidents {
		inc := e.Incident
		if inc.Open() {
			open = append(open, e)
		} else if inc.Updated.After(from) {
			changed = append(changed, e)
		}
		if !inc.Acknowledged.IsZero() && inc.Acknowledged.After(from) {
			tta = append(tta, inc.Acknowledged.Sub(inc.Declared))
		}
		if !inc.Resolved.IsZero() && inc.Resolved.After(from) {
			ttr = append(ttr, inc.Resolved.Sub(inc.Declared))
		}
	}
	b.WriteString("\n" + r.cat.T(lang, "digest.open", len(open)))
	for _, e := range open {
		inc := e.Incident
		line := "• " + r.cat.T(lang, "incident_line", inc.Ref(), Sev(inc.Severity), r.State(inc, e.Playbook, lang), Clip(inc.Title, 50), r.Time(inc.Declared))
		if e.Playbook != nil {
			if needs := r.Needs(inc, e.Playbook, d.At, lang); len(needs) > 0 {
				for i, n := range needs {
					needs[i] = Clip(strings.TrimPrefix(n, "• "), 80)
				}
				line += "\n  ⚠️ " + r.cat.T(lang, "sum.needs") + " " + strings.Join(needs, "; ")
			}
		}
		b.WriteString("\n" + line)
	}
	b.WriteString("\n" + r.cat.T(lang, "digest.closed", len(changed)))
	for _, e := range changed {
		inc := e.Incident
		b.WriteString("\n• " + inc.Ref() + " · " + r.State(inc, e.Playbook, lang) + " · " + Clip(inc.Title, 50))
	}
	b.WriteString("\n" + r.cat.T(lang, "digest.times", r.median(tta, lang), r.median(ttr, lang)))
	var duty []string
	for _, du := range d.Duty {
		duty = append(duty, r.Person(du.Person)+" ("+du.Roster.Title(lang)+")")
	}
	if len(duty) > 0 {
		b.WriteString("\n" + r.cat.T(lang, "digest.duty", strings.Join(duty, " · ")))
	}
	return b.String()
}
