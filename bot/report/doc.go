package report

import (
	"strconv"
	"strings"

	"github.com/irbot/irbot/bot"
)

// doc is the post-incident report laid out once, in one language, for the
// Markdown and HTML renderers: every word is already translated, every
// value already formatted.
type doc struct {
	Lang     string
	Title    string
	Made     string
	Sections []sec
	Check    string // the hash chain was checked (or a warning)
	Broken   bool
	Chain    string // "Timeline: N events, last hash H"
}

// sec is one section (or, in Subs, a subsection).
type sec struct {
	Title  string
	Items  []item   // label: value; an item without label is a paragraph
	Lines  []string // bullet lines
	Head   []string // column headings of Events
	Events []evRow  // the timeline
	Subs   []sec    // subsections (one level)
	Empty  string   // shown when the section has nothing else
}

// item is a labelled value. A blank one shows the dotted line and how to
// fill it.
type item struct {
	Label string
	Value string
	Blank bool
	Hint  string
}

// evRow is one timeline event.
type evRow struct {
	Seq, At, Actor, Text string
}

// fieldItem shows a field set by hand, or a blank with its /set hint.
func (r *rep) fieldItem(label, value, field string) item {
	if value == "" {
		return item{Label: label, Value: blank, Blank: true, Hint: r.T("hint.set", field)}
	}
	return item{Label: label, Value: value}
}

