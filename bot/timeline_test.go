package bot

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestVerifyIncidentFindsAChangedOrMissingTail(t *testing.T) {
	at := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	chain := func() (*Incident, []Event) {
		evs := []Event{{At: at, Actor: "an", Kind: EvDeclared}, {At: at, Actor: "an", Kind: EvAck}, {At: at, Actor: "an", Kind: EvNote, Data: map[string]string{"text": "x"}}}
		inc := &Incident{ID: 1}
		inc.Seq, inc.LastHash = Chain(0, "", evs)
		return inc, evs
	}
	inc, evs := chain()
	if err := VerifyIncident(inc, evs); err != nil {
		t.Fatalf("intact: %v", err)
	}
	var broken *BrokenError
	if err := VerifyIncident(inc, evs[:2]); !errors.As(err, &broken) || broken.Seq != 3 {
		t.Errorf("tail deleted: %v, want broken at #3", err)
	}
	inc, evs = chain()
	evs[1].Data = map[string]string{"after": "1s"}
	if err := VerifyIncident(inc, evs); !errors.As(err, &broken) || broken.Seq != 2 {
		t.Errorf("event changed: %v, want broken at #2", err)
	}
	inc, evs = chain()
	inc.LastHash = "x"
	if err := VerifyIncident(inc, evs); !errors.As(err, &broken) || broken.Seq != 3 {
		t.Errorf("snapshot's last hash differs: %v, want broken at #3", err)
	}
}

func TestEventKindIsStoredAsItsString(t *testing.T) {
	ev := Event{Seq: 1, At: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC), Actor: "an", Kind: EvPageAck}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var back Event
	if err := json.Unmarshal([]byte(`{"seq":1,"kind":"page_ack"}`), &back); err != nil || back.Kind != EvPageAck {
		t.Fatalf("a stored kind loads as %q, %v", back.Kind, err)
	}
	var raw map[string]any
	json.Unmarshal(b, &raw)
	if raw["kind"] != "page_ack" {
		t.Fatalf("kind stored as %v", raw["kind"])
	}
	// The hash is over the kind's string, as before the type existed, so
	// stored timelines still verify.
	old, _ := json.Marshal(struct {
		Seq   int64             `json:"seq"`
		At    string            `json:"at"`
		Actor string            `json:"actor"`
		Kind  string            `json:"kind"`
		Data  map[string]string `json:"data"`
	}{1, "2026-11-26T08:00:00Z", "an", "page_ack", nil})
	sum := sha256.Sum256(old)
	if got := ev.ComputeHash(); got != hex.EncodeToString(sum[:]) {
		t.Fatalf("hash %s differs from the string kind's %x", got, sum)
	}
}
