package alerts

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/irbot/irbot/bot"
)

func sqliAlert(t *testing.T) bot.Alert {
	return bot.Alert{
		Route: "wazuh", Source: "wazuh", Fingerprint: "31152:003", GroupKey: "31152:003", Status: "firing",
		Title: "Multiple SQL injection attempts from same source ip on cong-ttdt-web01", Severity: "10",
		Labels: map[string]string{"rule_id": "31152", "rule_level": "10", "rule_groups": "web,accesslog,attack,sql_injection",
			"agent_id": "003", "agent": "cong-ttdt-web01", "agent_ip": "10.10.20.11", "manager": "wazuh-manager",
			"decoder": "web-accesslog", "location": "/var/log/nginx/access.log", "mitre_id": "T1055",
			"mitre_tactic": "Defense Evasion,Privilege Escalation", "mitre_technique": "Process Injection", "srcip": "203.0.113.45"},
		Annotations: map[string]string{"description": "Multiple SQL injection attempts from same source ip.",
			"full_log": `203.0.113.45 - - [14/May/2024:10:21:06 +0700] "GET /tin-tuc/chi-tiet.php?id=12%20union%20select%20user,password,null%20from%20nguoidung-- HTTP/1.1" 200 4980 "-" "sqlmap/1.8.4#stable (https://sqlmap.org)"`},
		StartsAt: utc("2024-05-14T03:21:06.772Z"),
		Raw:      compact(readTestdata(t, "wazuh_sqli.json")),
	}
}

