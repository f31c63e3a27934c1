package alerts

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/irbot/irbot/bot"
)

// FuzzDecode checks that Decode never panics, is deterministic, and that
// what it returns is well-formed: for every route kind, each alert has a
// known status, a fingerprint and a group key, a valid UTF-8 one-line
// title, labels within the limits and a Raw that is JSON; errors are
// positioned where they claim a position.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	routes := []Route{testAM, testGrafana, testSIEM, testUptime}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, r := range routes {
			as, err := Decode(r, body)
			if err != nil {
				var se *SyntaxError
				if errors.As(err, &se) && (se.Line < 1 || se.Col < 1 || se.Msg == "") {
					t.Fatalf("%s: bad SyntaxError %+v", r.Kind, se)
				}
				if as != nil {
					t.Fatalf("%s: alerts with an error", r.Kind)
				}
				continue
			}
			if len(as) == 0 || len(as) > MaxAlerts {
				t.Fatalf("%s: %d alerts without an error", r.Kind, len(as))
			}
			again, _ := Decode(r, body)
			if !reflect.DeepEqual(as, again) {
				t.Fatalf("%s: Decode is not deterministic", r.Kind)
			}
			for i, a := range as {
				checkAlert(t, r, i, a)
			}
		}
	})
}

func checkAlert(t *testing.T, r Route, i int, a bot.Alert) {
	t.Helper()
	if a.Status != bot.AlertFiring && a.Status != bot.AlertResolved {
		t.Fatalf("%s[%d]: status %q", r.Kind, i, a.Status)
	}
	if a.Fingerprint == "" || a.GroupKey == "" {
		t.Fatalf("%s[%d]: fingerprint %q, group key %q", r.Kind, i, a.Fingerprint, a.GroupKey)
	}
	if len(a.Fingerprint) > maxKeyBytes || len(a.GroupKey) > maxKeyBytes {
		t.Fatalf("%s[%d]: key too long", r.Kind, i)
	}
	if !utf8.ValidString(a.Title) || a.Title == "" || len(a.Title) > maxTitleBytes || a.Title != cleanTitle(a.Title) {
		t.Fatalf("%s[%d]: title %q", r.Kind, i, a.Title)
	}
	if a.Route != r.ID || a.Source != r.Kind {
		t.Fatalf("%s[%d]: route %q source %q", r.Kind, i, a.Route, a.Source)
	}
	if a.Labels == nil || a.Annotations == nil {
		t.Fatalf("%s[%d]: nil labels or annotations", r.Kind, i)
	}
	for k, v := range a.Labels {
		if len(k) > MaxLabelBytes || len(v) > MaxLabelBytes || !utf8.ValidString(k) || !utf8.ValidString(v) {
			t.Fatalf("%s[%d]: label %q=%q", r.Kind, i, k, v)
		}
	}
	for k, v := range a.Annotations {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			t.Fatalf("%s[%d]: annotation %q=%q", r.Kind, i, k, v)
		}
	}
	if !utf8.ValidString(a.Severity) || !utf8.ValidString(a.URL) || !utf8.ValidString(a.Fingerprint) || !utf8.ValidString(a.GroupKey) {
		t.Fatalf("%s[%d]: invalid UTF-8 in %+v", r.Kind, i, a)
	}
	if a.URL != "" && cleanURL(a.URL) != a.URL {
		t.Fatalf("%s[%d]: URL %q", r.Kind, i, a.URL)
	}
	if !json.Valid([]byte(a.Raw)) {
		t.Fatalf("%s[%d]: Raw is not JSON: %q", r.Kind, i, a.Raw)
	}
	if n := r.SeverityOf(a); n < 1 || n > 4 {
		t.Fatalf("%s[%d]: severity %d", r.Kind, i, n)
	}
}
