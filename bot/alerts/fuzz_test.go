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
// title, labels within the limits and a Raw that is JSON holding no
// credential; errors are positioned where they claim a position.
func FuzzDecode(f *testing.F) {
	fuzzRoutes(f, "*.json", testAM, testGrafana, testSIEM, testUptime, testZabbix, testWazuh, testKuma, testPD)
}

// FuzzZabbix, FuzzWazuh, FuzzUptimeKuma and FuzzPagerDuty are FuzzDecode
// for one kind each, seeded with that kind's payloads, so the fuzzer's
// coverage guidance works on one decoder at a time.
func FuzzZabbix(f *testing.F) { fuzzRoutes(f, "zabbix_*.json", testZabbix) }

func FuzzWazuh(f *testing.F) {
	custom := Route{ID: "wazuh2", Kind: KindWazuh, Wazuh: WazuhOptions{Levels: WazuhLevels{Sev1: 14, Sev3: 3},
		Groups: WazuhGroups{{"sql_injection", "defacement"}, {"authentication_failures", "phishing"}}}}
	fuzzRoutes(f, "wazuh_*.json", testWazuh, custom)
}

func FuzzUptimeKuma(f *testing.F) { fuzzRoutes(f, "kuma_*.json", testKuma) }

func FuzzPagerDuty(f *testing.F) { fuzzRoutes(f, "pd_*.json", testPD) }

// fuzzRoutes seeds f with the testdata files matching glob and checks
// every input against every route.
func fuzzRoutes(f *testing.F, glob string, routes ...Route) {
	files, _ := filepath.Glob(filepath.Join("testdata", glob))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
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
				if !utf8.ValidString(err.Error()) {
					t.Fatalf("%s: error is not valid UTF-8: %q", r.Kind, err)
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
	switch {
	case a.Status == bot.AlertFiring, a.Status == bot.AlertResolved:
	case a.Status == StatusAcknowledged && (r.Kind == KindPagerDuty || r.Kind == KindZabbix):
	default:
		t.Fatalf("%s[%d]: status %q", r.Kind, i, a.Status)
	}
	if r.Kind == KindWazuh && a.Status != bot.AlertFiring {
		t.Fatalf("%s[%d]: a Wazuh alert is %q", r.Kind, i, a.Status)
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
	// Credentials in the body never reach Raw: what encoding/json would
	// read back as the routing key (pagerduty) or token (zabbix) is
	// redacted.
	var secrets struct {
		RoutingKey json.RawMessage `json:"routing_key"`
		Token      json.RawMessage `json:"token"`
	}
	if kindOf([]byte(a.Raw)) == "object" && json.Unmarshal([]byte(a.Raw), &secrets) == nil {
		for key, v := range map[string]json.RawMessage{KindPagerDuty: secrets.RoutingKey, KindZabbix: secrets.Token} {
			if r.Kind == key && len(v) > 0 && string(v) != `"`+redactedValue+`"` {
				t.Fatalf("%s[%d]: credential %s left in Raw %q", r.Kind, i, v, a.Raw)
			}
		}
	}
	if n := r.SeverityOf(a); n < 1 || n > 4 {
		t.Fatalf("%s[%d]: severity %d", r.Kind, i, n)
	}
}
