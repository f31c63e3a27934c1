package bot

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Event is one entry of an incident's append-only timeline. Hash is
// sha256(Prev ‖ canonical(event)), so changing any recorded byte breaks the
// chain from that event on.
type Event struct {
	Seq   int64             `json:"seq"`
	At    time.Time         `json:"at"`
	Actor string            `json:"actor"` // person id, "bot", or "alert:<route>"
	Kind  EventKind         `json:"kind"`  // EvDeclared, EvAck, EvStepDone, EvNote, …
	Data  map[string]string `json:"data,omitempty"`
	Prev  string            `json:"prev"`
	Hash  string            `json:"hash"`
}

// EventKind names what a timeline event records. It is stored as its
// string, so timelines written before the constants existed load
// unchanged; a kind this build does not know is kept and shown as its name.
//
// It is an alias of string while code outside the core still builds events
// from plain strings (store/storetest); it becomes a defined type once that
// code converts them.
type EventKind string

// Event kinds of an incident's timeline. The comment names each kind's
// Data keys.
const (
	EvDeclared        EventKind = "declared"         // title, playbook, severity, category; chat (by hand) or route, group (by an alert)
	EvAck             EventKind = "ack"              // after: time from declared to acknowledged
	EvPhase           EventKind = "phase"            // from, to: states
	EvStepDone        EventKind = "step_done"        // step (number), id, title, note
	EvStepSkipped     EventKind = "step_skipped"     // step, id, title, note (the reason)
	EvStepOverdue     EventKind = "step_overdue"     // step, id, title
	EvStepEscalated   EventKind = "step_escalated"   // step, id
	EvNote            EventKind = "note"             // text
	EvSeverity        EventKind = "severity"         // from, to, reason
	EvAssign          EventKind = "assign"           // role, person
	EvFieldSet        EventKind = "field_set"        // field, value
	EvChatJoined      EventKind = "chat_joined"      // chat
	EvResolved        EventKind = "resolved"         // summary, duration
	EvClosed          EventKind = "closed"           // nothing
	EvReopened        EventKind = "reopened"         // from, reason
	EvCancelled       EventKind = "cancelled"        // reason
	EvReportSent      EventKind = "report_sent"      // format, to, last_hash, missing
	EvPageSent        EventKind = "page_sent"        // page, policy, level, round, people, chats, reason
	EvPageEscalated   EventKind = "page_escalated"   // as EvPageSent, for the next level or round
	EvPageAck         EventKind = "page_ack"         // page, after, level, round
	EvPageAckPartial  EventKind = "page_ack_partial" // page, person, waiting (all must acknowledge)
	EvPageExpired     EventKind = "page_expired"     // page, steps
	EvPageFailed      EventKind = "page_failed"      // page, policy, error
	EvPageHeld        EventKind = "page_held"        // page, until (snoozed)
	EvPageUndelivered EventKind = "page_undelivered" // page, person, error
	EvSnoozed         EventKind = "snoozed"          // until, reason
	EvSnoozeEnded     EventKind = "snooze_ended"     // why: the catalogue key told to the chats
	EvAlert           EventKind = "alert"            // status, fingerprint, title, severity, raw, raw_sha256
	EvAlertRepeat     EventKind = "alert_repeat"     // as EvAlert, with a status already recorded
	EvDeliveryFailed  EventKind = "delivery_failed"  // chat, kind, error
)

// Event kinds of the audit log (the timeline of incident 0).
const (
	EvVerified            EventKind = "verified"             // person, incident, events, last_hash, result
	EvRefused             EventKind = "refused"              // person, action, chat, text
	EvPrivileged          EventKind = "privileged"           // person, action, chat, text
	EvStranger            EventKind = "stranger"             // platform, user, name, chat, text
	EvLinkCodeIssued      EventKind = "link_code_issued"     // person, expires
	EvLinked              EventKind = "linked"               // person, platform, user
	EvLinkRefused         EventKind = "link_refused"         // platform, user, chat, reason, tries
	EvMaintenanceStarted  EventKind = "maintenance_started"  // person, target, start, end, reason, chat
	EvMaintenanceExtended EventKind = "maintenance_extended" // as EvMaintenanceStarted
	EvMaintenanceEnded    EventKind = "maintenance_ended"    // as EvMaintenanceStarted
	EvWebhookForged       EventKind = "webhook_forged"       // what the refusing adapter reports
)

// canonical is the hashed form of an event: fixed field order, UTC times
// with nanoseconds, map keys sorted (encoding/json sorts them).
func (e Event) canonical() []byte {
	b, _ := json.Marshal(struct {
		Seq   int64             `json:"seq"`
		At    string            `json:"at"`
		Actor string            `json:"actor"`
		Kind  string            `json:"kind"`
		Data  map[string]string `json:"data"`
	}{e.Seq, e.At.UTC().Format(time.RFC3339Nano), e.Actor, string(e.Kind), e.Data})
	return b
}

// ComputeHash returns the hash the event should carry given its Prev.
func (e Event) ComputeHash() string {
	h := sha256.New()
	h.Write([]byte(e.Prev))
	h.Write(e.canonical())
	return hex.EncodeToString(h.Sum(nil))
}

// Chain appends events to a timeline whose last event has seq and hash
// last. It fills Seq, Prev and Hash of each event and returns the new tail.
func Chain(seq int64, last string, events []Event) (int64, string) {
	for i := range events {
		seq++
		events[i].Seq = seq
		events[i].Prev = last
		events[i].Hash = events[i].ComputeHash()
		last = events[i].Hash
	}
	return seq, last
}

// BrokenError says where a timeline's hash chain first fails.
type BrokenError struct {
	Seq    int64
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("timeline broken at event #%d: %s", e.Seq, e.Reason)
}

// Verify recomputes the chain of a whole timeline, in order from seq 1. It
// returns nil when intact, or a *BrokenError naming the first bad event.
func Verify(events []Event) error {
	prev := ""
	for i, e := range events {
		want := int64(i + 1)
		switch {
		case e.Seq != want:
			return &BrokenError{Seq: want, Reason: fmt.Sprintf("found #%d in its place (missing or reordered)", e.Seq)}
		case e.Prev != prev:
			return &BrokenError{Seq: e.Seq, Reason: "link to the previous event does not match"}
		case e.ComputeHash() != e.Hash:
			return &BrokenError{Seq: e.Seq, Reason: "content does not match its hash (changed after it was recorded)"}
		}
		prev = e.Hash
	}
	return nil
}

// VerifyIncident checks inc's timeline evs: its hash chain (Verify), and
// that it ends where the incident's snapshot says it does, so that a
// deleted tail is found too. It returns nil or a *BrokenError.
func VerifyIncident(inc *Incident, evs []Event) error {
	if err := Verify(evs); err != nil {
		return err
	}
	if int64(len(evs)) != inc.Seq {
		return &BrokenError{Seq: int64(len(evs)) + 1, Reason: fmt.Sprintf("%d events recorded, %d found", inc.Seq, len(evs))}
	}
	if len(evs) > 0 && evs[len(evs)-1].Hash != inc.LastHash {
		return &BrokenError{Seq: inc.Seq, Reason: "last event does not match the incident's record"}
	}
	return nil
}
