package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/playbook"
)

// Status is an incident's status card at now: title, phase and progress,
// roles, key times, and what to do next.
func (r *Renderer) Status(inc *bot.Incident, pb *playbook.Playbook, now time.Time, lang string) string {
	done, total := 0, len(pb.Steps())
	for _, s := range pb.Steps() {
		if _, ok := inc.Steps[s.ID]; ok {
			done++
		}
	}
	var b strings.Builder
	b.WriteString(r.cat.T(lang, "status_head", inc.Ref(), Sev(inc.Severity), pb.Name.In(lang), inc.Title))
	phase := r.State(inc, pb, lang)
	if i := pb.PhaseIndex(inc.State); i >= 0 {
		phase = r.cat.T(lang, "phase_line", i+1, len(pb.Phases), phase)
	}
	b.WriteString("\n" + r.cat.T(lang, "status_state", phase, done, total))
	roles := make([]string, 0, len(inc.Roles))
	for _, role := range bot.SortedKeys(inc.Roles) {
		roles = append(roles, r.Role(role, lang)+": "+r.Person(inc.Roles[role]))
	}
	if len(roles) > 0 {
		b.WriteString("\n" + strings.Join(roles, " · "))
	}
	b.WriteString("\n" + r.cat.T(lang, "status_times", r.Time(inc.Declared), r.Dur(now.Sub(inc.Declared), lang)))
	if !inc.Acknowledged.IsZero() {
		b.WriteString("\n" + r.cat.T(lang, "status_acked", r.Time(inc.Acknowledged), r.Dur(inc.Acknowledged.Sub(inc.Declared), lang)))
	}
	if !inc.Resolved.IsZero() {
		b.WriteString("\n" + r.cat.T(lang, "status_resolved", r.Time(inc.Resolved), r.Dur(inc.Resolved.Sub(inc.Declared), lang)))
	}
	if inc.Snoozed(now) {
		b.WriteString("\n" + r.cat.T(lang, "status_snoozed", r.Time(inc.Snooze.Until), inc.Snooze.Reason))
	}
	switch {
	case inc.State == bot.StateTriggered:
		b.WriteString("\n" + r.cat.T(lang, "next.ack"))
	case pb.PhaseIndex(inc.State) >= 0:
		idx := pb.PhaseIndex(inc.State)
		for _, s := range pb.Phases[idx].Steps {
			if _, ok := inc.Steps[s.ID]; !ok {
				b.WriteString("\n" + r.cat.T(lang, "next.step", s.Number, s.Title.In(lang), r.Role(s.Role, lang)))
				break
			}
		}
	}
	return b.String()
}

// Phase lists the steps of phase idx, one line each: ✅ done, ⏭ skipped,
// ⬜ open (with its role, and its due time in the current phase); *
// marks a required step.
func (r *Renderer) Phase(inc *bot.Incident, pb *playbook.Playbook, idx int, lang string) string {
	var lines []string
	for _, s := range pb.Phases[idx].Steps {
		mark := "⬜"
		tail := ""
		if st, ok := inc.Steps[s.ID]; ok {
			mark = "✅"
			if st.Status == bot.StepSkipped {
				mark = "⏭"
			}
			tail = " — " + r.Person(st.By)
			if st.Note != "" {
				tail += ": " + Clip(st.Note, 60)
			}
		} else {
			tail = " (" + r.Role(s.Role, lang) + ")"
			if s.Due > 0 && pb.PhaseIndex(inc.State) == idx && !inc.PhaseStarted.IsZero() {
				tail += " ⏰" + inc.PhaseStarted.Add(s.Due.D()).In(r.loc).Format("15:04")
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

// PhaseStarted says phase idx began and lists its steps.
func (r *Renderer) PhaseStarted(inc *bot.Incident, pb *playbook.Playbook, idx int, lang string) string {
	return r.cat.T(lang, "phase_started", idx+1, len(pb.Phases), pb.Phases[idx].Name.In(lang)) + "\n" + r.Phase(inc, pb, idx, lang)
}

// FirstPhase names the playbook's first phase in lang ("" without phases).
func FirstPhase(pb *playbook.Playbook, lang string) string {
	if len(pb.Phases) == 0 {
		return ""
	}
	return pb.Phases[0].Name.In(lang)
}

// Steps is the /steps view: every phase with its progress, the current one
// expanded, or every one with all (and always once the incident is over).
func (r *Renderer) Steps(inc *bot.Incident, pb *playbook.Playbook, all bool, lang string) string {
	idx := pb.PhaseIndex(inc.State)
	all = all || !inc.Open()
	var b strings.Builder
	b.WriteString(r.cat.T(lang, "steps_head", inc.Ref(), pb.Name.In(lang)))
	for i := range pb.Phases {
		expand := all || i == idx || (idx < 0 && i == 0)
		if expand || i == 0 || i == idx+1 {
			b.WriteString("\n")
		}
		b.WriteString("\n")
		mark := ""
		if i == idx {
			mark = " ◀"
		}
		b.WriteString(r.cat.T(lang, "phase_line", i+1, len(pb.Phases), pb.Phases[i].Name.In(lang)) + mark)
		if expand {
			b.WriteString("\n" + r.Phase(inc, pb, i, lang))
		} else {
			b.WriteString(" — " + progress(inc, pb.Phases[i]))
		}
	}
	if !all {
		b.WriteString("\n\n" + r.cat.T(lang, "steps_all"))
	}
	return b.String()
}

// progress is "✅ 2/4" for a collapsed phase.
func progress(inc *bot.Incident, ph playbook.Phase) string {
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

// StepList names steps on one line, "3. Preserve evidence; 4. Report to
// police", the first five and a count of the rest.
func StepList(steps []playbook.Step, lang string) string {
	parts := make([]string, 0, len(steps))
	for i, s := range steps {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("… (+%d)", len(steps)-5))
			break
		}
		parts = append(parts, fmt.Sprintf("%d. %s", s.Number, s.Title.In(lang)))
	}
	return strings.Join(parts, "; ")
}

// StepRecorded tells that step st was done or skipped (as inc.Steps
// records it) by actor, with its note, and when that completed the current
// phase's required steps, what to do next.
func (r *Renderer) StepRecorded(inc *bot.Incident, pb *playbook.Playbook, st playbook.Step, actor, lang string) string {
	rec := inc.Steps[st.ID]
	key := "step_done"
	if rec.Status == bot.StepSkipped {
		key = "step_skipped"
	}
	s := r.cat.T(lang, key, inc.Ref(), st.Number, st.Title.In(lang), actor)
	if rec.Note != "" {
		s += "\n" + "“" + rec.Note + "”"
	}
	idx := pb.PhaseIndex(inc.State)
	if idx >= 0 && st.Phase == pb.Phases[idx].ID && len(openRequired(inc, pb.Phases[idx].Steps)) == 0 {
		if idx == len(pb.Phases)-1 {
			s += "\n" + r.cat.T(lang, "hint.resolve", pb.Phases[idx].Name.In(lang))
		} else {
			s += "\n" + r.cat.T(lang, "hint.next", pb.Phases[idx].Name.In(lang), pb.Phases[idx+1].Name.In(lang))
		}
	}
	return s
}

// openRequired returns the required steps among steps that inc has not
// done or skipped.
func openRequired(inc *bot.Incident, steps []playbook.Step) []playbook.Step {
	var open []playbook.Step
	for _, s := range steps {
		if _, ok := inc.Steps[s.ID]; !ok && s.Required {
			open = append(open, s)
		}
	}
	return open
}
