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
	Kind  string            `json:"kind"`  // declared, ack, step_done, note, …
	Data  map[string]string `json:"data,omitempty"`
	Prev  string            `json:"prev"`
	Hash  string            `json:"hash"`
}

// canonical is the hashed form of an event: fixed field order, UTC times
// with nanoseconds, map keys sorted (encoding/json sorts them).
func (e Event) canonical() []byte {
	b, _ := json.Marshal(struct {
		Seq   int64             `json:"seq"`
		At    string            `json:"at"`
		Actor string            `json:"actor"`
		Kind  string            `json:"kind"`
		Data  map[string]string `json:"data"`
	}{e.Seq, e.At.UTC().Format(time.RFC3339Nano), e.Actor, e.Kind, e.Data})
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
