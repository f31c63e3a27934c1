package report

import (
	"strings"
)

// Form names accepted by Missing.
const (
	FormInitial = "vi03" // Mẫu 03: báo cáo ban đầu sự cố
	FormClosing = "vi04" // Mẫu 04: báo cáo kết thúc ứng cứu sự cố
)

// Names of blanks that are not /set fields: configuration, and moments
// only a command can record.
const (
	MissingRecipients = "recipients"      // configuration: who the reports go to
	MissingReferences = "references"      // configuration: legal references
	MissingOrgUnit    = "org.unit"        // configuration
	MissingOrgAddress = "org.address"     // configuration
	MissingOrgContact = "org.contact"     // configuration
	MissingOrgPhone   = "org.phone"       // configuration
	MissingOrgEmail   = "org.email"       // configuration
	MissingSysName    = "system.name"     // configuration of the system
	MissingSysOwner   = "system.owner"    // configuration of the system
	MissingSysOper    = "system.operator" // configuration of the system
	MissingSysLevel   = "system.level"    // configuration of the system
	MissingResolved   = "resolved"        // filled by /resolve
	MissingClosed     = "closed"          // filled by /close
)

// Form03 is the initial incident report in the layout of Mẫu 03 (báo cáo
// ban đầu sự cố) of Circular 20/2017/TT-BTTTT, as plain text that reads
// the same in a chat and as a Markdown file. missing lists the fields that
// could not be filled and were left blank: /set field names (description,
// cause, …), configuration names (org.unit, recipients, system.level, …).
// The text ends with how to fill each.
func Form03(in Input) (text string, missing []string) { return newRep(in).form(3) }

// Form04 is the closing report in the layout of Mẫu 04 (báo cáo kết thúc
// ứng cứu sự cố) of Circular 20/2017/TT-BTTTT: Form03's content plus when
// the incident was resolved and closed, how long the response took, and
// the follow-ups. missing is as for Form03; "resolved" and "closed" are
// filled by /resolve and /close.
func Form04(in Input) (text string, missing []string) { return newRep(in).form(4) }

// Missing lists, for a form ("vi03" or "vi04"; "03" and "04" work too),
// the fields still blank, in form order. An unknown form has none.
func Missing(in Input, form string) []string {
	switch strings.ToLower(strings.TrimSpace(form)) {
	case FormInitial, "03", "3":
		_, m := Form03(in)
		return m
	case FormClosing, "04", "4":
		_, m := Form04(in)
		return m
	}
	return nil
}

// formWriter writes a form and collects its blanks.
type formWriter struct {
	b       strings.Builder
	missing []string
}

func (f *formWriter) w(s ...string) {
	for _, x := range s {
		f.b.WriteString(x)
	}
}

// miss records a blank field once.
func (f *formWriter) miss(name string) {
	for _, m := range f.missing {
		if m == name {
			return
		}
	}
	f.missing = append(f.missing, name)
}

// value returns v, or the blank line (recording name as missing).
func (f *formWriter) value(v, name string) string {
	if strings.TrimSpace(v) == "" {
		f.miss(name)
		return blank
	}
	return v
}

// line writes "- label: value".
func (f *formWriter) line(label, v, name string) { f.w("- ", label, ": ", f.value(v, name), "\n") }

// para writes a heading and a value on its own line.
func (f *formWriter) para(heading, v, name string) { f.w("\n", heading, "\n", f.value(v, name), "\n") }

