// Package access decides who may run which command: named roles with
// display names, and for each command the roles that may run it. It is
// the one place permissions live; the engine asks it before acting.
//
// Two roles are not held by people but by their relation to an incident or
// to the configuration: IncidentCommander is whoever is the incident's
// commander, and Listed is anyone on the people list. A person listed with
// no roles holds Responder. Admin may run everything.
package access

import (
	"fmt"
	"slices"
	"strings"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/command"
)

// Role is a named role. People hold roles through configuration (people[].roles).
type Role string

// The default roles.
const (
	Responder   Role = "responder"    // works incidents: declare, note, ack, steps
	Commander   Role = "commander"    // may command any incident (a SOC lead)
	Leader      Role = "leader"       // reads: status, timeline, reports
	RosterAdmin Role = "roster_admin" // duty rosters and maintenance windows
	Admin       Role = "admin"        // everything
	Observer    Role = "observer"     // reads, like a leader

	// IncidentCommander is held by the incident's own commander.
	IncidentCommander Role = "incident_commander"
	// Listed is held by everyone on the people list.
	Listed Role = "listed"
)

// Action is what a rule is about: a command, or a finer action of one
// (assigning the commander is not assigning a scribe).
type Action string

// AssignCommander is /assign of the commander role.
const AssignCommander Action = "assign.commander"

// ActionOf returns the action a command performs.
func ActionOf(c command.Command) Action {
	if c.Name == command.Assign && strings.EqualFold(c.Role, "commander") {
		return AssignCommander
	}
	return Action(c.Name)
}

// RoleInfo is a role and its display names.
type RoleInfo struct {
	ID   Role
	Name map[string]string // language → name
}

// Policy says who may do what. Build one with New; the zero Policy allows
// nothing. A Policy is read-only after New, so safe for concurrent use.
type Policy struct {
	roles map[Role]RoleInfo
	order []Role
	rules map[Action][]Role
}

// DefaultRoles are the roles every installation has, with their names.
func DefaultRoles() []RoleInfo {
	return []RoleInfo{
		{Responder, map[string]string{"vi": "người ứng cứu", "en": "a responder"}},
		{Commander, map[string]string{"vi": "chỉ huy ứng cứu", "en": "a commander"}},
		{Leader, map[string]string{"vi": "lãnh đạo", "en": "a leader"}},
		{RosterAdmin, map[string]string{"vi": "quản lý lịch trực", "en": "a roster admin"}},
		{Admin, map[string]string{"vi": "quản trị viên", "en": "an admin"}},
		{Observer, map[string]string{"vi": "người theo dõi", "en": "an observer"}},
		{IncidentCommander, map[string]string{"vi": "chỉ huy của sự cố", "en": "the incident's commander"}},
		{Listed, map[string]string{"vi": "người có trong danh sách", "en": "anyone listed"}},
	}
}

// DefaultRules are the permissions a user of PagerDuty or GoAlert would
// expect: anyone listed reads; responders work incidents; closing,
// cancelling, reopening, changing severity or commander belong to the
// incident's commander (and commanders, admins); rosters and maintenance
// windows to roster admins. Admin is allowed everything and not listed.
func DefaultRules() map[Action][]Role {
	read := []Role{Listed}
	work := []Role{Responder, Commander, RosterAdmin}
	lead := []Role{IncidentCommander, Commander}
	roster := []Role{RosterAdmin}
	r := map[Action][]Role{}
	for _, n := range []command.Name{command.Incidents, command.Status, command.Steps, command.Timeline, command.Verify,
		command.Playbooks, command.Help, command.Lang, command.Link, command.Oncall, command.Roster, command.Report, command.Stats,
		command.Heartbeats} {
		r[Action(n)] = read
	}
	for _, n := range []command.Name{command.Declare, command.Ack, command.Done, command.Skip, command.Next, command.Note,
		command.Assign, command.Resolve, command.Handoff, command.Page, command.Escalate, command.Set, command.Snooze} {
		r[Action(n)] = work
	}
	for _, a := range []Action{Action(command.Sev), Action(command.Close), Action(command.Reopen), Action(command.Cancel), AssignCommander} {
		r[a] = lead
	}
	for _, n := range []command.Name{command.Override, command.Maintenance} {
		r[Action(n)] = roster
	}
	return r
}

