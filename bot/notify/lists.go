package notify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/playbook"
)

// maxListed is how many incidents /incidents lists: the latest ones.
const maxListed = 30

// Incidents is the /incidents list, the latest 30 of list.
func (r *Renderer) Incidents(list []Entry, lang string) string {
	if len(list) == 0 {
		return r.cat.T(lang, "no_incidents")
	}
	var b strings.Builder
	if total := len(list); total > maxListed {
		list = list[total-maxListed:]
		b.WriteString(r.cat.T(lang, "incidents_head_latest", total, maxListed))
	} else {
		b.WriteString(r.cat.T(lang, "incidents_head", total))
	}
	for _, e := range list {
		inc := e.Incident
		b.WriteString("\n" + r.cat.T(lang, "incident_line", inc.Ref(), Sev(inc.Severity), r.State(inc, e.Playbook, lang), Clip(inc.Title, 60), r.Time(inc.Declared)))
	}
	return b.String()
}

// Playbooks is the /playbooks list.
func (r *Renderer) Playbooks(list []*playbook.Playbook, lang string) string {
	var b strings.Builder
	b.WriteString(r.cat.T(lang, "playbooks_head"))
	for _, pb := range list {
		b.WriteString("\n" + r.cat.T(lang, "playbook_line", pb.ID, pb.Name.In(lang), Sev(pb.Severity), len(pb.Phases), len(pb.Steps())))
	}
	b.WriteString("\n" + r.cat.T(lang, "playbooks_hint"))
	return b.String()
}

// Stats is the /stats view: the incidents of list declared in the days
// before now (cancelled ones left out), with the median times to
// acknowledge and to resolve, by severity and by playbook.
func (r *Renderer) Stats(list []Entry, now time.Time, days int, lang string) string {
	type agg struct {
		name     string
		n        int
		tta, ttr []time.Duration
	}
	bySev, byPB := map[string]*agg{}, map[string]*agg{}
	add := func(m map[string]*agg, k, name string, inc *bot.Incident) {
		a := m[k]
		if a == nil {
			a = &agg{name: name}
			m[k] = a
		}
		a.n++
		if !inc.Acknowledged.IsZero() {
			a.tta = append(a.tta, inc.Acknowledged.Sub(inc.Declared))
		}
		if !inc.Resolved.IsZero() {
			a.ttr = append(a.ttr, inc.Resolved.Sub(inc.Declared))
		}
	}
	from := now.Add(-time.Duration(days) * 24 * time.Hour)
	total := 0
	for _, e := range list {
		inc := e.Incident
		if inc.Declared.Before(from) || inc.State == bot.StateCancelled {
			continue
		}
		total++
		add(bySev, Sev(inc.Severity), Sev(inc.Severity), inc)
		name := inc.Playbook
		if e.Playbook != nil {
			name = e.Playbook.Name.In(lang)
		}
		add(byPB, inc.Playbook, name, inc)
	}
	var b strings.Builder
	b.WriteString(r.cat.N(lang, "stats.head", total, days))
	for _, group := range []map[string]*agg{bySev, byPB} {
		b.WriteString("\n")
		for _, k := range bot.SortedKeys(group) {
			a := group[k]
			b.WriteString("\n" + r.cat.T(lang, "stats.line", a.name, a.n, r.median(a.tta, lang), r.median(a.ttr, lang)))
		}
	}
	return b.String()
}

// Help lists the commands of names with their usage, their Vietnamese
// aliases and what they do, usage and aliases as command hints.
func (r *Renderer) Help(names []command.Name, lang string) string {
	var b strings.Builder
	b.WriteString(r.cat.T(lang, "help_head"))
	for _, n := range names {
		b.WriteString("\n" + command.UsageIn(n, lang) + aliases(n) + " — " + r.cat.T(lang, "help."+string(n)))
	}
	return b.String()
}

// HelpTopic is the help of one command.
func (r *Renderer) HelpTopic(n command.Name, lang string) string {
	return command.UsageIn(n, lang) + aliases(n) + "\n" + r.cat.T(lang, "help."+string(n))
}

// aliases lists a command's Vietnamese aliases, each a command hint:
// " (/xacnhan)".
func aliases(n command.Name) string {
	var out []string
	for a, m := range command.Aliases() {
		if m == n && !strings.Contains(a, "-") {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return ""
	}
	slices.Sort(out)
	for i, a := range out {
		out[i] = bot.Command("/" + a)
	}
	return " (" + strings.Join(out, ", ") + ")"
}

// Bullets lists items one a line, sorted, "• " before each, each clipped
// to 100 characters, the first five and a count of the rest.
func Bullets(items []string) string {
	list := slices.Clone(items)
	slices.Sort(list)
	if len(list) > 5 {
		list = append(list[:5], fmt.Sprintf("… (+%d)", len(list)-5))
	}
	for i := range list {
		list[i] = "• " + Clip(list[i], 100)
	}
	return strings.Join(list, "\n")
}
