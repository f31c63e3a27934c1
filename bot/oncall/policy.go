package oncall

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Target kinds in an escalation level: "roster:<id>" pages whoever is on
// duty, "person:<id>" a person, "chat:<id>" posts in a chat.
const (
	TargetRoster = "roster"
	TargetPerson = "person"
	TargetChat   = "chat"
)

// Policy is an escalation policy: ordered levels, each paged in turn until
// someone acknowledges, the whole list repeated Repeat more times.
type Policy struct {
	ID         string  `yaml:"id"`
	Repeat     int     `yaml:"repeat"`       // extra rounds after the first; 0 = one round
	AllMustAck bool    `yaml:"all_must_ack"` // every person paged at a level must acknowledge
	Levels     []Level `yaml:"levels"`
}

// Level is one step of a policy: page Targets, wait After, then escalate.
type Level struct {
	Targets []string `yaml:"targets"`
	After   string   `yaml:"after"` // e.g. "5m"; "" = 5m
}

// DefaultLevelDelay is a level's wait when After is empty.
const DefaultLevelDelay = 5 * time.Minute

// Target is a parsed level target.
type Target struct {
	Kind, ID string
}

// ParseTarget parses "roster:id", "person:id" or "chat:id".
func ParseTarget(s string) (Target, error) {
	kind, id, ok := strings.Cut(s, ":")
	if !ok || id == "" {
		return Target{}, fmt.Errorf("target %q: use roster:<id>, person:<id> or chat:<id>", s)
	}
	switch kind {
	case TargetRoster, TargetPerson, TargetChat:
		return Target{Kind: kind, ID: id}, nil
	}
	return Target{}, fmt.Errorf("target %q: unknown kind %q (use roster, person or chat)", s, kind)
}

// Delay returns level i's wait before escalating.
func (p Policy) Delay(i int) time.Duration {
	if i < 0 || i >= len(p.Levels) || p.Levels[i].After == "" {
		return DefaultLevelDelay
	}
	d, err := time.ParseDuration(p.Levels[i].After)
	if err != nil || d <= 0 {
		return DefaultLevelDelay
	}
	return d
}

// Steps is how many levels are paged in all, rounds included.
func (p Policy) Steps() int { return len(p.Levels) * (p.Repeat + 1) }

// LevelAt returns the level index paged at step n (0-based, rounds unrolled).
func (p Policy) LevelAt(step int) int { return step % len(p.Levels) }

// Check validates the policy against known rosters, people and chats (nil
// sets are not checked). Every problem is returned, joined.
func (p Policy) Check(rosters, people, chats map[string]bool) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("escalation %q: "+format, append([]any{p.ID}, args...)...))
	}
	if p.ID == "" {
		bad("id missing")
	}
	if len(p.Levels) == 0 {
		bad("no levels: add at least one level with targets")
	}
	if p.Repeat < 0 || p.Repeat > 20 {
		bad("repeat %d: use 0..20", p.Repeat)
	}
	for i, l := range p.Levels {
		if len(l.Targets) == 0 {
			bad("level %d has no targets", i+1)
		}
		if l.After != "" {
			if d, err := time.ParseDuration(l.After); err != nil || d <= 0 {
				bad("level %d: after %q: use a duration such as 5m or 1h", i+1, l.After)
			}
		}
		for _, s := range l.Targets {
			t, err := ParseTarget(s)
			if err != nil {
				bad("level %d: %v", i+1, err)
				continue
			}
			known := map[string]map[string]bool{TargetRoster: rosters, TargetPerson: people, TargetChat: chats}[t.Kind]
			if known != nil && !known[t.ID] {
				bad("level %d: no %s %q", i+1, t.Kind, t.ID)
			}
		}
	}
	return errors.Join(errs...)
}