// build lays out the post-incident report.
func (r *rep) build() doc {
	inc := r.inc
	d := doc{Lang: r.lang(), Title: r.T("doc.title", inc.Ref())}
	if inc.Title != "" {
		d.Title += ": " + inc.Title
	}
	if r.in.Now.IsZero() {
		d.Made = r.T("doc.made0")
	} else {
		d.Made = r.T("doc.made", r.when(r.in.Now))
	}

	sum := sec{Title: r.T("sec.sum"), Items: []item{
		{Label: r.T("label.ref"), Value: inc.Ref()},
		{Label: r.T("label.title"), Value: inc.Title},
		{Label: r.T("label.playbook"), Value: r.playbookName()},
		{Label: r.T("label.severity"), Value: r.severity()},
		{Label: r.T("label.category"), Value: r.category()},
		{Label: r.T("label.state"), Value: r.stateName()},
		r.fieldItem(r.T("label.system"), r.systemName(), FieldSystem),
	}}
	if lv := r.level(); lv > 0 {
		sum.Items = append(sum.Items, item{Label: r.T("label.level"), Value: r.T("level", lv)})
	} else if r.in.System == nil {
		sum.Items = append(sum.Items, item{Label: r.T("label.level"), Value: blank, Blank: true, Hint: r.T("hint.set", FieldSystem)})
	} else {
		sum.Items = append(sum.Items, item{Label: r.T("label.level"), Value: blank, Blank: true, Hint: r.T("hint.config", MissingSysLevel)})
	}
	sum.Items = append(sum.Items,
		r.fieldItem(r.T("label.desc"), r.field(FieldDescription), FieldDescription),
		r.fieldItem(r.T("label.how"), r.howDetected(), FieldHowDetected),
		r.fieldItem(r.T("label.cause"), r.field(FieldCause), FieldCause),
		r.fieldItem(r.T("label.result"), r.result(), FieldResult),
	)
	d.Sections = append(d.Sections, sum)

	d.Sections = append(d.Sections, sec{Title: r.T("sec.impact"), Items: []item{r.fieldItem("", r.field(FieldImpact), FieldImpact)}})

	times := sec{Title: r.T("sec.times")}
	for _, t := range []struct {
		key string
		at  func() string
	}{
		{"time.detected", func() string { return r.whenOr(inc.Detected) }},
		{"time.declared", func() string { return r.whenOr(inc.Declared) }},
		{"time.acknowledged", func() string { return r.whenOr(inc.Acknowledged) }},
		{"time.contained", func() string { return r.whenOr(inc.Contained) }},
		{"time.resolved", func() string { return r.whenOr(inc.Resolved) }},
		{"time.closed", func() string { return r.whenOr(inc.Closed) }},
	} {
		times.Items = append(times.Items, item{Label: r.T(t.key), Value: t.at()})
	}
	d.Sections = append(d.Sections, times)

	durs := sec{Title: r.T("sec.dur")}
	for _, x := range []struct {
		key  string
		from func() (string, bool)
	}{
		{"dur.tta", func() (string, bool) { v, ok := r.since(inc.Acknowledged); return r.dur(v), ok }},
		{"dur.ttc", func() (string, bool) { v, ok := r.since(inc.Contained); return r.dur(v), ok }},
		{"dur.ttr", func() (string, bool) { v, ok := r.since(inc.Resolved); return r.dur(v), ok }},
	} {
		v, ok := x.from()
		if !ok {
			v = r.T("dur.not_yet")
		}
		durs.Items = append(durs.Items, item{Label: r.T(x.key), Value: v})
	}
	if !inc.Detected.IsZero() && inc.Detected.Before(inc.Declared) {
		durs.Items = append(durs.Items, item{Label: r.T("dur.detect"), Value: r.dur(inc.Declared.Sub(inc.Detected))})
	}
	d.Sections = append(d.Sections, durs)

	tl := sec{Title: r.T("sec.tl"), Head: []string{r.T("col.seq"), r.T("col.time"), r.T("col.actor"), r.T("col.what")}}
	for _, ev := range r.in.Events {
		tl.Events = append(tl.Events, evRow{Seq: "#" + strconv.FormatInt(ev.Seq, 10), At: r.when(ev.At), Actor: r.name(ev.Actor), Text: r.eventText(ev)})
	}
	if len(tl.Events) == 0 {
		tl.Empty = r.T("chain.empty")
	}
	d.Sections = append(d.Sections, tl)

	people := sec{Title: r.T("sec.people"), Subs: r.peopleSecs()}
	if len(people.Subs) == 0 {
		people.Empty = r.T("people.none")
	}
	d.Sections = append(d.Sections, people)

	pages := sec{Title: r.T("sec.pages"), Subs: r.pageSecs()}
	if len(pages.Subs) == 0 {
		pages.Empty = r.T("page.none")
	}
	d.Sections = append(d.Sections, pages)

	skipped := sec{Title: r.T("sec.skip"), Lines: r.skippedLines()}
	if len(skipped.Lines) == 0 {
		skipped.Empty = r.T("step.no_skip")
	}
	d.Sections = append(d.Sections, skipped)

	req, opt := r.openSteps()
	open := sec{Title: r.T("sec.open")}
	for _, s := range req {
		open.Lines = append(open.Lines, r.T("step.open", strconv.Itoa(s.Number), s.Title.In(r.lang()), r.role(s.Role)))
	}
	switch {
	case r.pb == nil:
		open.Empty = r.T("step.no_pb", inc.Playbook)
	case len(open.Lines) == 0:
		open.Empty = r.T("step.all_done")
	}
	d.Sections = append(d.Sections, open)
	if len(opt) > 0 {
		o := sec{Title: r.T("sec.opt")}
		for _, s := range opt {
			o.Lines = append(o.Lines, r.T("step.open", strconv.Itoa(s.Number), s.Title.In(r.lang()), r.role(s.Role)))
		}
		d.Sections = append(d.Sections, o)
	}

	d.Sections = append(d.Sections, sec{Title: r.T("sec.follow"), Items: []item{r.fieldItem("", r.field(FieldFollowUps), FieldFollowUps)}})

	if p := r.chainProblem(); p != "" {
		d.Check, d.Broken = p, true
	} else {
		d.Check = r.T("chain.ok")
	}
	d.Chain = r.chainLine()
	return d
}

// skippedLines lists the skipped steps with who skipped them and why.
func (r *rep) skippedLines() []string {
	var out []string
	for _, s := range r.steps {
		if !s.skipped {
			continue
		}
		why := strings.TrimSpace(s.note)
		if why == "" {
			why = r.T("step.no_reason")
		}
		out = append(out, r.T("step.skipped", s.num, s.title, r.name(s.by), r.when(s.at), why))
	}
	return out
}

