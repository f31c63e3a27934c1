package report

import (
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
)

// EventText says what a timeline event recorded, in lang. It is the one
// wording of events: the /timeline command, the summaries and every report
// use it. From in it reads the playbook (step titles), PersonName and the
// configured Systems (names of what the event refers to by id).
func EventText(ev bot.Event, lang string, in Input) string {
	r := &rep{tr: newTr(lang), in: in, inc: &bot.Incident{}, pb: in.Playbook, loc: time.FixedZone("ICT", 7*3600)}
	return r.eventText(ev)
}

// Actor names who recorded an event in lang: a person by name (personName,
// nil = the id), the bot as "irbot", an alert route as "cảnh báo x" /
// "alert x".
func Actor(id, lang string, personName func(id string) string) string {
	r := &rep{tr: newTr(lang), in: Input{PersonName: personName}}
	return r.name(id)
}

// eventText says what a timeline event recorded, in the report's language.
// Raw alert payloads are left to the JSON report.
func (r *rep) eventText(ev bot.Event) string {
	d := ev.Data
	reason := func(s string) string {
		if s = strings.TrimSpace(s); s == "" {
			return ""
		}
		return r.T("ev.reason", s)
	}
	stepTitle := func() (string, string) {
		if st, ok := r.step(d["id"], d["step"]); ok {
			return d["step"], st.Title.In(r.lang())
		}
		return d["step"], d["title"]
	}
	switch ev.Kind {
	case bot.EvDeclared:
		if d["route"] != "" || strings.HasPrefix(ev.Actor, "alert:") {
			return r.T("ev.declared_alert", firstOf(d["route"], strings.TrimPrefix(ev.Actor, "alert:")), d["title"], r.pbLabel(d["playbook"]), d["severity"])
		}
		return r.T("ev.declared", d["title"], r.pbLabel(d["playbook"]), d["severity"])
	case bot.EvAck:
		return r.T("ev.ack", r.durText(d["after"]))
	case bot.EvPhase:
		return r.T("ev.phase", r.phaseName(d["to"]))
	case bot.EvStepDone:
		n, t := stepTitle()
		s := r.T("ev.step_done", n, t)
		if d["note"] != "" {
			s += r.T("with.note", d["note"])
		}
		return s
	case bot.EvStepSkipped:
		n, t := stepTitle()
		return r.T("ev.step_skipped", n, t) + reason(d["note"])
	case bot.EvNote:
		return r.T("ev.note", d["text"])
	case bot.EvSeverity:
		return r.T("ev.severity", d["from"], d["to"]) + reason(d["reason"])
	case bot.EvAssign:
		return r.T("ev.assign", r.role(d["role"]), r.name(d["person"]))
	case bot.EvResolved:
		s := r.T("ev.resolved", r.durText(d["duration"]))
		if d["summary"] != "" {
			s += r.T("ev.summary", d["summary"])
		}
		return s
	case bot.EvClosed:
		return r.T("ev.closed")
	case bot.EvReopened:
		return r.T("ev.reopened") + reason(d["reason"])
	case bot.EvCancelled:
		return r.T("ev.cancelled") + reason(d["reason"])
	case bot.EvVerified:
		return r.T("ev.verified", d["events"])
	case bot.EvStepOverdue:
		n, t := stepTitle()
		return r.T("ev.step_overdue", n, t)
	case bot.EvStepEscalated:
		return r.T("ev.step_escalated", d["step"])
	case bot.EvPageSent, bot.EvPageEscalated:
		who := r.names(splitList(d["people"]))
		for _, c := range splitList(d["chats"]) {
			who = append(who, r.T("page.chat", c))
		}
		list := strings.Join(who, ", ")
		if list == "" {
			list = r.T("page.nobody")
		}
		if ev.Kind == bot.EvPageSent {
			return r.T("ev.page_sent", d["page"], d["level"], list) + reason(d["reason"])
		}
		return r.T("ev.page_escalated", d["level"], d["page"], d["round"], list) + reason(d["reason"])
	case bot.EvPageAck:
		return r.T("ev.page_ack", d["page"], r.durText(d["after"]))
	case bot.EvPageAckPartial:
		return r.T("ev.page_partial", d["page"], strings.Join(r.names(splitList(d["waiting"])), ", "))
	case bot.EvPageExpired:
		return r.T("ev.page_expired", d["page"])
	case bot.EvPageFailed:
		return r.T("ev.page_failed", d["page"], d["error"])
	case bot.EvAlert, bot.EvAlertRepeat:
		st := d["status"]
		if r.has("alert." + st) {
			st = r.T("alert." + st)
		}
		return r.T("ev."+string(ev.Kind), st, d["title"])
	case bot.EvDeliveryFailed:
		return r.T("ev.delivery", d["chat"], d["error"])
	case bot.EvFieldSet:
		v := d["value"]
		if d["field"] == FieldSystem {
			v = r.systemLabel(v)
		}
		return r.T("ev.field_set", r.fieldName(d["field"]), v)
	case bot.EvReportSent:
		return r.T("ev.report_sent", r.formName(d["format"]))
	case bot.EvChatJoined:
		return r.T("ev.chat_joined")
	case bot.EvPageHeld:
		return r.T("ev.page_held", d["page"])
	case bot.EvPageUndelivered:
		return r.T("ev.page_undelivered", r.name(d["person"]))
	case bot.EvSnoozed:
		return r.T("ev.snoozed") + reason(d["reason"])
	case bot.EvSnoozeEnded:
		return r.T("ev.snooze_ended")
	}
	keys := bot.SortedKeys(d)
	parts := make([]string, 0, len(keys)+1)
	parts = append(parts, string(ev.Kind))
	for _, k := range keys {
		if k != "raw" {
			parts = append(parts, k+"="+d[k])
		}
	}
	return strings.Join(parts, " ")
}

// formName names a report format: the forms by their names, others as is.
func (r *rep) formName(f string) string {
	if r.has("form." + f) {
		return r.T("form." + f)
	}
	return f
}

// fieldName names a settable field in the report's language.
func (r *rep) fieldName(f string) string {
	if r.has("field." + f) {
		return r.T("field." + f)
	}
	return f
}

// pbLabel names a playbook id: the loaded playbook's name when it is that
// one, else the id.
func (r *rep) pbLabel(id string) string {
	if r.pb != nil && r.pb.ID == id {
		if n := r.pb.Name.In(r.lang()); n != "" {
			return n
		}
	}
	return id
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
