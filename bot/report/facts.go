package report

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/playbook"
)

// rep is one report being made: the input, the language, and what was
// derived from the timeline. It lives for one call.
type rep struct {
	tr
	in  Input
	loc *time.Location
	inc *bot.Incident
	pb  *playbook.Playbook // nil when the playbook is not loaded

	steps   []stepRec  // step_done / step_skipped, in timeline order
	pages   []*pageRec // in page order
	resolve string     // summary of the last resolve
	alert   string     // title of the first alert, for alert-opened incidents
	route   string     // route of the declaring alerts
}

// stepRec is a step someone did or skipped.
type stepRec struct {
	at      time.Time
	by      string
	num     string
	id      string
	title   string // in the report's language when the playbook knows it
	titles  []string
	note    string
	skipped bool
}

// pageLevel is one level of a page being paged.
type pageLevel struct {
	at            time.Time
	level, round  string
	people, chats []string
}

// pageRec is the history of one page: who was paged when, and how it ended.
type pageRec struct {
	n        string
	policy   string
	target   string
	reason   string
	started  time.Time
	levels   []pageLevel
	ackBy    string
	ackAt    time.Time
	ackAfter string
	expired  bool
	status   string // from the incident snapshot
}

// newRep prepares a report of in.
func newRep(in Input) *rep {
	r := &rep{tr: newTr(in.Lang), in: in, inc: in.Incident, pb: in.Playbook, loc: in.Location}
	if r.inc == nil {
		r.inc = &bot.Incident{}
	}
	if r.loc == nil {
		r.loc = time.FixedZone("ICT", 7*3600) // Việt Nam, no daylight saving
	}
	r.derive()
	return r
}

// lang returns the report's language code.
func (r *rep) lang() string { return langCodes()[r.l] }

// derive walks the timeline once and collects what the sections need.
func (r *rep) derive() {
	byN := map[string]*pageRec{}
	page := func(n string) *pageRec {
		if p, ok := byN[n]; ok {
			return p
		}
		p := &pageRec{n: n}
		byN[n] = p
		r.pages = append(r.pages, p)
		return p
	}
	for _, ev := range r.in.Events {
		d := ev.Data
		switch ev.Kind {
		case bot.EvDeclared:
			r.route = d["route"]
		case bot.EvAlert:
			if r.alert == "" && d["status"] == bot.AlertFiring {
				r.alert = d["title"]
			}
		case bot.EvStepDone, bot.EvStepSkipped:
			s := stepRec{at: ev.At, by: ev.Actor, num: d["step"], id: d["id"], title: d["title"], titles: []string{d["title"]},
				note: d["note"], skipped: ev.Kind == bot.EvStepSkipped}
			if st, ok := r.step(d["id"], d["step"]); ok {
				s.num, s.title = strconv.Itoa(st.Number), st.Title.In(r.lang())
				s.titles = append(s.titles, st.Title["vi"], st.Title["en"])
			}
			r.steps = append(r.steps, s)
		case bot.EvResolved:
			r.resolve = d["summary"]
		case bot.EvReopened:
			r.resolve = ""
		case bot.EvPageSent, bot.EvPageEscalated:
			p := page(d["page"])
			if ev.Kind == bot.EvPageSent || p.started.IsZero() {
				p.started = ev.At
			}
			if d["policy"] != "" {
				p.policy = d["policy"]
			}
			if d["reason"] != "" {
				p.reason = d["reason"]
			}
			p.levels = append(p.levels, pageLevel{at: ev.At, level: d["level"], round: d["round"],
				people: splitList(d["people"]), chats: splitList(d["chats"])})
		case bot.EvPageAck:
			p := page(d["page"])
			p.ackBy, p.ackAt, p.ackAfter = ev.Actor, ev.At, d["after"]
		case bot.EvPageExpired:
			page(d["page"]).expired = true
		}
	}
	for _, sp := range r.inc.Pages {
		p := page(strconv.Itoa(sp.N))
		p.status, p.target = sp.Status, sp.Target
		if p.policy == "" {
			p.policy = sp.Policy
		}
		if p.reason == "" {
			p.reason = sp.Reason
		}
		if p.started.IsZero() {
			p.started = sp.Started
		}
		if p.ackBy == "" && sp.AckBy != "" {
			p.ackBy, p.ackAt = sp.AckBy, sp.AckAt
			p.ackAfter = sp.AckAt.Sub(sp.Started).Round(time.Second).String()
		}
	}
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// step finds a playbook step by id, else by number.
func (r *rep) step(id, num string) (playbook.Step, bool) {
	if r.pb == nil {
		return playbook.Step{}, false
	}
	if id != "" {
		for _, s := range r.pb.Steps() {
			if s.ID == id {
				return s, true
			}
		}
	}
	if n, err := strconv.Atoi(num); err == nil {
		return r.pb.Step(n)
	}
	return playbook.Step{}, false
}

// field returns a field set by hand, trimmed.
func (r *rep) field(name string) string { return strings.TrimSpace(r.inc.Fields[name]) }

// when shows a time as dd/mm/yyyy HH:MM in the report's zone; "" for none.
func (r *rep) when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(r.loc).Format("02/01/2006 15:04")
}

