package alerts

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
)

// pdRaw is a testdata file as Raw keeps it: compacted, the routing key
// redacted.
func pdRaw(t *testing.T, file, key string) string {
	return strings.Replace(compact(readTestdata(t, file)), `"routing_key":"`+key+`"`, `"routing_key":"[redacted]"`, 1)
}

func TestDecodePagerDuty(t *testing.T) {
	const key, dedup = "pd-route-token-00000000000000000", "mail-gw-01/smtp-queue"
	lifecycle := func(file, status string) bot.Alert {
		return bot.Alert{Route: "pd", Source: "pagerduty", Fingerprint: dedup, GroupKey: dedup, Status: status,
			Title: "alert " + dedup, Labels: map[string]string{}, Annotations: map[string]string{}, Raw: pdRaw(t, file, key)}
	}
	tests := []struct {
		file string
		want bot.Alert
		sev  int
	}{
		{"pd_trigger.json", bot.Alert{
			Route: "pd", Source: "pagerduty", Fingerprint: dedup, GroupKey: dedup, Status: "firing",
			Title: "Hàng đợi SMTP trên mail-gw-01 vượt 5000 thư", Severity: "error",
			Labels: map[string]string{"source": "mail-gw-01.example.gov.vn", "component": "postfix", "group": "mail",
				"class": "queue size", "severity": "error"},
			Annotations: map[string]string{"summary": "Hàng đợi SMTP trên mail-gw-01 vượt 5000 thư", "queue": "5234",
				"threshold": "5000", "note": "thư đi bị hoãn"},
			StartsAt: utc("2024-05-14T03:20:00Z"),
			URL:      "https://grafana.example.gov.vn/alerting/list",
			Raw:      pdRaw(t, "pd_trigger.json", key),
		}, 2},
		{"pd_acknowledge.json", lifecycle("pd_acknowledge.json", StatusAcknowledged), 3},
		{"pd_resolve.json", lifecycle("pd_resolve.json", "resolved"), 3},
		// Verbatim from PagerDuty's documentation.
		{"pd_doc_trigger.json", bot.Alert{
			Route: "pd", Source: "pagerduty", Fingerprint: "samplekeyhere", GroupKey: "samplekeyhere", Status: "firing",
			Title: "Example alert on host1.example.com", Severity: "info",
			Labels: map[string]string{"source": "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003",
				"component": "postgres", "group": "prod-datapipe", "class": "deploy", "severity": "info"},
			Annotations: map[string]string{"summary": "Example alert on host1.example.com", "ping time": "1500ms", "load avg": "0.75"},
			StartsAt:    utc("2015-07-17T08:42:58.315Z"),
			URL:         "https://monitoring.example.com",
			Raw:         pdRaw(t, "pd_doc_trigger.json", "samplekeyhere"),
		}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Decode(testPD, readTestdata(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if d := diffAlerts(got, []bot.Alert{tt.want}); d != "" {
				t.Error(d)
			}
			if n := testPD.SeverityOf(got[0]); n != tt.sev {
				t.Errorf("severity %d, want %d", n, tt.sev)
			}
			if strings.Contains(got[0].Raw, key) {
				t.Error("routing key in Raw")
			}
		})
	}
}

// A trigger without a dedup_key gets one, the same for the same body
// (a retried request) and another for another event; acknowledge and
// resolve need one.
func TestPagerDutyDedupKey(t *testing.T) {
	trigger := func(summary string) []byte {
		return []byte(`{"routing_key":"k","event_action":"trigger","payload":{"summary":"` + summary + `","source":"sw-core-1","severity":"critical"}}`)
	}
	a, err := Decode(testPD, trigger("Core switch down"))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Decode(testPD, trigger("Core switch down"))
	other, _ := Decode(testPD, trigger("Core switch flapping"))
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(a[0].Fingerprint) || a[0].GroupKey != a[0].Fingerprint {
		t.Errorf("generated key %q, group %q", a[0].Fingerprint, a[0].GroupKey)
	}
	if again[0].Fingerprint != a[0].Fingerprint || other[0].Fingerprint == a[0].Fingerprint {
		t.Errorf("keys %s %s %s", a[0].Fingerprint, again[0].Fingerprint, other[0].Fingerprint)
	}
	// The key does not depend on the routing key.
	otherKey, _ := Decode(testPD, []byte(strings.Replace(string(trigger("Core switch down")), `"k"`, `"another-route-key"`, 1)))
	if otherKey[0].Fingerprint != a[0].Fingerprint {
		t.Error("the generated key depends on the routing key")
	}
	if ans := PagerDutyAccepted(a); ans.DedupKey != a[0].Fingerprint || ans.Status != "success" || ans.Message != "Event processed" {
		t.Errorf("answer %+v", ans)
	}
}

func TestDecodePagerDutyInvalid(t *testing.T) {
	for _, tt := range []struct{ name, body, want string }{
		{"no action", `{"dedup_key":"x"}`, "alerts: event_action: missing (want trigger, acknowledge or resolve)"},
		{"unknown action", `{"event_action":"escalate","dedup_key":"x"}`, `alerts: event_action: "escalate" is not trigger, acknowledge or resolve`},
		{"resolve without key", `{"event_action":"resolve"}`, "alerts: dedup_key: missing (required to resolve)"},
		{"acknowledge without key", `{"event_action":"acknowledge","dedup_key":"  "}`, "alerts: dedup_key: missing (required to acknowledge)"},
		{"trigger without payload", `{"event_action":"trigger"}`, "alerts: payload: missing (a trigger needs payload.summary, payload.source and payload.severity)"},
		{"no summary", `{"event_action":"trigger","payload":{"source":"a","severity":"info"}}`, "alerts: payload.summary: missing"},
		{"no source", `{"event_action":"trigger","payload":{"summary":"a","severity":"info"}}`, "alerts: payload.source: missing"},
		{"no severity", `{"event_action":"trigger","payload":{"summary":"a","source":"b"}}`, "alerts: payload.severity: missing (want critical, error, warning or info)"},
		{"bad severity", `{"event_action":"trigger","payload":{"summary":"a","source":"b","severity":"P1"}}`, `alerts: payload.severity: "P1" is not critical, error, warning or info`},
		{"bad timestamp", `{"event_action":"trigger","payload":{"summary":"a","source":"b","severity":"info","timestamp":"1715656866"}}`, `alerts: payload.timestamp: "1715656866" is not an ISO 8601 time`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(testPD, []byte(tt.body))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("Decode = %v\nwant %q", err, tt.want)
			}
			ans := PagerDutyInvalid(err)
			if ans.Status != "invalid event" || ans.Message != "Event object is invalid" || len(ans.Errors) != 1 || strings.HasPrefix(ans.Errors[0], "alerts:") {
				t.Errorf("answer %+v", ans)
			}
		})
	}
}

