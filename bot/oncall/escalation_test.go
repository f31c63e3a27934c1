package oncall

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPolicyStepsRoundsAndDeadlines(t *testing.T) {
	p := Policy{ID: "security", Repeat: 1, Levels: []Level{
		{Targets: []string{"roster:soc"}, After: "5m"},
		{Targets: []string{"person:lead"}, After: "10m"},
	}}
	at := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		step, level, round int
		last               bool
		due                time.Duration
	}{
		{0, 0, 1, false, 5 * time.Minute},
		{1, 1, 1, false, 10 * time.Minute},
		{2, 0, 2, false, 5 * time.Minute},
		{3, 1, 2, true, 10 * time.Minute},
	}
	for _, tt := range tests {
		if got := p.LevelAt(tt.step); got != tt.level {
			t.Errorf("LevelAt(%d) = %d, want %d", tt.step, got, tt.level)
		}
		if got := p.Round(tt.step); got != tt.round {
			t.Errorf("Round(%d) = %d, want %d", tt.step, got, tt.round)
		}
		if got := p.Last(tt.step); got != tt.last {
			t.Errorf("Last(%d) = %v, want %v", tt.step, got, tt.last)
		}
		if got := p.DueAt(tt.step, at); !got.Equal(at.Add(tt.due)) {
			t.Errorf("DueAt(%d) = %v, want %v", tt.step, got, at.Add(tt.due))
		}
	}
	if got := (Policy{}).Round(0); got != 1 {
		t.Errorf("a policy without levels: Round(0) = %d, want 1", got)
	}
}

func TestAdHocAndFind(t *testing.T) {
	p := AdHoc("person:an")
	if p.Steps() != 1+AdHocRepeat || p.Levels[0].Targets[0] != "person:an" || p.Delay(0) != DefaultLevelDelay {
		t.Fatalf("AdHoc = %+v", p)
	}
	list := []Policy{{ID: "ops"}, {ID: "security"}}
	if got, ok := Find(list, "security"); !ok || got.ID != "security" {
		t.Errorf("Find(security) = %+v, %v", got, ok)
	}
	if _, ok := Find(list, "nope"); ok {
		t.Error("Find(nope) found a policy")
	}
}

func TestWaiting(t *testing.T) {
	all := Policy{AllMustAck: true}
	tests := []struct {
		name           string
		p              Policy
		targets, acked []string
		want           []string
	}{
		{"first ack is enough", Policy{}, []string{"an", "binh"}, nil, nil},
		{"all must, none yet", all, []string{"an", "binh"}, nil, []string{"an", "binh"}},
		{"all must, one did", all, []string{"an", "binh"}, []string{"binh"}, []string{"an"}},
		{"all must, all did", all, []string{"an", "binh"}, []string{"binh", "an"}, nil},
		{"all must, one paged", all, []string{"an"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Waiting(tt.targets, tt.acked); !slices.Equal(got, tt.want) {
				t.Errorf("Waiting = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLevelResolve(t *testing.T) {
	at := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	duty := map[string]string{"soc": "an", "noc": "binh"}
	onDuty := func(roster string, when time.Time) (string, bool) {
		if !when.Equal(at) {
			t.Errorf("asked about %v, want %v", when, at)
		}
		id, ok := duty[roster]
		return id, ok
	}
	l := Level{Targets: []string{"roster:soc", "person:an", "person:cuong", "roster:empty", "chat:leaders", "bogus", "roster:noc"}}
	people, chats := l.Resolve(at, onDuty)
	if got := strings.Join(people, ","); got != "an,cuong,binh" {
		t.Errorf("people = %s, want an,cuong,binh (each once, in target order)", got)
	}
	if got := strings.Join(chats, ","); got != "leaders" {
		t.Errorf("chats = %s, want leaders", got)
	}
}