// whenOr is when, with "—" for no time.
func (r *rep) whenOr(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return r.when(t)
}

// dur shows a duration the way people say it: 45 giây / 45s, 12 phút,
// 7 phút 30 giây, 2 giờ 05 phút, 3 ngày 4 giờ.
func (r *rep) dur(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d.Round(time.Second) / time.Second)
	word := func(n int64, unit string) string {
		w := r.T("unit." + unit)
		if r.l == langEN && n != 1 {
			w += "s"
		}
		return strconv.FormatInt(n, 10) + " " + w
	}
	if s < 60 {
		return word(s, "second")
	}
	units := []struct {
		n    int64
		unit string
	}{{s / 86400, "day"}, {s / 3600 % 24, "hour"}, {s / 60 % 60, "minute"}, {s % 60, "second"}}
	i := 0
	for units[i].n == 0 {
		i++
	}
	out := word(units[i].n, units[i].unit)
	if i+1 < len(units) && units[i+1].n > 0 {
		out += " " + word(units[i+1].n, units[i+1].unit)
	}
	return out
}

// durText shows a recorded duration ("5m0s"), or the text as it is when it
// does not parse.
func (r *rep) durText(s string) string {
	d, err := time.ParseDuration(s)
	if err != nil {
		return s
	}
	return r.dur(d)
}

// isPerson reports whether an actor is a person (not the bot, not alerts).
func isPerson(id string) bool {
	return id != "" && id != "irbot" && id != "bot" && !strings.HasPrefix(id, "alert:")
}

// name shows an actor or person: the directory name, else the id; the bot
// as "irbot"; "alert:x" as "cảnh báo x" / "alert x".
func (r *rep) name(id string) string {
	switch {
	case id == "":
		return "—"
	case id == "irbot" || id == "bot":
		return "irbot"
	case strings.HasPrefix(id, "alert:"):
		return r.T("actor.alert", strings.TrimPrefix(id, "alert:"))
	}
	if r.in.PersonName != nil {
		if n := r.in.PersonName(id); n != "" {
			return n
		}
	}
	return id
}

// names shows a list of person ids.
func (r *rep) names(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, r.name(id))
	}
	return out
}

// role names a role in the report's language.
func (r *rep) role(role string) string {
	if r.has("role." + role) {
		return r.T("role." + role)
	}
	return strings.ReplaceAll(role, "_", " ")
}

// category names a playbook category in the report's language.
func (r *rep) category() string {
	c := r.inc.Category
	if c == "" && r.pb != nil {
		c = r.pb.Category
	}
	if r.has("cat." + c) {
		return r.T("cat." + c)
	}
	return c
}

// playbookName is the playbook's name in the report's language, with its
// id when the name does not already say it.
func (r *rep) playbookName() string {
	if r.pb == nil {
		return r.inc.Playbook
	}
	n := r.pb.Name.In(r.lang())
	switch {
	case n == "":
		return r.pb.ID
	case strings.Contains(strings.ToLower(n), strings.ToLower(r.pb.ID)):
		return n
	}
	return n + " (" + r.pb.ID + ")"
}

// severity shows SEV1..SEV4.
func (r *rep) severity() string {
	if r.inc.Severity == 0 {
		return ""
	}
	return "SEV" + strconv.Itoa(r.inc.Severity)
}

// stateName names the incident's state: its phase ("giai đoạn 2/5: Ngăn
// chặn") or lifecycle state.
func (r *rep) stateName() string {
	st := r.inc.State
	if r.pb != nil {
		if i := r.pb.PhaseIndex(st); i >= 0 {
			return r.T("state.phase", i+1, len(r.pb.Phases), r.pb.Phases[i].Name.In(r.lang()))
		}
	}
	if r.has("state." + st) {
		return r.T("state." + st)
	}
	return st
}

// phaseName names a phase or a lifecycle state.
func (r *rep) phaseName(id string) string {
	if r.pb != nil {
		if i := r.pb.PhaseIndex(id); i >= 0 {
			return r.pb.Phases[i].Name.In(r.lang())
		}
	}
	if r.has("state." + id) {
		return r.T("state." + id)
	}
	return id
}

// systemID is the affected system's id, from configuration, the incident or
// a field set by hand.
func (r *rep) systemID() string {
	switch {
	case r.in.System != nil && r.in.System.ID != "":
		return r.in.System.ID
	case r.inc.System != "":
		return r.inc.System
	}
	return r.field(FieldSystem)
}

// systemName names the affected system: its configured name, else its id.
func (r *rep) systemName() string {
	if r.in.System != nil {
		if n := r.in.System.Name.In(r.lang()); n != "" {
			return n
		}
	}
	return r.systemID()
}

// systemLabel names system id by its configured name, else the id.
func (r *rep) systemLabel(id string) string {
	if r.in.System != nil && r.in.System.ID == id {
		if n := r.in.System.Name.In(r.lang()); n != "" {
			return n
		}
	}
	for _, s := range r.in.Systems {
		if s.ID == id {
			if n := s.Name.In(r.lang()); n != "" {
				return n
			}
		}
	}
	return id
}

