// Package bot holds irbot's domain types: incidents, their timeline, the
// messages and timers an action produces, and the interfaces the core needs.
// It imports nothing of the project; every other package imports it.
package bot

import (
	"fmt"
	"sort"
	"time"
)

// Lifecycle states shared by every playbook. Playbook phases sit between
// StateAcknowledged and StateResolved.
const (
	StateTriggered    = "triggered"
	StateAcknowledged = "acknowledged"
	StateResolved     = "resolved"
	StateClosed       = "closed"
	StateCancelled    = "cancelled"
)

// Lifecycle events, the names of the FSM transitions.
const (
	EventAck     = "ack"
	EventNext    = "next"
	EventResolve = "resolve"
	EventClose   = "close"
	EventCancel  = "cancel"
	EventReopen  = "reopen"
)

// Step statuses.
const (
	StepDone    = "done"
	StepSkipped = "skipped"
)

// Incident is the snapshot of one incident. The store keeps it with a
// Version used for optimistic concurrency: a commit expecting an older
// version fails with store.ErrConflict.
type Incident struct {
	ID       int64  `json:"id"`
	Prefix   string `json:"prefix"`
	Title    string `json:"title"`
	Severity int    `json:"severity"` // 1 (highest) .. 4
	Category string `json:"category"`
	Playbook string `json:"playbook"`
	State    string `json:"state"`
	// Escalation is the escalation policy its pages follow ("" = none).
	Escalation string `json:"escalation,omitempty"`
	System     string `json:"system,omitempty"`
	Level      int    `json:"level,omitempty"` // security level (cấp độ) 1..5 of the affected system

	Steps  map[string]StepState `json:"steps,omitempty"`  // by step id
	Roles  map[string]string    `json:"roles,omitempty"`  // role -> person id
	Chats  []ChatRef            `json:"chats,omitempty"`  // chats the incident lives in
	Fields map[string]string    `json:"fields,omitempty"` // report fields set by hand
	Labels map[string]string    `json:"labels,omitempty"` // alert labels that opened it
	Pages  []Page               `json:"pages,omitempty"`  // pages sent for it, oldest first
	// Snooze holds the incident's paging (not its recording) until it
	// ends; nil when not snoozed.
	Snooze *Snooze `json:"snooze,omitempty"`
	// Route and Group name the alert group that opened it; Alerts maps each
	// alert fingerprint of the group to its last status.
	Route  string            `json:"route,omitempty"`
	Group  string            `json:"group,omitempty"`
	Alerts map[string]string `json:"alerts,omitempty"`
	// AlertRaw maps each alert fingerprint to the SHA-256 of the raw
	// payload last stored in the timeline: a repeat with the same payload
	// refers to it instead of storing it again.
	AlertRaw map[string]string `json:"alert_raw,omitempty"`

	CreatedBy    string    `json:"created_by"`
	Detected     time.Time `json:"detected"`
	Declared     time.Time `json:"declared"`
	Acknowledged time.Time `json:"acknowledged,omitzero"`
	Contained    time.Time `json:"contained,omitzero"`
	Resolved     time.Time `json:"resolved,omitzero"`
	Closed       time.Time `json:"closed,omitzero"`
	PhaseStarted time.Time `json:"phase_started,omitzero"`
	Updated      time.Time `json:"updated"`

	// SummaryAt and SummarySeq mark the last leadership summary: when, and
	// the last timeline event it covered.
	SummaryAt  time.Time `json:"summary_at,omitzero"`
	SummarySeq int64     `json:"summary_seq,omitempty"`

	Version  int64  `json:"version"`   // bumped by every commit
	Seq      int64  `json:"seq"`       // seq of the last timeline event
	LastHash string `json:"last_hash"` // hash of the last timeline event
}

// StepState records what happened to one playbook step.
type StepState struct {
	Status string    `json:"status"` // StepDone or StepSkipped
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Note   string    `json:"note,omitempty"`
}

