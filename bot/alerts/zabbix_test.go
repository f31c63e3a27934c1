package alerts

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
)

// zabbixAlert is what the media type's body for the problem of trigger
// 23312 on cong-ttdt-web01 decodes to, with the given status and end.
func zabbixAlert(t *testing.T, file, status, opdata string, ends time.Time) bot.Alert {
	return bot.Alert{
		Route: "zabbix", Source: "zabbix", Fingerprint: "23312:cong-ttdt-web01", GroupKey: "23312", Status: status,
		Title:    "Cổng TTĐT: trang chủ không truy cập được on cong-ttdt-web01",
		Severity: "High", // event_nseverity 4; event_severity was renamed "Cao"
		Labels: map[string]string{"host": "cong-ttdt-web01", "host_ip": "10.10.20.11", "trigger_id": "23312",
			"event_id": "1084592", "severity": "High", "scope": "availability", "service": "cong-ttdt"},
		Annotations: map[string]string{"description": "Trang chủ cổng thông tin điện tử tỉnh không trả lời trong 3 lần kiểm tra liên tiếp.",
			"opdata": opdata},
		StartsAt: utc("2024-05-14T03:02:31Z"), EndsAt: ends,
		URL: "https://zabbix.example.gov.vn/tr_events.php?triggerid=23312&eventid=1084592",
		Raw: compact(readTestdata(t, file)),
	}
}

func TestDecodeZabbix(t *testing.T) {
	tests := []struct {
		file string
		want bot.Alert
	}{
		{"zabbix_problem.json", zabbixAlert(t, "zabbix_problem.json", "firing", "HTTP 503", time.Time{})},
		{"zabbix_recovery.json", zabbixAlert(t, "zabbix_recovery.json", "resolved", "HTTP 200", utc("2024-05-14T03:41:07Z"))},
		{"zabbix_ack.json", zabbixAlert(t, "zabbix_ack.json", StatusAcknowledged, "HTTP 503", time.Time{})},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Decode(testZabbix, readTestdata(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if d := diffAlerts(got, []bot.Alert{tt.want}); d != "" {
				t.Error(d)
			}
		})
	}
	if n := testZabbix.SeverityOf(tests[0].want); n != 2 {
		t.Errorf("High is sev%d, want sev2", n)
	}
}

// A recovery has its problem's fingerprint and group, so it resolves the
// alert the problem opened; another host's problem of the same trigger
// id joins the group as another alert.
func TestZabbixRecoveryMatchesProblem(t *testing.T) {
	problem, err := Decode(testZabbix, readTestdata(t, "zabbix_problem.json"))
	if err != nil {
		t.Fatal(err)
	}
	recovery, err := Decode(testZabbix, readTestdata(t, "zabbix_recovery.json"))
	if err != nil {
		t.Fatal(err)
	}
	if problem[0].Fingerprint != recovery[0].Fingerprint || problem[0].GroupKey != recovery[0].GroupKey {
		t.Errorf("recovery %s/%s, problem %s/%s", recovery[0].Fingerprint, recovery[0].GroupKey, problem[0].Fingerprint, problem[0].GroupKey)
	}
	other, err := Decode(testZabbix, []byte(`{"event_value":"1","trigger_id":"23312","host_name":"cong-ttdt-web02"}`))
	if err != nil {
		t.Fatal(err)
	}
	if other[0].GroupKey != problem[0].GroupKey || other[0].Fingerprint == problem[0].Fingerprint {
		t.Errorf("other host: %s/%s", other[0].Fingerprint, other[0].GroupKey)
	}
}