// level is the affected system's security level (cấp độ), 0 when unknown.
func (r *rep) level() int {
	if r.inc.Level > 0 {
		return r.inc.Level
	}
	if r.in.System != nil {
		return r.in.System.Level
	}
	return 0
}

// howDetected says how the incident was detected: the field set by hand,
// else what the timeline holds (the alert route, or who declared it).
func (r *rep) howDetected() string {
	if v := r.field(FieldHowDetected); v != "" {
		return v
	}
	by := r.inc.CreatedBy
	switch {
	case strings.HasPrefix(by, "alert:"):
		route := strings.TrimPrefix(by, "alert:")
		if route == "" {
			route = r.route
		}
		if r.alert != "" {
			return r.T("how.alert_title", r.alert, route)
		}
		return r.T("how.alert", route)
	case isPerson(by):
		return r.T("how.person", r.name(by))
	}
	return ""
}

// result is the result of the response: set by hand, else the summary given
// when the incident was resolved.
func (r *rep) result() string {
	if v := r.field(FieldResult); v != "" {
		return v
	}
	if !r.inc.Resolved.IsZero() || r.inc.State == bot.StateResolved || r.inc.State == bot.StateClosed {
		return strings.TrimSpace(r.resolve)
	}
	return ""
}

// notifyKinds are whom a step's title says it informs, by catalogue key and
// the (lower-case) words that say so in either language.
func notifyKinds() []struct {
	key   string
	words []string
} {
	return []struct {
		key   string
		words []string
	}{
		{"notify.police", []string{"công an", "pa05", "police"}},
		{"notify.authority", []string{"đơn vị chuyên trách", "incident-response authority", "provincial authority", "it authority", "vncert", "cục an toàn thông tin"}},
		{"notify.leader", []string{"lãnh đạo", "leader"}},
		{"notify.public", []string{"người dân", "citizens"}},
	}
}

// notified lists who has been told, from the timeline: each person and chat
// paged (first time, and level), each done step whose title says it informs
// the police, the authority, the leadership or the public, and what was set
// by hand.
func (r *rep) notified() []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range r.pages {
		for _, l := range p.levels {
			who := r.names(l.people)
			for _, c := range l.chats {
				who = append(who, r.T("page.chat", c))
			}
			for _, w := range who {
				if !seen[w] {
					seen[w] = true
					out = append(out, r.T("notify.page", w, r.when(l.at), l.level))
				}
			}
		}
	}
	for _, s := range r.steps {
		if s.skipped {
			continue
		}
		text := strings.ToLower(strings.Join(s.titles, " \n "))
		var whom []string
		for _, k := range notifyKinds() {
			for _, w := range k.words {
				if strings.Contains(text, w) {
					whom = append(whom, r.T(k.key))
					break
				}
			}
		}
		if len(whom) > 0 {
			out = append(out, r.T("notify.step", strings.Join(whom, "; "), s.num, s.title, r.when(s.at), r.name(s.by)))
		}
	}
	if v := r.field(FieldNotified); v != "" {
		out = append(out, v)
	}
	return out
}

// lastHash is the hash of the last event (the incident's record of it when
// the timeline is empty).
func (r *rep) lastHash() string {
	if n := len(r.in.Events); n > 0 {
		return r.in.Events[n-1].Hash
	}
	return r.inc.LastHash
}

// chainLine is "Timeline: N events, last hash H".
func (r *rep) chainLine() string { return r.T("chain.line", len(r.in.Events), r.lastHash()) }

// chainProblem checks the timeline's hash chain and that it ends where the
// incident says it does. It returns "" when intact.
func (r *rep) chainProblem() string {
	evs := r.in.Events
	if len(evs) == 0 {
		return r.T("chain.empty")
	}
	if err := bot.Verify(evs); err != nil {
		var be *bot.BrokenError
		if errors.As(err, &be) {
			return r.T("chain.broken", be.Seq)
		}
		return r.T("chain.broken", 0)
	}
	if r.inc.Seq != 0 && r.inc.Seq != int64(len(evs)) {
		return r.T("chain.count", r.inc.Seq, len(evs))
	}
	if r.inc.LastHash != "" && evs[len(evs)-1].Hash != r.inc.LastHash {
		return r.T("chain.tail")
	}
	return ""
}

// openSteps returns the playbook's steps nobody did or skipped, required
// ones first.
func (r *rep) openSteps() (required, optional []playbook.Step) {
	if r.pb == nil {
		return nil, nil
	}
	for _, s := range r.pb.Steps() {
		if _, ok := r.inc.Steps[s.ID]; ok {
			continue
		}
		if s.Required {
			required = append(required, s)
		} else {
			optional = append(optional, s)
		}
	}
	return required, optional
}

// durations from the declaration; ok false when the moment is not reached.
func (r *rep) since(t time.Time) (time.Duration, bool) {
	if t.IsZero() || r.inc.Declared.IsZero() {
		return 0, false
	}
	return t.Sub(r.inc.Declared), true
}