// peopleSecs lists, per person in order of first appearance, the roles
// they hold and what they did.
func (r *rep) peopleSecs() []sec {
	var order []string
	lines := map[string][]string{}
	add := func(id, line string) {
		if _, ok := lines[id]; !ok {
			order = append(order, id)
			lines[id] = nil
		}
		if line != "" {
			lines[id] = append(lines[id], line)
		}
	}
	roles := map[string][]string{}
	for _, role := range bot.SortedKeys(r.inc.Roles) {
		id := r.inc.Roles[role]
		roles[id] = append(roles[id], r.role(role))
	}
	for _, ev := range r.in.Events {
		if !isPerson(ev.Actor) {
			continue
		}
		at, d := r.when(ev.At), ev.Data
		switch ev.Kind {
		case "step_done", "step_skipped":
			num, title := d["step"], d["title"]
			if st, ok := r.step(d["id"], d["step"]); ok {
				num, title = strconv.Itoa(st.Number), st.Title.In(r.lang())
			}
			if ev.Kind == "step_done" {
				line := r.T("people.done", at, num, title)
				if d["note"] != "" {
					line += r.T("with.note", d["note"])
				}
				add(ev.Actor, line)
			} else {
				add(ev.Actor, r.T("people.skip", at, num, title)+r.T("with.reason", firstOf(d["note"], r.T("step.no_reason"))))
			}
		case "note":
			add(ev.Actor, r.T("people.note", at, d["text"]))
		default:
			add(ev.Actor, r.T("people.act", at, r.eventText(ev)))
		}
	}
	for _, role := range bot.SortedKeys(r.inc.Roles) {
		if id := r.inc.Roles[role]; isPerson(id) {
			add(id, "")
		}
	}
	out := make([]sec, 0, len(order))
	for _, id := range order {
		s := sec{Title: r.name(id)}
		if rs := roles[id]; len(rs) > 0 {
			s.Lines = append(s.Lines, r.T("people.role", strings.Join(rs, ", ")))
		}
		s.Lines = append(s.Lines, lines[id]...)
		out = append(out, s)
	}
	return out
}

// pageSecs describes each page: who was paged at which level and when, and
// who acknowledged after how long.
func (r *rep) pageSecs() []sec {
	out := make([]sec, 0, len(r.pages))
	for _, p := range r.pages {
		var s sec
		if p.policy != "" {
			s.Title = r.T("page.head", p.n, p.policy, r.whenOr(p.started))
		} else {
			s.Title = r.T("page.head_adhoc", p.n, firstOf(p.target, "—"), r.whenOr(p.started))
		}
		ackLevel := ""
		for _, l := range p.levels {
			who := r.names(l.people)
			for _, c := range l.chats {
				who = append(who, r.T("page.chat", c))
			}
			list := strings.Join(who, ", ")
			if list == "" {
				list = r.T("page.nobody")
			}
			s.Lines = append(s.Lines, r.T("page.level", r.when(l.at), l.level, l.round, list))
			if p.ackAt.IsZero() || !l.at.After(p.ackAt) {
				ackLevel = l.level
			}
		}
		if p.reason != "" {
			s.Lines = append(s.Lines, r.T("page.reason", p.reason))
		}
		switch {
		case p.ackBy != "":
			s.Lines = append(s.Lines, r.T("page.acked", r.name(p.ackBy), r.when(p.ackAt), r.durText(p.ackAfter), firstOf(ackLevel, "—")))
		case p.expired || p.status == bot.PageExpired:
			s.Lines = append(s.Lines, r.T("page.expired"))
		case p.status == bot.PageCancelled:
			s.Lines = append(s.Lines, r.T("page.cancelled"))
		case p.status == bot.PageSent:
			s.Lines = append(s.Lines, r.T("page.waiting"))
		}
		out = append(out, s)
	}
	return out
}