// The answers are shaped as PagerDuty's, which PagerDuty clients parse.
func TestPagerDutyAnswers(t *testing.T) {
	ok, _ := json.Marshal(PagerDutyAccepted([]bot.Alert{{Fingerprint: "srv01/HTTP"}}))
	if string(ok) != `{"status":"success","message":"Event processed","dedup_key":"srv01/HTTP"}` {
		t.Errorf("accepted: %s", ok)
	}
	_, err := Decode(testPD, []byte("{\"event_action\": \"trigger\",\n \"payload\": 5}"))
	bad, _ := json.Marshal(PagerDutyInvalid(err))
	if string(bad) != `{"status":"invalid event","message":"Event object is invalid","errors":["line 2, column 13: payload: expected an object, got number"]}` {
		t.Errorf("invalid: %s", bad)
	}
}

// Every spelling of routing_key that encoding/json reads is redacted.
func TestPagerDutyRedactsRoutingKey(t *testing.T) {
	body := `{"routing_key":"one","Routing_Key":"two","ROUTING_KEY":"three","routing_\u212aey":"four","event_action":"resolve","dedup_key":"d","payload":{"routing_key":"kept: not top level"}}`
	as, err := Decode(testPD, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"one"`, `"two"`, "three", `"four"`} {
		if strings.Contains(as[0].Raw, s) {
			t.Errorf("%s left in Raw %s", s, as[0].Raw)
		}
	}
	if !strings.Contains(as[0].Raw, "kept: not top level") || !json.Valid([]byte(as[0].Raw)) {
		t.Errorf("Raw %s", as[0].Raw)
	}
}

// The routing key authenticates a PagerDuty route when the request has no
// Authorization header; a bearer token still works.
func TestAuthorizeRoutingKey(t *testing.T) {
	auth, err := Route{ID: "pd", Kind: KindPagerDuty, TokenEnv: "PD"}.Resolve(func(string) string { return "pd-token" }, nil)
	if err != nil || !auth.RoutingKey || auth.Token != "pd-token" {
		t.Fatalf("Resolve = %+v, %v", auth, err)
	}
	if s := auth.String(); strings.Contains(s, "pd-token") || !strings.Contains(s, "routing_key") {
		t.Errorf("String = %q", s)
	}
	event := func(key string) []byte {
		return []byte(`{"routing_key":"` + key + `","event_action":"resolve","dedup_key":"x"}`)
	}
	for _, tt := range []struct {
		name   string
		header string
		body   []byte
		ok     bool
	}{
		{"routing key", "", event("pd-token"), true},
		{"routing key with spaces", "", event(" pd-token "), true},
		{"wrong routing key", "", event("nope"), false},
		{"no routing key", "", []byte(`{"event_action":"resolve","dedup_key":"x"}`), false},
		{"not JSON", "", []byte(`routing_key=pd-token`), false},
		{"bearer token", "Bearer pd-token", event(""), true},
		{"a header wins over the body", "Bearer nope", event("pd-token"), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.header != "" {
				h.Set("Authorization", tt.header)
			}
			err := auth.Authorize(h, tt.body)
			if (err == nil) != tt.ok {
				t.Fatalf("Authorize = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && (!errors.Is(err, ErrUnauthorized) || strings.Contains(err.Error(), "pd-token")) {
				t.Errorf("error %q", err)
			}
		})
	}
	// Other kinds never read the body for a token.
	plain, _ := Route{ID: "am", Kind: KindAlertmanager, TokenEnv: "T"}.Resolve(func(string) string { return "pd-token" }, nil)
	if plain.RoutingKey || plain.Authorize(http.Header{}, event("pd-token")) == nil {
		t.Error("an alertmanager route took a routing_key")
	}
}

func TestParseISOTime(t *testing.T) {
	for _, s := range []string{"2024-05-14T10:02:31+07:00", "2024-05-14T10:02:31.000+0700", "2024-05-14T03:02:31Z", "2024-05-14T03:02:31.000Z", "2024-05-14T03:02:31+0000"} {
		got, err := parseISOTime(path{"t"}, s)
		if err != nil || !got.Equal(time.Date(2024, 5, 14, 3, 2, 31, 0, time.UTC)) || got.Location() != time.UTC {
			t.Errorf("%q: %v, %v", s, got, err)
		}
	}
}
