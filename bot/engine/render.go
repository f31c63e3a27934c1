package engine

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/bot/report"
)

// fmtTime shows a time as dd/mm/yyyy HH:MM in the configured zone.
func (e *Engine) fmtTime(t time.Time, lang string) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(e.o.Location).Format("02/01/2006 15:04")
}

// fmtClock shows only HH:MM when t is today, else the full date.
func (e *Engine) fmtClock(t, now time.Time) string {
	lt, ln := t.In(e.o.Location), now.In(e.o.Location)
	if lt.Year() == ln.Year() && lt.YearDay() == ln.YearDay() {
		return lt.Format("15:04")
	}
	return lt.Format("02/01 15:04")
}

// fmtDur says a duration in words, in its two largest units: "5 phút",
// "2 giờ 5 phút", "7 days". Without a language it is compact: 2h05m.
func (e *Engine) fmtDur(d time.Duration, lang string) string {
	if lang != "" {
		return e.durWords(d, lang)
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

func (e *Engine) fmtDurT(d time.Duration) string { return e.fmtDur(d, "") }

func (e *Engine) personName(id string) string {
	if p, ok := e.o.Directory.Person(id); ok && p.Name != "" {
		return p.Name
	}
	return id
}

func (e *Engine) statusWord(status, lang string) string {
	if status == bot.StepSkipped {
		return e.cat.T(lang, "word.skipped")
	}
	return e.cat.T(lang, "word.done")
}

// stateNameOf names an incident's state in lang: a phase's name, or the
// lifecycle state's word.
func (e *Engine) stateNameOf(inc *bot.Incident, lang string) string {
	if pb, ok := e.books.Get(inc.Playbook); ok {
		if i := pb.PhaseIndex(inc.State); i >= 0 {
			return pb.Phases[i].Name.In(lang)
		}
	}
	return e.cat.T(lang, "state."+inc.State)
}

func (e *Engine) stateName(c *change, lang string) string { return e.stateNameOf(c.inc, lang) }

// renderPhase lists the steps of phase idx, one line each:
// ✅ done, ⏭ skipped, ⬜ open; * marks a required step.
func (e *Engine) renderPhase(inc *bot.Incident, pb *playbook.Playbook, idx int, lang string) string {
	var lines []string
	for _, s := range pb.Phases[idx].Steps {
		mark := "⬜"
		tail := ""
		if st, ok := inc.Steps[s.ID]; ok {
			mark = "✅"
			if st.Status == bot.StepSkipped {
				mark = "⏭"
			}
			tail = " — " + e.personName(st.By)
			if st.Note != "" {
				tail += ": " + clip(st.Note, 60)
			}
		} else {
			tail = " (" + e.roleName(s.Role, lang) + ")"
			if s.Due > 0 && pb.PhaseIndex(inc.State) == idx && !inc.PhaseStarted.IsZero() {
				tail += " ⏰" + inc.PhaseStarted.Add(s.Due.D()).In(e.o.Location).Format("15:04")
			}
		}
		req := ""
		if s.Required {
			req = "*"
		}
		lines = append(lines, fmt.Sprintf("%s %d. %s%s%s", mark, s.Number, s.Title.In(lang), req, tail))
	}
	return strings.Join(lines, "\n")
}

// roleName is an incident role's display name in lang: from the catalogue
// ("role.police_focal_point"), else the id with spaces.
func (e *Engine) roleName(r, lang string) string {
	if e.cat.Has("role." + r) {
		return e.cat.T(lang, "role."+r)
	}
	return strings.ReplaceAll(r, "_", " ")
}

// renderStatus is the incident's status card.
func (e *Engine) renderStatus(inc *bot.Incident, pb *playbook.Playbook, lang string) string {
	now := e.o.Clock.Now()
	done, total := 0, len(pb.Steps())
	for _, s := range pb.Steps() {
		if _, ok := inc.Steps[s.ID]; ok {
			done++
		}
	}
	var b strings.Builder
	b.WriteString(e.cat.T(lang, "status_head", inc.Ref(), sevName(inc.Severity), pb.Name.In(lang), inc.Title))
	phase := e.stateNameOf(inc, lang)
	if i := pb.PhaseIndex(inc.State); i >= 0 {
		phase = e.cat.T(lang, "phase_line", i+1, len(pb.Phases), phase)
	}
	b.WriteString("\n" + e.cat.T(lang, "status_state", phase, done, total))
	roles := make([]string, 0, len(inc.Roles))
	for _, r := range bot.SortedKeys(inc.Roles) {
		roles = append(roles, e.roleName(r, lang)+": "+e.personName(inc.Roles[r]))
	}
	if len(roles) > 0 {
		b.WriteString("\n" + strings.Join(roles, " · "))
	}
	b.WriteString("\n" + e.cat.T(lang, "status_times", e.fmtTime(inc.Declared, lang), e.fmtDur(now.Sub(inc.Declared), lang)))
	if !inc.Acknowledged.IsZero() {
		b.WriteString("\n" + e.cat.T(lang, "status_acked", e.fmtTime(inc.Acknowledged, lang), e.fmtDur(inc.Acknowledged.Sub(inc.Declared), lang)))
	}
	if !inc.Resolved.IsZero() {
		b.WriteString("\n" + e.cat.T(lang, "status_resolved", e.fmtTime(inc.Resolved, lang), e.fmtDur(inc.Resolved.Sub(inc.Declared), lang)))
	}
	switch {
	case inc.State == bot.StateTriggered:
		b.WriteString("\n" + e.cat.T(lang, "next.ack"))
	case pb.PhaseIndex(inc.State) >= 0:
		idx := pb.PhaseIndex(inc.State)
		for _, s := range pb.Phases[idx].Steps {
			if _, ok := inc.Steps[s.ID]; !ok {
				b.WriteString("\n" + e.cat.T(lang, "next.step", s.Number, s.Title.In(lang), e.roleName(s.Role, lang)))
				break
			}
		}
	}
	return b.String()
}

// stepButtons offers one-tap Done for the open steps of phase idx (up to
// four), and Next phase / Resolve.
func (e *Engine) stepButtons(inc *bot.Incident, pb *playbook.Playbook, idx int) []bot.Button {
	if idx < 0 || !inc.Open() {
		return nil
	}
	var out []bot.Button
	for _, s := range pb.Phases[idx].Steps {
		if _, ok := inc.Steps[s.ID]; ok {
			continue
		}
		if len(out) == 4 {
			break
		}
		out = append(out, bot.Button{Label: "✅ " + strconv.Itoa(s.Number), Data: fmt.Sprintf("/done %s %d", inc.Ref(), s.Number)})
	}
	if idx < len(pb.Phases)-1 {
		out = append(out, bot.Button{Label: "▶ " + pb.Phases[idx+1].Name.In(e.o.Language), Data: "/next " + inc.Ref()})
	} else {
		out = append(out, e.button("btn.resolve", "/resolve "+inc.Ref()))
	}
	return out
}

func (e *Engine) statusButtons(inc *bot.Incident, pb *playbook.Playbook) []bot.Button {
	switch {
	case inc.State == bot.StateTriggered:
		return []bot.Button{e.button("btn.ack", "/ack "+inc.Ref())}
	case inc.State == bot.StateResolved:
		return []bot.Button{e.button("btn.close", "/close "+inc.Ref())}
	}
	return e.stepButtons(inc, pb, pb.PhaseIndex(inc.State))
}

// renderEvent is one timeline line: "#3 14:05 An — step 2 done: …".
func (e *Engine) renderEvent(ev bot.Event, pb *playbook.Playbook, lang string) string {
	who := e.personName(ev.Actor)
	at := ev.At.In(e.o.Location).Format("02/01 15:04:05")
	what := report.EventText(ev, pb, lang, e.personName)
	return fmt.Sprintf("#%d %s %s — %s", ev.Seq, at, who, strings.TrimRight(what, " :—"))
}

func (e *Engine) phaseName(pb *playbook.Playbook, id, lang string) string {
	if i := pb.PhaseIndex(id); i >= 0 {
		return pb.Phases[i].Name.In(lang)
	}
	return e.cat.T(lang, "state."+id)
}

// phaseProgress is "✅ 2/4" for a collapsed phase.
func (e *Engine) phaseProgress(inc *bot.Incident, ph playbook.Phase) string {
	done := 0
	for _, s := range ph.Steps {
		if _, ok := inc.Steps[s.ID]; ok {
			done++
		}
	}
	mark := "⬜"
	if done == len(ph.Steps) {
		mark = "✅"
	}
	return fmt.Sprintf("%s %d/%d", mark, done, len(ph.Steps))
}

// fmtDurString shows a recorded Go duration ("3m0s") the way people say it.
func (e *Engine) fmtDurString(s, lang string) string {
	d, err := time.ParseDuration(s)
	if err != nil {
		return s
	}
	return e.fmtDur(d, lang)
}

// durWords says d in words in lang: its largest unit and, when not
// zero, the next one; under a minute in seconds.
func (e *Engine) durWords(d time.Duration, lang string) string {
	d = d.Round(time.Second)
	if d < time.Minute {
		return e.cat.N(lang, "dur.s", int(d.Seconds()))
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
	out := e.cat.N(lang, units[i].key, units[i].n)
	if i+1 < len(units) && units[i+1].n > 0 {
		out += " " + e.cat.N(lang, units[i+1].key, units[i+1].n)
	}
	return out
}