func TestDecodeWazuh(t *testing.T) {
	ransomware := bot.Alert{
		Route: "wazuh", Source: "wazuh", Fingerprint: "100212:017", GroupKey: "100212:017", Status: "firing",
		Title:    `Possible ransomware activity: ransom note C:\Users\ketoan\Documents\README_RESTORE_FILES.txt was created on KT-PC-05`,
		Severity: "12",
		Labels: map[string]string{"rule_id": "100212", "rule_level": "12", "rule_groups": "windows,sysmon,ransomware",
			"agent_id": "017", "agent": "KT-PC-05", "agent_ip": "10.10.30.25", "manager": "wazuh-manager",
			"decoder": "windows_eventchannel", "location": "EventChannel", "mitre_id": "T1486", "mitre_tactic": "Impact",
			"mitre_technique": "Data Encrypted for Impact"},
		Annotations: map[string]string{"description": `Possible ransomware activity: ransom note C:\Users\ketoan\Documents\README_RESTORE_FILES.txt was created.`},
		StartsAt:    utc("2024-05-14T03:17:42.318Z"),
		Raw:         compact(readTestdata(t, "wazuh_ransomware.json")),
	}
	tests := []struct {
		file     string
		want     bot.Alert
		sev      int
		playbook string
	}{
		{"wazuh_ransomware.json", ransomware, 1, "ransomware"},
		{"wazuh_sqli.json", sqliAlert(t), 2, "defacement"},
		// Wazuh's shuffle integration wraps the alert in all_fields.
		{"wazuh_shuffle.json", sqliAlert(t), 2, "defacement"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Decode(testWazuh, readTestdata(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if d := diffAlerts(got, []bot.Alert{tt.want}); d != "" {
				t.Error(d)
			}
			if n := testWazuh.SeverityOf(got[0]); n != tt.sev {
				t.Errorf("severity %d, want %d", n, tt.sev)
			}
			if pb := testWazuh.PlaybookOf(got[0]); pb != tt.playbook {
				t.Errorf("playbook %q, want %q", pb, tt.playbook)
			}
		})
	}
}

func TestWazuhLevelsAndGroups(t *testing.T) {
	def := Route{Kind: KindWazuh, Playbook: "operational-error"}
	custom := Route{Kind: KindWazuh, Wazuh: WazuhOptions{Levels: WazuhLevels{Sev1: 14, Sev3: 5},
		Groups: WazuhGroups{{"sql_injection", "data-leak"}, {"web", "defacement"}, {"authentication_failures", "phishing"}}}}
	for _, tt := range []struct {
		level       string
		def, custom int
	}{{"16", 1, 1}, {"15", 1, 1}, {"14", 1, 1}, {"13", 1, 2}, {"12", 1, 2}, {"11", 2, 2}, {"10", 2, 2}, {"9", 3, 3},
		{"7", 3, 3}, {"6", 4, 3}, {"5", 4, 3}, {"4", 4, 4}, {"0", 4, 4}, {"high", 2, 2}, {"", 3, 3}} {
		a := bot.Alert{Severity: tt.level}
		if got := def.SeverityOf(a); got != tt.def {
			t.Errorf("default levels: level %q is sev%d, want sev%d", tt.level, got, tt.def)
		}
		if got := custom.SeverityOf(a); got != tt.custom {
			t.Errorf("custom levels: level %q is sev%d, want sev%d", tt.level, got, tt.custom)
		}
	}
	for _, tt := range []struct {
		groups      string
		def, custom string
	}{
		{"web,accesslog,attack,sql_injection", "defacement", "data-leak"}, // the route's first listed group wins
		{"windows,sysmon,Ransomware", "ransomware", "operational-error"},
		{"syslog,sshd,authentication_failures", "operational-error", "phishing"},
		{"", "operational-error", "operational-error"},
	} {
		a := bot.Alert{Labels: map[string]string{"rule_groups": tt.groups}}
		custom.Playbook = "operational-error"
		if got := def.PlaybookOf(a); got != tt.def {
			t.Errorf("default groups %q: %q, want %q", tt.groups, got, tt.def)
		}
		if got := custom.PlaybookOf(a); got != tt.custom {
			t.Errorf("custom groups %q: %q, want %q", tt.groups, got, tt.custom)
		}
	}
	if got := (Route{Kind: KindAlertmanager, Playbook: "outage"}).PlaybookOf(bot.Alert{Labels: map[string]string{"rule_groups": "ransomware"}}); got != "outage" {
		t.Errorf("other kinds use the route's playbook: %q", got)
	}
	if got, want := custom.Playbooks(), []string{"data-leak", "defacement", "operational-error", "phishing"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Playbooks = %q, want %q", got, want)
	}
}

// The options read from YAML as irbot's config file writes them, the
// groups in the order written.
func TestWazuhOptionsYAML(t *testing.T) {
	var r Route
	doc := `
id: wazuh
kind: wazuh
token_env: WAZUH_TOKEN
wazuh:
  levels: {sev1: 13, sev2: 10}
  groups:
    web: defacement
    ransomware: ransomware
    attack: defacement
`
	if err := yaml.Unmarshal([]byte(doc), &r); err != nil {
		t.Fatal(err)
	}
	want := WazuhOptions{Levels: WazuhLevels{Sev1: 13, Sev2: 10},
		Groups: WazuhGroups{{"web", "defacement"}, {"ransomware", "ransomware"}, {"attack", "defacement"}}}
	if !reflect.DeepEqual(r.Wazuh, want) {
		t.Errorf("wazuh = %+v, want %+v", r.Wazuh, want)
	}
	if err := r.Check(); err != nil {
		t.Error(err)
	}
	for _, bad := range []struct{ doc, want string }{
		{"wazuh: {groups: [ransomware]}", "line 1: wazuh.groups must be a mapping of rule group to playbook"},
		{"wazuh:\n  groups:\n    web: [defacement]", "line 3: wazuh.groups: each entry is group: playbook"},
	} {
		var r Route
		err := yaml.Unmarshal([]byte(bad.doc), &r)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want %q", bad.doc, err, bad.want)
		}
	}
}

