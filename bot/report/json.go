package report

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/irbot/irbot/bot"
)

// jsonReport is the machine-readable report. Times are in the report's
// zone; durations in whole seconds with the text the other reports show.
type jsonReport struct {
	Ref         string              `json:"ref"`
	Lang        string              `json:"lang"`
	GeneratedAt time.Time           `json:"generated_at,omitzero"`
	Incident    *bot.Incident       `json:"incident"`
	Playbook    *jsonPlaybook       `json:"playbook,omitempty"`
	StateName   string              `json:"state_name"`
	Category    string              `json:"category_name"`
	System      *jsonSystem         `json:"system,omitempty"`
	HowDetected string              `json:"how_detected,omitempty"`
	Result      string              `json:"result,omitempty"`
	Times       jsonTimes           `json:"times"`
	Durations   jsonDurations       `json:"durations"`
	Steps       []jsonStep          `json:"steps"`
	Pages       []jsonPage          `json:"pages"`
	Notified    []string            `json:"notified"`
	Timeline    jsonTimeline        `json:"timeline"`
	Events      []jsonEvent         `json:"events"`
	Missing     map[string][]string `json:"missing"`
}

type jsonPlaybook struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Category string `json:"category,omitempty"`
}

type jsonSystem struct {
	ID       string `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
	Owner    string `json:"owner,omitempty"`
	Operator string `json:"operator,omitempty"`
	Level    int    `json:"level,omitempty"`
}

type jsonTimes struct {
	Detected     time.Time `json:"detected,omitzero"`
	Declared     time.Time `json:"declared,omitzero"`
	Acknowledged time.Time `json:"acknowledged,omitzero"`
	Contained    time.Time `json:"contained,omitzero"`
	Resolved     time.Time `json:"resolved,omitzero"`
	Closed       time.Time `json:"closed,omitzero"`
}

type jsonDuration struct {
	Seconds int64  `json:"seconds"`
	Text    string `json:"text"`
}

// jsonDurations are measured from the declaration; null when the moment
// has not come.
type jsonDurations struct {
	TimeToAcknowledge      *jsonDuration `json:"time_to_acknowledge"`
	TimeToContain          *jsonDuration `json:"time_to_contain"`
	TimeToResolve          *jsonDuration `json:"time_to_resolve"`
	DetectionToDeclaration *jsonDuration `json:"detection_to_declaration,omitempty"`
}

type jsonStep struct {
	Number   int       `json:"number"`
	ID       string    `json:"id"`
	Phase    string    `json:"phase,omitempty"`
	Title    string    `json:"title"`
	Role     string    `json:"role,omitempty"`
	Required bool      `json:"required"`
	Status   string    `json:"status"` // open, done or skipped
	By       string    `json:"by,omitempty"`
	ByName   string    `json:"by_name,omitempty"`
	At       time.Time `json:"at,omitzero"`
	Note     string    `json:"note,omitempty"`
}

type jsonPage struct {
	N         int             `json:"n"`
	Policy    string          `json:"policy,omitempty"`
	Target    string          `json:"target,omitempty"`
	Reason    string          `json:"reason,omitempty"`
	Status    string          `json:"status,omitempty"`
	Started   time.Time       `json:"started,omitzero"`
	Levels    []jsonPageLevel `json:"levels"`
	AckBy     string          `json:"ack_by,omitempty"`
	AckByName string          `json:"ack_by_name,omitempty"`
	AckAt     time.Time       `json:"ack_at,omitzero"`
	AckAfter  *jsonDuration   `json:"ack_after,omitempty"`
}

type jsonPageLevel struct {
	At     time.Time `json:"at"`
	Level  string    `json:"level"`
	Round  string    `json:"round,omitempty"`
	People []string  `json:"people"`
	Chats  []string  `json:"chats,omitempty"`
}

type jsonTimeline struct {
	Events   int    `json:"events"`
	LastHash string `json:"last_hash"`
	Intact   bool   `json:"intact"`
	Problem  string `json:"problem,omitempty"`
}

// jsonEvent is a timeline event as recorded (so its hash can be checked),
// with the actor's name and what it says in the report's language.
type jsonEvent struct {
	bot.Event
	ActorName string `json:"actor_name"`
	Text      string `json:"text"`
}

// JSON is the machine-readable report: the incident snapshot, every
// timeline event as recorded, the derived times, durations, steps, pages
// and notifications, the timeline's check, and the fields each form still
// lacks.
func JSON(in Input) ([]byte, error) {
	r := newRep(in)
	inc := r.inc
	out := jsonReport{Ref: inc.Ref(), Lang: r.lang(), GeneratedAt: r.at(r.in.Now), Incident: inc,
		StateName: r.stateName(), Category: r.category(), HowDetected: r.howDetected(), Result: r.result(),
		Steps: []jsonStep{}, Pages: []jsonPage{}, Notified: r.notified(), Events: make([]jsonEvent, 0, len(in.Events))}
	if out.Notified == nil {
		out.Notified = []string{}
	}
	if r.pb != nil {
		out.Playbook = &jsonPlaybook{ID: r.pb.ID, Name: r.pb.Name.In(r.lang()), Category: r.pb.Category}
	}
	if id := r.systemID(); id != "" || r.in.System != nil {
		s := &jsonSystem{ID: id, Name: r.systemName(), Level: r.level()}
		if r.in.System != nil {
			s.Owner, s.Operator = r.in.System.Owner, r.in.System.Operator
		}
		out.System = s
	}
	out.Times = jsonTimes{Detected: r.at(inc.Detected), Declared: r.at(inc.Declared), Acknowledged: r.at(inc.Acknowledged),
		Contained: r.at(inc.Contained), Resolved: r.at(inc.Resolved), Closed: r.at(inc.Closed)}
	span := func(t time.Time) *jsonDuration {
		d, ok := r.since(t)
		if !ok {
			return nil
		}
		return r.jsonDur(d)
	}
	out.Durations = jsonDurations{TimeToAcknowledge: span(inc.Acknowledged), TimeToContain: span(inc.Contained), TimeToResolve: span(inc.Resolved)}
	if !inc.Detected.IsZero() && inc.Detected.Before(inc.Declared) {
		out.Durations.DetectionToDeclaration = r.jsonDur(inc.Declared.Sub(inc.Detected))
	}

	if r.pb != nil {
		for _, s := range r.pb.Steps() {
			js := jsonStep{Number: s.Number, ID: s.ID, Phase: s.Phase, Title: s.Title.In(r.lang()), Role: s.Role, Required: s.Required, Status: "open"}
			r.stepState(&js)
			out.Steps = append(out.Steps, js)
		}
	} else {
		for _, id := range bot.SortedKeys(inc.Steps) {
			js := jsonStep{ID: id, Title: id}
			r.stepState(&js)
			out.Steps = append(out.Steps, js)
		}
	}

	for _, p := range r.pages {
		n, _ := strconv.Atoi(p.n)
		jp := jsonPage{N: n, Policy: p.policy, Target: p.target, Reason: p.reason, Status: p.status, Started: r.at(p.started),
			Levels: []jsonPageLevel{}, AckBy: p.ackBy, AckAt: r.at(p.ackAt)}
		if jp.Status == "" && p.expired {
			jp.Status = bot.PageExpired
		}
		for _, l := range p.levels {
			people := l.people
			if people == nil {
				people = []string{}
			}
			jp.Levels = append(jp.Levels, jsonPageLevel{At: r.at(l.at), Level: l.level, Round: l.round, People: people, Chats: l.chats})
		}
		if p.ackBy != "" {
			jp.AckByName = r.name(p.ackBy)
			if d, err := time.ParseDuration(p.ackAfter); err == nil {
				jp.AckAfter = r.jsonDur(d)
			}
		}
		out.Pages = append(out.Pages, jp)
	}

	out.Timeline = jsonTimeline{Events: len(in.Events), LastHash: r.lastHash()}
	out.Timeline.Problem = r.chainProblem()
	out.Timeline.Intact = out.Timeline.Problem == ""
	for _, ev := range in.Events {
		out.Events = append(out.Events, jsonEvent{Event: ev, ActorName: r.name(ev.Actor), Text: r.eventText(ev)})
	}
	_, m03 := r.form(3)
	_, m04 := r.form(4)
	out.Missing = map[string][]string{FormInitial: nonNil(m03), FormClosing: nonNil(m04)}
	return json.MarshalIndent(out, "", "  ")
}

// at returns t in the report's zone (zero stays zero).
func (r *rep) at(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(r.loc)
}

func (r *rep) jsonDur(d time.Duration) *jsonDuration {
	return &jsonDuration{Seconds: int64(d.Round(time.Second) / time.Second), Text: r.dur(d)}
}

// stepState fills a step's status from the incident snapshot.
func (r *rep) stepState(js *jsonStep) {
	st, ok := r.inc.Steps[js.ID]
	if !ok {
		return
	}
	js.Status, js.By, js.ByName, js.At, js.Note = st.Status, st.By, r.name(st.By), r.at(st.At), st.Note
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