// form writes Mẫu 03 (n = 3) or Mẫu 04 (n = 4).
func (r *rep) form(n int) (string, []string) {
	f := &formWriter{}
	inc := r.inc
	code, title := "form03.code", "form03.title"
	if n == 4 {
		code, title = "form04.code", "form04.title"
	}
	f.w(r.T("form.nation"), "\n", r.T("form.motto"), "\n\n", r.T(code), "\n\n", r.T(title), "\n", r.T("form.incident", inc.Ref()), "\n\n")

	switch len(r.in.Recipients) {
	case 0:
		f.w(r.T("form.to"), " ", f.value("", MissingRecipients), "\n")
	case 1:
		f.w(r.T("form.to"), " ", r.in.Recipients[0], "\n")
	default:
		f.w(r.T("form.to"), "\n")
		for _, x := range r.in.Recipients {
			f.w("- ", x, "\n")
		}
	}
	f.w("\n")
	if len(r.in.References) == 0 {
		f.w(r.T("form.basis", f.value("", MissingReferences)), "\n")
	}
	for _, x := range r.in.References {
		f.w(r.T("form.basis", x), "\n")
	}

	o := r.in.Org
	f.w("\n", r.T("form.s1"), "\n")
	f.line(r.T("form.unit"), o.Unit, MissingOrgUnit)
	f.line(r.T("form.address"), o.Address, MissingOrgAddress)
	f.line(r.T("form.contact"), o.Contact, MissingOrgContact)
	f.line(r.T("form.phone"), o.Phone, MissingOrgPhone)
	f.line(r.T("form.email"), o.Email, MissingOrgEmail)

	f.w("\n", r.T("form.s2"), "\n")
	level := ""
	if lv := r.level(); lv > 0 {
		level = r.T("level", lv)
	}
	if sys := r.in.System; sys != nil {
		f.line(r.T("form.sys"), r.systemName(), MissingSysName)
		f.line(r.T("form.owner"), sys.Owner, MissingSysOwner)
		f.line(r.T("form.operator"), sys.Operator, MissingSysOper)
		f.line(r.T("form.level"), level, MissingSysLevel)
	} else {
		// No configured system: /set system <id> fills all four.
		f.line(r.T("form.sys"), r.systemID(), FieldSystem)
		f.line(r.T("form.owner"), "", FieldSystem)
		f.line(r.T("form.operator"), "", FieldSystem)
		f.line(r.T("form.level"), level, FieldSystem)
	}

	f.w("\n", r.T("form.s3"), "\n")
	f.line(r.T("form.title"), inc.Title, "title")
	f.line(r.T("form.desc"), r.field(FieldDescription), FieldDescription)
	f.line(r.T("form.impact"), r.field(FieldImpact), FieldImpact)
	f.line(r.T("form.detected"), r.when(inc.Detected), "detected")
	f.line(r.T("form.how"), r.howDetected(), FieldHowDetected)
	f.line(r.T("form.category"), r.category(), "playbook.category")
	f.line(r.T("form.severity"), r.severity(), "severity")
	if n == 4 {
		f.line(r.T("form.resolved"), r.when(inc.Resolved), MissingResolved)
		f.line(r.T("form.closed"), r.when(inc.Closed), MissingClosed)
		total := ""
		if d, ok := r.since(inc.Resolved); ok {
			total = r.dur(d)
		}
		f.line(r.T("form.duration"), total, MissingResolved)
	}

	f.para(r.T("form.s4"), r.stateName(), "state")

	f.w("\n", r.T("form.s5"), "\n")
	if told := r.notified(); len(told) > 0 {
		for _, x := range told {
			f.w("- ", x, "\n")
		}
	} else {
		f.w(f.value("", FieldNotified), "\n")
	}

	f.w("\n", r.T("form.s6"), "\n")
	if len(r.steps) == 0 {
		f.w("- ", r.T("step.none"), "\n")
	}
	for _, s := range r.steps {
		if s.skipped {
			f.w("- ", r.T("step.skip_at", s.num, s.title, r.when(s.at), r.name(s.by)), "\n")
			f.w("  ", r.T("step.reason", firstOf(strings.TrimSpace(s.note), r.T("step.no_reason"))), "\n")
			continue
		}
		f.w("- ", r.T("step.done_at", s.num, s.title, r.when(s.at), r.name(s.by)), "\n")
		if s.note != "" {
			f.w("  ", r.T("step.note", s.note), "\n")
		}
	}
	f.w(r.T("form.result"), ": ", f.value(r.result(), FieldResult), "\n")

	f.para(r.T("form.s7"), r.field(FieldCause), FieldCause)
	f.para(r.T("form.s8"), r.field(FieldSupport), FieldSupport)
	if n == 4 {
		f.para(r.T("form.s9"), r.field(FieldFollowUps), FieldFollowUps)
	}

	at := r.when(r.in.Now)
	if at == "" {
		at = blank
	}
	f.w("\n", r.T("form.at", at), "\n", r.chainLine(), "\n")
	if p := r.chainProblem(); p != "" {
		f.w(p, "\n")
	}
	if len(f.missing) > 0 {
		f.w("\n", r.T("form.missing", len(f.missing)), "\n")
		for _, m := range f.missing {
			f.w("- ", r.fillHint(m), "\n")
		}
	}
	return f.b.String(), f.missing
}

// fillHint says how to fill a blank: the /set command, the command that
// records the moment, or the configuration entry.
func (r *rep) fillHint(name string) string {
	for _, s := range SettableFields() {
		if s == name {
			return r.T("form.set", name)
		}
	}
	switch name {
	case MissingResolved:
		return r.T("hint.resolv")
	case MissingClosed:
		return r.T("hint.close")
	}
	return r.T("hint.config", name)
}
