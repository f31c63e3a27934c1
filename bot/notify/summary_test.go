package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/playbooks"
)

// TestSummaryOfAnEndedIncidentSaysHowLongItLasted: leaders told of a
// resolved incident read how long it lasted, not "just declared".
func TestSummaryOfAnEndedIncidentSaysHowLongItLasted(t *testing.T) {
	books, err := playbook.LoadFS(playbooks.FS, ".", playbook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := books.Get("ddos")
	declared := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	inc := &bot.Incident{ID: 1, Prefix: "IR", Title: "Portal flooded", Severity: 2, Playbook: pb.ID, State: bot.StateResolved,
		Declared: declared, Resolved: declared.Add(45 * time.Second)}
	r := notify.New(nil, nil)
	for lang, want := range map[string]string{"vi": "kéo dài 45 giây", "en": "lasted 45 seconds"} {
		got := r.Summary(notify.Summary{Incident: inc, Playbook: pb, Now: declared.Add(50 * time.Second)}, lang)
		if !strings.Contains(got, want) || strings.Contains(got, "just declared") || strings.Contains(got, "vừa khai báo") {
			t.Errorf("%s: summary lacks %q:\n%s", lang, want, got)
		}
	}
}
