package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/playbook"
)

// Summary is what a leaders' summary of one incident is made from.
type Summary struct {
	Incident *bot.Incident
	Playbook *playbook.Playbook
	// Recent are the timeline events since the last summary.
	Recent []bot.Event
	// Now is the summary's time.
	Now time.Time
	// Escalations are when the incident's waiting pages escalate next.
	Escalations []time.Time
}

// Summary is the Conditions–Actions–Needs summary for leaders: where the
// incident stands, what was done since the last summary, what may need
// them, and the next deadline.
func (r *Renderer) Summary(s Summary, lang string) string {
	inc, pb := s.Incident, s.Playbook
	var b strings.Builder
	b.WriteString(r.cat.T(lang, "sum.head", inc.Ref(), Sev(inc.Severity), pb.Name.In(lang), inc.Title))
	done, total := 0, len(pb.Steps())
	for _, st := range pb.Steps() {
		if _, ok := inc.Steps[st.ID]; ok {
			done++
		}
	}
	phase := r.State(inc, pb, lang)
	if i := pb.PhaseIndex(inc.State); i >= 0 {
		phase = r.cat.T(lang, "phase_line", i+1, len(pb.Phases), phase)
	}
	age := r.cat.T(lang, "sum.just_declared")
	switch d := s.Now.Sub(inc.Declared); {
	case !inc.Open():
		end := s.Now // cancelled: it ended now
		if !inc.Resolved.IsZero() {
			end = inc.Resolved
		}
		age = r.cat.T(lang, "sum.lasted", r.Dur(end.Sub(inc.Declared), lang))
	case d >= time.Minute:
		age = r.cat.T(lang, "sum.since", r.Dur(d, lang))
	}
	cmdr := r.cat.T(lang, "sum.no_commander")
	if id := inc.Roles["commander"]; id != "" {
		cmdr = r.cat.T(lang, "sum.commander", r.Person(id))
	}
	b.WriteString("\n" + r.cat.T(lang, "sum.conditions", phase, done, total, age, cmdr))
	acts := r.actions(s.Recent, pb, lang)
	if len(acts) == 0 {
		acts = []string{"• " + r.cat.T(lang, "sum.nothing")}
	}
	b.WriteString("\n" + r.cat.T(lang, "sum.actions") + "\n" + strings.Join(acts, "\n"))
	needs := r.Needs(inc, pb, s.Now, lang)
	b.WriteString("\n" + r.cat.T(lang, "sum.needs"))
	if len(needs) == 0 {
		b.WriteString(" " + r.cat.T(lang, "sum.none"))
	} else {
		b.WriteString("\n" + strings.Join(needs, "\n"))
	}
	if next, what := r.nextDeadline(s, lang); !next.IsZero() {
		b.WriteString("\n" + r.cat.T(lang, "sum.next", r.clock(next, s.Now), what))
	}
	return b.String()
}

// Needs lists, one bullet each, what leaders may have to act on at now:
// nobody responding to a page, overdue steps, required steps open, an
// incident nobody acknowledged. An incident over needs nothing.
func (r *Renderer) Needs(inc *bot.Incident, pb *playbook.Playbook, now time.Time, lang string) []string {
	var out []string
	if !inc.Open() {
		return nil
	}
	for _, p := range inc.Pages {
		switch p.Status {
		case bot.PageSent:
			if now.Sub(p.Started) >= time.Minute { // a page just sent needs nobody yet
				out = append(out, "• "+r.cat.T(lang, "need.unacked", p.Step+1, r.Dur(now.Sub(p.Started), lang)))
			}
		case bot.PageExpired:
			out = append(out, "• "+r.cat.T(lang, "need.expired"))
		}
	}
	if idx := pb.PhaseIndex(inc.State); idx >= 0 && !inc.PhaseStarted.IsZero() {
		for _, s := range pb.Phases[idx].Steps {
			if _, ok := inc.Steps[s.ID]; !ok && s.Due > 0 && now.After(inc.PhaseStarted.Add(s.Due.D())) {
				out = append(out, "• "+r.cat.T(lang, "need.overdue", s.Number, s.Title.In(lang), r.Role(s.Role, lang)))
			}
		}
	}
	if idx := pb.PhaseIndex(inc.State); idx >= 0 {
		var open []string
		for _, s := range pb.Phases[idx].Steps {
			overdue := s.Due > 0 && !inc.PhaseStarted.IsZero() && now.After(inc.PhaseStarted.Add(s.Due.D()))
			if _, ok := inc.Steps[s.ID]; !ok && s.Required && !overdue {
				open = append(open, fmt.Sprintf("%d. %s", s.Number, Clip(s.Title.In(lang), 80)))
			}
		}
		if len(open) > 0 {
			out = append(out, "• "+r.cat.T(lang, "need.required", strings.Join(open, "; ")))
		}
	}
	if inc.State == bot.StateTriggered {
		switch {
		case len(inc.Pages) == 0:
			out = append(out, "• "+r.cat.T(lang, "need.ack"))
		case now.Sub(inc.Pages[len(inc.Pages)-1].Started) < time.Minute:
			var who []string
			for _, id := range inc.Pages[len(inc.Pages)-1].Targets {
				who = append(who, r.Person(id))
			}
			out = append(out, "• "+r.cat.T(lang, "need.paging", strings.Join(who, ", ")))
		}
	}
	return out
}