// New returns a policy with the default roles and rules, then roles and
// rules from configuration on top (a configured rule replaces the
// default for its action). It checks that every rule names a known role
// and a known action.
func New(roles []RoleInfo, rules map[Action][]Role) (*Policy, error) {
	p := &Policy{roles: map[Role]RoleInfo{}, rules: DefaultRules()}
	for _, ri := range append(DefaultRoles(), roles...) {
		if ri.ID == "" {
			return nil, fmt.Errorf("a role has no id")
		}
		if _, ok := p.roles[ri.ID]; !ok {
			p.order = append(p.order, ri.ID)
		}
		p.roles[ri.ID] = ri
	}
	for a, who := range rules {
		if _, ok := p.rules[a]; !ok {
			return nil, fmt.Errorf("permissions: no command %q (commands: %s)", a, strings.Join(p.actions(), ", "))
		}
		for _, r := range who {
			if _, ok := p.roles[r]; !ok {
				return nil, fmt.Errorf("permissions.%s: no role %q (roles: %s)", a, r, p.roleList())
			}
		}
		p.rules[a] = slices.Clone(who)
	}
	return p, nil
}

// Default returns the policy with only the defaults.
func Default() *Policy {
	p, _ := New(nil, nil)
	return p
}

func (p *Policy) actions() []string {
	var out []string
	for a := range p.rules {
		out = append(out, string(a))
	}
	slices.Sort(out)
	return out
}

func (p *Policy) roleList() string {
	var out []string
	for _, r := range p.order {
		out = append(out, string(r))
	}
	return strings.Join(out, ", ")
}

// Known reports whether r is a configured or default role.
func (p *Policy) Known(r Role) bool { _, ok := p.roles[r]; return ok }

// RolesOf returns the roles person holds by configuration: theirs, or
// Responder when none is listed; always Listed too.
func RolesOf(person bot.Person) []Role {
	out := []Role{Listed}
	for _, r := range person.Roles {
		out = append(out, Role(r))
	}
	if len(person.Roles) == 0 {
		out = append(out, Responder)
	}
	return out
}

// Decision is the answer to "may this person do this?".
type Decision struct {
	Allowed bool
	// NeedsIncident: the person may do it only as the incident's
	// commander; ask again with the incident (AllowedOn).
	NeedsIncident bool
	// Who may do it, for the refusal.
	Who []Role
}

// Check decides whether person may perform action, before the incident
// is known.
func (p *Policy) Check(person bot.Person, a Action) Decision {
	who, ok := p.rules[a]
	if !ok {
		return Decision{Allowed: true} // no rule: not a guarded action
	}
	held := RolesOf(person)
	if slices.Contains(held, Admin) {
		return Decision{Allowed: true, Who: who}
	}
	for _, r := range who {
		if slices.Contains(held, r) {
			return Decision{Allowed: true, Who: who}
		}
	}
	return Decision{NeedsIncident: slices.Contains(who, IncidentCommander), Who: who}
}

// AllowedOn decides a NeedsIncident action on inc.
func (p *Policy) AllowedOn(person bot.Person, a Action, inc *bot.Incident) bool {
	d := p.Check(person, a)
	if d.Allowed {
		return true
	}
	return d.NeedsIncident && inc != nil && inc.Roles["commander"] == person.ID && person.ID != ""
}

// Privileged reports whether action belongs to fewer than every responder:
// such actions are recorded in the audit log when done.
func (p *Policy) Privileged(a Action) bool {
	who, ok := p.rules[a]
	if !ok {
		return false
	}
	return !slices.Contains(who, Listed) && !slices.Contains(who, Responder)
}

// Name returns a role's display name in lang (English, then the id, when
// it has none in lang).
func (p *Policy) Name(r Role, lang string) string {
	ri := p.roles[r]
	if n := ri.Name[lang]; n != "" {
		return n
	}
	if n := ri.Name["en"]; n != "" {
		return n
	}
	return string(r)
}

// WhoCan lists, in lang, who may perform a: the roles of its rule and
// admins, joined with or.
func (p *Policy) WhoCan(a Action, lang string, or string) string {
	var names []string
	for _, r := range p.rules[a] {
		names = append(names, p.Name(r, lang))
	}
	names = append(names, p.Name(Admin, lang))
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + or + " " + names[len(names)-1]
}
