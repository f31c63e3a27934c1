package oncall

import (
	"slices"
	"time"
)

// AdHocRepeat is how many more times an ad hoc page (one target, sent by
// hand) is sent when nobody acknowledges it.
const AdHocRepeat = 2

// AdHoc is the policy of a page sent by hand to one target ("roster:<id>"
// or "person:<id>"): that target alone, AdHocRepeat more rounds, the
// default delay.
func AdHoc(target string) Policy {
	return Policy{Levels: []Level{{Targets: []string{target}}}, Repeat: AdHocRepeat}
}

// Find returns the policy with id among policies.
func Find(policies []Policy, id string) (Policy, bool) {
	for _, p := range policies {
		if p.ID == id {
			return p, true
		}
	}
	return Policy{}, false
}

// Round returns the 1-based round that step (0-based, rounds unrolled) is
// in.
func (p Policy) Round(step int) int { return step/max(len(p.Levels), 1) + 1 }

// Last reports whether step is the policy's last: nobody is left to
// escalate to after it.
func (p Policy) Last(step int) bool { return step+1 >= p.Steps() }

// DueAt returns when step, paged at at, escalates if nobody acknowledges:
// at plus the delay of the step's level.
func (p Policy) DueAt(step int, at time.Time) time.Time {
	return at.Add(p.Delay(p.LevelAt(step)))
}

// Waiting returns who must still acknowledge a step paged to targets, of
// whom acked did. Only a policy whose every paged person must acknowledge,
// paging more than one, waits for anyone: otherwise the first
// acknowledgement is enough and Waiting returns nil.
func (p Policy) Waiting(targets, acked []string) []string {
	if !p.AllMustAck || len(targets) <= 1 {
		return nil
	}
	var out []string
	for _, t := range targets {
		if !slices.Contains(acked, t) {
			out = append(out, t)
		}
	}
	return out
}

// Resolve turns a level's targets into the people to page and the chats to
// post in at instant at. onDuty says who is on duty in a roster at a time
// (false: nobody, or no such roster). People are listed once, in target
// order; targets that do not parse are skipped (Policy.Check reports
// them).
func (l Level) Resolve(at time.Time, onDuty func(roster string, at time.Time) (string, bool)) (people, chats []string) {
	add := func(id string) {
		if !slices.Contains(people, id) {
			people = append(people, id)
		}
	}
	for _, s := range l.Targets {
		t, err := ParseTarget(s)
		if err != nil {
			continue
		}
		switch t.Kind {
		case TargetPerson:
			add(t.ID)
		case TargetRoster:
			if id, ok := onDuty(t.ID, at); ok {
				add(id)
			}
		case TargetChat:
			chats = append(chats, t.ID)
		}
	}
	return people, chats
}