func TestDecodeWazuhInvalid(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"no rule", `{"agent": {"id": "001"}}`, "alerts: rule: missing (a Wazuh alert has rule.level, rule.id and rule.description)"},
		{"no level", `{"rule": {"id": "5710"}}`, "alerts: rule.level: missing"},
		{"level a word", `{"rule": {"id": "5710", "level": "high"}}`, `alerts: rule.level: "high" is not a rule level (0–16)`},
		{"level a fraction", `{"rule": {"id": "5710", "level": 7.5}}`, `alerts: rule.level: "7.5" is not a rule level (0–16)`},
		{"no rule id", `{"rule": {"level": 5}}`, "alerts: rule.id: missing"},
		{"bad time", `{"rule": {"id": "1", "level": 5}, "timestamp": "14/May/2024:10:21:06"}`, `alerts: timestamp: "14/May/2024:10:21:06" is not an ISO 8601 time`},
		{"shuffle body without rule", `{"all_fields": {"agent": {}}}`, "alerts: all_fields.rule: missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(testWazuh, []byte(tt.body))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("Decode = %v\nwant %q", err, tt.want)
			}
		})
	}
}

// The committed custom integration posts the alert file to the route
// with the bearer token, and what it posts is accepted and decodes.
func TestWazuhIntegrationScript(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: the integration script is not run")
	}
	auth := Auth{Token: "wazuh-route-token"}
	var got []bot.Alert
	var authErr, decodeErr error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if r.URL.Path != "/alerts/wazuh" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "wrong path or type", http.StatusBadRequest)
			return
		}
		if authErr = auth.Authorize(r.Header, body); authErr != nil {
			http.Error(w, "missing or wrong credentials", http.StatusUnauthorized)
			return
		}
		if got, decodeErr = Decode(testWazuh, body); decodeErr != nil {
			http.Error(w, decodeErr.Error(), http.StatusBadRequest)
			return
		}
		w.Write([]byte(`{"incidents":["IR-1"],"opened":1,"recorded":1}`))
	}))
	defer srv.Close()
	script := filepath.Join("integrations", "custom-irbot")
	run := func(token string) (string, error) {
		cmd := exec.Command(python, script, filepath.Join("testdata", "wazuh_sqli.json"), token, srv.URL+"/alerts/wazuh")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("wazuh-route-token"); err != nil {
		t.Fatalf("custom-irbot: %v: %s (auth %v, decode %v)", err, out, authErr, decodeErr)
	}
	if d := diffAlerts(got, []bot.Alert{sqliAlert(t)}); d != "" {
		t.Error(d)
	}
	out, err := run("wrong")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(out, "irbot answered HTTP 401: missing or wrong credentials") {
		t.Errorf("wrong token: %v, %q", err, out)
	}
}

// A Wazuh alert is always firing, so a repeat of the same rule on the
// same agent joins the open incident as a repeat.
func TestWazuhRepeat(t *testing.T) {
	a, err := Decode(testWazuh, []byte(`{"rule":{"id":"5720","level":10,"description":"sshd: Multiple authentication failures."},"agent":{"id":"004","name":"bastion"},"timestamp":"2024-05-14T10:00:00+0700"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Decode(testWazuh, []byte(`{"rule":{"id":5720,"level":"10","description":"sshd: Multiple authentication failures."},"agent":{"id":"004","name":"bastion"},"timestamp":"2024-05-14T10:05:00+0700","data":{"srcip":"198.51.100.7"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if a[0].Fingerprint != b[0].Fingerprint || a[0].GroupKey != "5720:004" || a[0].Status != bot.AlertFiring || b[0].Status != bot.AlertFiring {
		t.Errorf("%+v\n%+v", a[0], b[0])
	}
	if !b[0].StartsAt.Equal(time.Date(2024, 5, 14, 3, 5, 0, 0, time.UTC)) || b[0].Labels["srcip"] != "198.51.100.7" {
		t.Errorf("second: %v %v", b[0].StartsAt, b[0].Labels)
	}
}
