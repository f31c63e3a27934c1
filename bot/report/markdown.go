package report

import "strings"

// Markdown is the post-incident report: summary (ref, title, playbook,
// severity, category, state, system and its level), impact, key times
// (detected, declared, acknowledged, contained, resolved, closed) and
// durations (time to acknowledge, to contain, to resolve), the timeline
// (every event, with time and actor name), who did what (per person:
// roles, steps done, notes), pages (who was paged, at which level,
// acknowledged by whom after how long), skipped steps with reasons, open
// required steps, follow-ups, and at the end "Timeline: N events, last hash
// <full hash>" so a reader can verify it. User text goes through as it was
// written. Fields nobody set are shown blank with the /set that fills them.
func Markdown(in Input) string {
	d := newRep(in).build()
	var b strings.Builder
	b.WriteString("# " + d.Title + "\n\n_" + d.Made + "_\n")
	for _, s := range d.Sections {
		writeSecMD(&b, s, "##")
	}
	b.WriteString("\n---\n\n")
	if d.Broken {
		b.WriteString("**" + d.Check + "**\n\n")
	} else {
		b.WriteString(d.Check + "\n\n")
	}
	b.WriteString(d.Chain + "\n")
	return b.String()
}

func writeSecMD(b *strings.Builder, s sec, level string) {
	if !strings.HasSuffix(b.String(), "\n\n") {
		b.WriteString("\n")
	}
	b.WriteString(level + " " + s.Title + "\n\n")
	for _, it := range s.Items {
		v := it.Value
		if it.Blank && it.Hint != "" {
			v += " _(" + it.Hint + ")_"
		}
		if it.Label == "" {
			b.WriteString(v + "\n")
			continue
		}
		b.WriteString("- **" + it.Label + ":** " + v + "\n")
	}
	for _, l := range s.Lines {
		b.WriteString("- " + l + "\n")
	}
	for _, e := range s.Events {
		b.WriteString("- " + e.Seq + " · " + e.At + " · " + e.Actor + " — " + e.Text + "\n")
	}
	if s.Empty != "" {
		b.WriteString(s.Empty + "\n")
	}
	for _, sub := range s.Subs {
		writeSecMD(b, sub, level+"#")
	}
}