// ChatRef names a chat on a platform, e.g. {telegram, -1001}. A direct
// chat with a person has Direct set.
type ChatRef struct {
	Platform string `json:"platform"`
	ID       string `json:"id"`
	Direct   bool   `json:"direct,omitempty"`
}

// String returns "platform:id".
func (c ChatRef) String() string { return c.Platform + ":" + c.ID }

// Ref returns the incident's human reference, e.g. "IR-7".
func (i *Incident) Ref() string {
	p := i.Prefix
	if p == "" {
		p = "IR"
	}
	return fmt.Sprintf("%s-%d", p, i.ID)
}

// Open reports whether the incident still needs work.
func (i *Incident) Open() bool {
	switch i.State {
	case StateResolved, StateClosed, StateCancelled:
		return false
	}
	return true
}

// HasChat reports whether c is one of the incident's chats.
func (i *Incident) HasChat(c ChatRef) bool {
	for _, x := range i.Chats {
		if x.Platform == c.Platform && x.ID == c.ID {
			return true
		}
	}
	return false
}

// Clone returns a deep copy, so that an action can change it freely and a
// failed commit leaves the original untouched.
func (i *Incident) Clone() *Incident {
	c := *i
	c.Steps = cloneMap(i.Steps)
	c.Roles = cloneMap(i.Roles)
	c.Fields = cloneMap(i.Fields)
	c.Labels = cloneMap(i.Labels)
	c.Alerts = cloneMap(i.Alerts)
	c.AlertRaw = cloneMap(i.AlertRaw)
	c.Chats = append([]ChatRef(nil), i.Chats...)
	c.Pages = make([]Page, len(i.Pages))
	for k, p := range i.Pages {
		p.Targets = append([]string(nil), p.Targets...)
		p.Acked = append([]string(nil), p.Acked...)
		c.Pages[k] = p
	}
	return &c
}

func cloneMap[V any](m map[string]V) map[string]V {
	if m == nil {
		return nil
	}
	c := make(map[string]V, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// SortedKeys returns the keys of m in order.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Page statuses.
const (
	PageSent         = "sent"         // waiting for an acknowledgement at its current level
	PageAcknowledged = "acknowledged" // someone acknowledged; escalation stopped
	PageExpired      = "expired"      // every level and round paged, nobody acknowledged
	PageCancelled    = "cancelled"    // the incident ended first
)

// Page is one escalation run for an incident: it pages the level at Step,
// waits, and moves on until acknowledged.
type Page struct {
	N       int       `json:"n"`                // 1-based number within the incident
	Policy  string    `json:"policy,omitempty"` // escalation policy id; "" = an ad hoc page
	Target  string    `json:"target,omitempty"` // ad hoc page: roster:<id> or person:<id>
	Step    int       `json:"step"`             // level index with rounds unrolled (0-based)
	Status  string    `json:"status"`
	Reason  string    `json:"reason,omitempty"`
	Targets []string  `json:"targets,omitempty"` // people paged at the current step
	Acked   []string  `json:"acked,omitempty"`   // people who acknowledged (all-must-ack)
	Started time.Time `json:"started"`
	StepAt  time.Time `json:"step_at"` // when the current step was paged
	AckBy   string    `json:"ack_by,omitempty"`
	AckAt   time.Time `json:"ack_at,omitzero"`
}

// OpenPages returns the indexes of pages still waiting for an acknowledgement.
func (i *Incident) OpenPages() []int {
	var out []int
	for k, p := range i.Pages {
		if p.Status == PageSent {
			out = append(out, k)
		}
	}
	return out
}

// Snooze is a hold on an incident's paging.
type Snooze struct {
	Until  time.Time `json:"until"`
	Reason string    `json:"reason"`
	By     string    `json:"by"`
}

// Snoozed reports whether paging is held at now.
func (i *Incident) Snoozed(now time.Time) bool { return i.Snooze != nil && now.Before(i.Snooze.Until) }