func TestDecodeZabbixFields(t *testing.T) {
	tests := []struct {
		name string
		body string
		want bot.Alert
	}{
		{"numbers, no host, no tags, severity name only",
			`{"event_value": 1, "trigger_id": 9, "event_id": 77, "event_severity": "Disaster", "event_name": "PING failed", "zabbix_url": "{$ZABBIX.URL}", "event_tags": null}`,
			bot.Alert{Route: "zabbix", Source: "zabbix", Fingerprint: "9", GroupKey: "9", Status: "firing", Title: "PING failed", Severity: "Disaster",
				Labels:      map[string]string{"trigger_id": "9", "event_id": "77", "severity": "Disaster"},
				Annotations: map[string]string{}}},
		{"unexpanded optional macros read as empty; tags as the TAGSJSON string",
			`{"event_value": "1", "trigger_id": "5", "host_name": "db-1", "host_ip": "*UNKNOWN*", "event_name": "{EVENT.NAME}", "event_opdata": "{EVENT.OPDATA}",
			  "event_nseverity": "0", "event_tags": "[{\"tag\":\"class\",\"value\":\"database\"},{\"tag\":\"\",\"value\":\"x\"},{\"tag\":\"class\",\"value\":\"second\"}]"}`,
			bot.Alert{Route: "zabbix", Source: "zabbix", Fingerprint: "5:db-1", GroupKey: "5", Status: "firing", Title: "Zabbix trigger 5 on db-1", Severity: "Not classified",
				Labels:      map[string]string{"trigger_id": "5", "host": "db-1", "severity": "Not classified", "class": "database"},
				Annotations: map[string]string{}}},
		{"an update without acknowledgement is the problem again",
			`{"event_value": "1", "event_update_status": "1", "event_ack_status": "No", "trigger_id": "5", "event_name": "db-1 down", "host_name": "db-1", "event_tags": "{EVENT.TAGSJSON}"}`,
			bot.Alert{Route: "zabbix", Source: "zabbix", Fingerprint: "5:db-1", GroupKey: "5", Status: "firing", Title: "db-1 down",
				Labels: map[string]string{"trigger_id": "5", "host": "db-1"}, Annotations: map[string]string{}}},
		{"the token is kept out of Raw",
			`{"token": "s3cret", "url": "https://irbot/alerts/zabbix", "event_value": "0", "trigger_id": "5", "Token": "again"}`,
			bot.Alert{Route: "zabbix", Source: "zabbix", Fingerprint: "5", GroupKey: "5", Status: "resolved", Title: "Zabbix trigger 5",
				Labels: map[string]string{"trigger_id": "5"}, Annotations: map[string]string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(testZabbix, []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Raw = got[0].Raw // checked below
			if d := diffAlerts(got, []bot.Alert{tt.want}); d != "" {
				t.Error(d)
			}
			if strings.Contains(got[0].Raw, "s3cret") || strings.Contains(got[0].Raw, "again") {
				t.Errorf("token in Raw: %s", got[0].Raw)
			}
		})
	}
	sev := map[string]int{"Not classified": 4, "Information": 4, "Warning": 3, "Average": 3, "High": 2, "Disaster": 1, "Thảm họa": 3}
	for word, want := range sev {
		if got := testZabbix.SeverityOf(bot.Alert{Severity: word}); got != want {
			t.Errorf("zabbix SeverityOf(%q) = %d, want %d", word, got, want)
		}
	}
	renamed := Route{Kind: KindZabbix, SeverityMap: map[string]string{"thảm họa": "sev1", "average": "sev2"}}
	if a, b := renamed.SeverityOf(bot.Alert{Severity: "Thảm họa"}), renamed.SeverityOf(bot.Alert{Severity: "Average"}); a != 1 || b != 2 {
		t.Errorf("severity_map over the zabbix defaults: %d, %d", a, b)
	}
}

func TestDecodeZabbixInvalid(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"unexpanded trigger id", `{"event_value": "1", "trigger_id": "{TRIGGER.ID}"}`,
			`alerts: trigger_id: "{TRIGGER.ID}" is a Zabbix macro left unexpanded: use the media type in a trigger action (or fill the value in when testing it)`},
		{"unexpanded event value", `{"event_value": "{EVENT.VALUE}", "trigger_id": "1"}`, `alerts: event_value: "{EVENT.VALUE}" is a Zabbix macro left unexpanded`},
		{"missing value", `{"trigger_id": "1"}`, `alerts: event_value: missing (want 1 for a problem, 0 for a recovery)`},
		{"unknown value", `{"event_value": "2", "trigger_id": "1"}`, `alerts: event_value: "2" is not 1 (problem) or 0 (recovery)`},
		{"missing trigger", `{"event_value": "1", "event_id": "4"}`, `alerts: trigger_id: missing ({TRIGGER.ID})`},
		{"not a trigger event", `{"event_value": "1", "trigger_id": "1", "event_source": "3"}`, `alerts: event_source: "3" is not 0: irbot takes trigger problems and recoveries only`},
		{"severity number", `{"event_value": "1", "trigger_id": "1", "event_nseverity": "9"}`, `alerts: event_nseverity: "9" is not a Zabbix severity 0..5`},
		{"bad time", `{"event_value": "1", "trigger_id": "1", "event_timestamp": "2024.05.14 10:02:31"}`, `alerts: event_timestamp: "2024.05.14 10:02:31" is not an ISO 8601 time`},
		{"tags string not JSON", `{"event_value": "1", "trigger_id": "1", "event_tags": "scope:availability"}`, `alerts: event_tags: the string is not a JSON array`},
		{"tags string with a bad tag", `{"event_value": "1", "trigger_id": "1", "event_tags": "[{\"tag\": [1]}]"}`,
			`alerts: event_tags (a string holding a JSON array of {"tag","value"} objects ({EVENT.TAGSJSON})): event_tags[0].tag: expected a string or a number, got array`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(testZabbix, []byte(tt.body))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("Decode = %v\nwant %q", err, tt.want)
			}
			var se *SyntaxError
			if errors.As(err, &se) {
				t.Errorf("want a plain error, got %T", err)
			}
		})
	}
}

