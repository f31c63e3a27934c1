package alerts

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
)

func kumaAlert(t *testing.T, file, status, msg, top string, starts, ends time.Time) bot.Alert {
	return bot.Alert{
		Route: "kuma", Source: "uptimekuma", Fingerprint: "monitor-7", GroupKey: "monitor-7", Status: status,
		Title: "Cổng dịch vụ công tỉnh: " + msg, Severity: "sev2",
		Labels: map[string]string{"monitor_id": "7", "monitor": "Cổng dịch vụ công tỉnh", "monitor_type": "http",
			"severity": "sev2", "public": ""},
		Annotations: map[string]string{"description": msg, "message": top},
		StartsAt:    starts, EndsAt: ends,
		URL: "https://dichvucong.example.gov.vn/",
		Raw: compact(readTestdata(t, file)),
	}
}

func TestDecodeUptimeKuma(t *testing.T) {
	down := kumaAlert(t, "kuma_down.json", "firing", "Request failed with status code 503",
		"[Cổng dịch vụ công tỉnh] [🔴 Down] Request failed with status code 503", utc("2024-05-14T03:05:12.441Z"), time.Time{})
	up := kumaAlert(t, "kuma_up.json", "resolved", "200 - OK", "[Cổng dịch vụ công tỉnh] [✅ Up] 200 - OK",
		time.Time{}, utc("2024-05-14T03:31:48.902Z"))
	for _, tt := range []struct {
		file string
		want bot.Alert
	}{{"kuma_down.json", down}, {"kuma_up.json", up}} {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Decode(testKuma, readTestdata(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if d := diffAlerts(got, []bot.Alert{tt.want}); d != "" {
				t.Error(d)
			}
		})
	}
	if n := testKuma.SeverityOf(down); n != 2 {
		t.Errorf("a monitor tagged severity: sev2 is sev%d", n)
	}
	if pb := testKuma.PlaybookOf(down); pb != "" {
		t.Errorf("playbook %q, want the engine's default (outage)", pb)
	}
}

func TestDecodeUptimeKumaFields(t *testing.T) {
	// Older Uptime Kuma: no monitor tags, the id only in the heartbeat,
	// the status as a string; a non-HTTP monitor's url is "https://".
	got, err := Decode(Route{ID: "kuma", Kind: KindUptimeKuma, SeverityFromLabel: "muc_do"},
		[]byte(`{"heartbeat":{"monitorID":12,"status":"0","time":"2024-05-14 03:05:12","msg":""},"monitor":{"name":"DNS nội bộ","url":"https://","hostname":"10.0.0.53","type":"dns","tags":["core",{"name":"muc_do","value":"critical"},null]},"msg":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	a := got[0]
	if a.Fingerprint != "monitor-12" || a.Title != "DNS nội bộ" || a.URL != "" || a.Severity != "critical" ||
		a.Labels["hostname"] != "10.0.0.53" || a.Labels["core"] != "" || a.Labels["muc_do"] != "critical" {
		t.Errorf("%+v", a)
	}
	if _, ok := a.Labels["core"]; !ok {
		t.Errorf("a tag without a value is a label with an empty value: %v", a.Labels)
	}
}

func TestDecodeUptimeKumaNothingToRecord(t *testing.T) {
	for _, tt := range []struct{ name, body, want string }{
		{"test button", string(readTestdata(t, "kuma_test.json")), `alerts: nothing to record: Uptime Kuma notification without a heartbeat (the test button): "Uptime Kuma Testing"`},
		{"no heartbeat at all", `{"msg": "Certificate expires in 7 days"}`, "without a heartbeat"},
		{"pending", `{"heartbeat":{"monitorID":7,"status":2},"monitor":{"id":7}}`, "alerts: nothing to record: Uptime Kuma heartbeat status 2 (pending)"},
		{"maintenance", `{"heartbeat":{"monitorID":7,"status":3},"monitor":{"id":7}}`, "alerts: nothing to record: Uptime Kuma heartbeat status 3 (maintenance)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			as, err := Decode(testKuma, []byte(tt.body))
			if !errors.Is(err, ErrNoAlert) || as != nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode = %v, %v; want ErrNoAlert saying %q", as, err, tt.want)
			}
		})
	}
}

func TestDecodeUptimeKumaInvalid(t *testing.T) {
	for _, tt := range []struct{ name, body, want string }{
		{"unknown status", `{"heartbeat":{"monitorID":7,"status":7},"monitor":{"id":7}}`, `alerts: heartbeat.status: "7" is not 0 (down), 1 (up), 2 (pending) or 3 (maintenance)`},
		{"no status", `{"heartbeat":{"monitorID":7},"monitor":{"id":7}}`, "alerts: heartbeat.status: missing (want 0 for down, 1 for up)"},
		{"no monitor id", `{"heartbeat":{"status":0},"monitor":{"name":"x"}}`, "alerts: monitor.id: missing (and heartbeat.monitorID)"},
		{"bad time", `{"heartbeat":{"monitorID":7,"status":0,"time":"yesterday"},"monitor":null}`, `alerts: heartbeat.time: "yesterday" is not a time like 2024-05-14 03:02:31.504`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(testKuma, []byte(tt.body))
			if err == nil || err.Error() != tt.want || errors.Is(err, ErrNoAlert) {
				t.Errorf("Decode = %v\nwant %q", err, tt.want)
			}
		})
	}
}
