package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/bot/report"
)

// TestTimelineNamesWhatEventsReferTo: /timeline shows the affected system
// by its configured name and an alert route as "cảnh báo x", never the
// ids the timeline stores ("cong-ttdt", "alert:prometheus").
func TestTimelineNamesWhatEventsReferTo(t *testing.T) {
	r := notify.New(nil, &notify.Options{
		PersonName: func(id string) string { return map[string]string{"an": "Nguyễn Văn An"}[id] },
		Systems:    []report.System{{ID: "cong-ttdt", Name: playbook.Text{"vi": "Cổng thông tin điện tử tỉnh", "en": "Provincial web portal"}}},
	})
	at := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	set := bot.Event{Seq: 4, At: at, Actor: "an", Kind: bot.EvFieldSet, Data: map[string]string{"field": report.FieldSystem, "value": "cong-ttdt"}}
	alert := bot.Event{Seq: 5, At: at, Actor: "alert:prometheus", Kind: bot.EvAlert,
		Data: map[string]string{"status": bot.AlertFiring, "title": "HighCPU", "fingerprint": "f1"}}
	for lang, want := range map[string][]string{
		"vi": {"Nguyễn Văn An", "Cổng thông tin điện tử tỉnh", "cảnh báo prometheus"},
		"en": {"Nguyễn Văn An", "Provincial web portal", "alert prometheus"},
	} {
		got := r.Event(set, nil, lang) + "\n" + r.Event(alert, nil, lang)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: timeline lacks %q:\n%s", lang, w, got)
			}
		}
		for _, id := range []string{"cong-ttdt", "alert:"} {
			if strings.Contains(got, id) {
				t.Errorf("%s: timeline shows the id %q:\n%s", lang, id, got)
			}
		}
	}
}