// nextDeadline is the earliest step due time or escalation after now, and
// what it is.
func (r *Renderer) nextDeadline(s Summary, lang string) (time.Time, string) {
	inc, pb := s.Incident, s.Playbook
	var at time.Time
	var what func() string
	consider := func(t time.Time, w func() string) {
		if t.After(s.Now) && (at.IsZero() || t.Before(at)) {
			at, what = t, w
		}
	}
	if idx := pb.PhaseIndex(inc.State); idx >= 0 && !inc.PhaseStarted.IsZero() {
		for _, st := range pb.Phases[idx].Steps {
			if _, ok := inc.Steps[st.ID]; !ok && st.Due > 0 {
				consider(inc.PhaseStarted.Add(st.Due.D()), func() string {
					return r.cat.T(lang, "sum.deadline_step", st.Number, st.Title.In(lang))
				})
			}
		}
	}
	for _, t := range s.Escalations {
		consider(t, func() string { return r.cat.T(lang, "sum.deadline_page") })
	}
	if what == nil {
		return at, ""
	}
	return at, what()
}

// actions says what was done since the last summary: the steps done and
// skipped grouped by phase (so none hides behind a count), the other
// changes in order, a line said several times once with its count. Of
// the acknowledgements it keeps one line, naming who: the incident's, or
// else the last page acknowledged; a partial page acknowledgement is not
// shown.
func (r *Renderer) actions(recent []bot.Event, pb *playbook.Playbook, lang string) []string {
	type phaseSteps struct{ done, skipped []string }
	byPhase := map[string]*phaseSteps{}
	var phases []string
	var lines []string
	count := map[string]int{}
	ack := ackShown(recent)
	for i, ev := range recent {
		switch ev.Kind {
		case bot.EvAck, bot.EvPageAck:
			if i == ack {
				lines = append(lines, "• "+r.Person(ev.Actor)+" "+strings.SplitN(r.Event(ev, pb, lang), " — ", 2)[1])
			}
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
			item := fmt.Sprintf("%d. %s", s.Number, Clip(s.Title.In(lang), 80))
			if n := ev.Data["note"]; n != "" {
				item += ": " + Clip(n, 80)
			}
			if ev.Kind == bot.EvStepDone {
				ps.done = append(ps.done, item)
			} else {
				ps.skipped = append(ps.skipped, item)
			}
		case bot.EvPhase, bot.EvNote, bot.EvSeverity, bot.EvAssign, bot.EvPageEscalated, bot.EvPageExpired,
			bot.EvResolved, bot.EvReopened, bot.EvCancelled, bot.EvClosed, bot.EvAlert:
			line := "• " + strings.SplitN(r.Event(ev, pb, lang), " — ", 2)[1]
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
			parts = append(parts, r.cat.T(lang, "sum.steps_done", name, strings.Join(ps.done, "; ")))
		}
		if len(ps.skipped) > 0 {
			parts = append(parts, r.cat.T(lang, "sum.steps_skipped", strings.Join(ps.skipped, "; ")))
		}
		lines = append(lines, "• "+strings.Join(parts, " · "))
	}
	return lines
}

// ackShown is the index in recent of the one acknowledgement a summary
// shows: the incident's, else the last page acknowledgement; -1 for none.
func ackShown(recent []bot.Event) int {
	at := -1
	for i, ev := range recent {
		switch ev.Kind {
		case bot.EvAck:
			return i
		case bot.EvPageAck:
			at = i
		}
	}
	return at
}