// The committed media type script, run the way Zabbix runs it (under
// Node.js, with Zabbix's HttpRequest stubbed), posts exactly the testdata
// bodies, with the token in the Authorization header and not in the body.
func TestZabbixMediaTypeScript(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed: the media type script is not run")
	}
	for _, name := range []string{"problem", "recovery", "ack"} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(node, filepath.Join("testdata", "zabbix_harness.js"), filepath.Join("integrations", "zabbix-mediatype.js"),
				filepath.Join("testdata", "zabbix_params_"+name+".json"))
			cmd.Env = append(os.Environ(), "TZ=Asia/Ho_Chi_Minh") // the Zabbix server's zone: {EVENT.TIME} is local time
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("node: %v", err)
			}
			var posted struct {
				URL     string          `json:"url"`
				Headers []string        `json:"headers"`
				Body    json.RawMessage `json:"body"`
				Result  string          `json:"result"`
				Error   string          `json:"error"`
			}
			if err := json.Unmarshal(out, &posted); err != nil {
				t.Fatalf("harness output %s: %v", out, err)
			}
			if posted.Result != "OK" || posted.URL != "https://irbot.example.gov.vn/alerts/zabbix" {
				t.Fatalf("script returned %q (error %q), posted to %q", posted.Result, posted.Error, posted.URL)
			}
			wantHeaders := []string{"Content-Type: application/json", "Authorization: Bearer zbx-route-token-0000"}
			if !reflect.DeepEqual(posted.Headers, wantHeaders) {
				t.Errorf("headers = %q, want %q", posted.Headers, wantHeaders)
			}
			var got, want any
			if err := json.Unmarshal(posted.Body, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(readTestdata(t, "zabbix_"+name+".json"), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("script posted\n%s\nwant testdata/zabbix_%s.json", posted.Body, name)
			}
			if strings.Contains(string(posted.Body), "zbx-route-token") {
				t.Error("the token is in the body")
			}
		})
	}
	// A refusal is an error Zabbix shows in the action log, with irbot's answer.
	cmd := exec.Command(node, filepath.Join("testdata", "zabbix_harness.js"), filepath.Join("integrations", "zabbix-mediatype.js"),
		filepath.Join("testdata", "zabbix_params_problem.json"), "400")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `irbot notification failed: irbot answered HTTP 400: {\"error\":\"refused\"}`) {
		t.Errorf("a 400 answer: %s", out)
	}
}
