package main_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
)

// TestServeTakesZabbixWazuhKumaAndPagerDuty posts each tool's payload, as
// committed in bot/alerts/testdata, to the built binary running the
// shipped config with four more routes: a problem opens an incident and
// pages; a repeat is recorded and pages nobody again; a recovery resolves;
// Wazuh's rule groups pick the playbook; PagerDuty's acknowledge
// acknowledges and its answers are PagerDuty's.
func TestServeTakesZabbixWazuhKumaAndPagerDuty(t *testing.T) {
	tg := telegramtest.New(t)
	tg.AddChat(telegramtest.Chat{ID: -1001, Type: telegramtest.Supergroup, Title: "SOC"})
	tg.AddChat(telegramtest.Chat{ID: -1002, Type: telegramtest.Supergroup, Title: "Leaders"})
	for _, id := range []int64{111, 222, 333} {
		tg.AddChat(telegramtest.Chat{ID: id, Type: telegramtest.Private})
	}
	routes := `    - {id: zabbix, kind: zabbix, token_env: IRBOT_T1, chat: soc, escalation: ops, auto_resolve: true}
    - {id: wazuh, kind: wazuh, token_env: IRBOT_T2, chat: soc, escalation: security}
    - {id: kuma, kind: uptimekuma, token_env: IRBOT_T3, chat: soc, escalation: ops, auto_resolve: true}
    - {id: pd, kind: pagerduty, token_env: IRBOT_T4, chat: soc, escalation: ops, auto_resolve: true}
`
	cfg := shippedConfig(t, append(telegramOn(tg.URL()), "alerts:\n  routes:\n", "alerts:\n  routes:\n"+routes)...)
	s := startServe(t, cfg, "TELEGRAM_BOT_TOKEN="+tg.Token(), "IRBOT_ALERT_TOKEN=tok",
		"IRBOT_T1=zbx-token", "IRBOT_T2=wazuh-token", "IRBOT_T3=kuma-token", "IRBOT_T4=pd-route-token-00000000000000000")
	post := func(route, token, file string, want int) map[string]any {
		t.Helper()
		code, body := s.post(t, "/alerts/"+route, token, payload(t, file))
		if code != want {
			t.Fatalf("%s: %d %s, want %d", file, code, body, want)
		}
		var out map[string]any
		json.Unmarshal([]byte(body), &out)
		return out
	}
	soc := func(want ...string) {
		t.Helper()
		if _, ok := tg.WaitMessage(-1001, 10*time.Second, func(m telegramtest.Message) bool {
			for _, w := range want {
				if !strings.Contains(m.Text, w) {
					return false
				}
			}
			return true
		}); !ok {
			var got []string
			for _, m := range tg.Messages(-1001) {
				got = append(got, m.Text)
			}
			t.Fatalf("soc never got %q; it has:\n%s", want, strings.Join(got, "\n---\n"))
		}
	}
	pagesFor := func(ref string) int {
		n := 0
		for _, id := range []int64{111, 222, 333} {
			for _, m := range tg.Messages(id) {
				if strings.Contains(m.Text, ref+" ") || strings.Contains(m.Text, ref+"\n") {
					n++
				}
			}
		}
		return n
	}
	waitPages := func(ref string, n int) {
		t.Helper()
		if !tg.WaitFor(10*time.Second, func() bool { return pagesFor(ref) == n }) {
			t.Fatalf("%s: %d pages, want %d", ref, pagesFor(ref), n)
		}
	}

	// Zabbix: problem, repeat, recovery.
	if r := post("zabbix", "zbx-token", "zabbix_problem.json", 200); r["opened"] != 1.0 {
		t.Fatalf("zabbix problem: %v", r)
	}
	soc("IR-1", "Cổng TTĐT: trang chủ không truy cập được")
	waitPages("IR-1", 1)
	if r := post("zabbix", "zbx-token", "zabbix_problem.json", 200); r["opened"] != 0.0 || r["recorded"] != 1.0 {
		t.Fatalf("zabbix repeat: %v", r)
	}
	post("zabbix", "zbx-token", "zabbix_recovery.json", 200)
	soc("IR-1", "tự động đóng xử lý")

	// Wazuh: a ransomware rule opens the ransomware playbook.
	post("wazuh", "wazuh-token", "wazuh_ransomware.json", 200)
	soc("IR-2", "Mã độc tống tiền")
	waitPages("IR-2", 1)

	// Uptime Kuma: down, its Test button (nothing to record), up.
	post("kuma", "kuma-token", "kuma_down.json", 200)
	soc("IR-3")
	post("kuma", "kuma-token", "kuma_test.json", 200)
	post("kuma", "kuma-token", "kuma_up.json", 200)
	soc("IR-3", "tự động đóng xử lý")

	// PagerDuty Events v2: 202 with the dedup key; acknowledge; resolve.
	r := post("pd", "", "pd_trigger.json", 202)
	if r["status"] != "success" || r["dedup_key"] == "" {
		t.Fatalf("pagerduty trigger answer: %v", r)
	}
	waitPages("IR-4", 1)
	post("pd", "", "pd_acknowledge.json", 202)
	soc("IR-4", "đã được tiếp nhận trong")
	post("pd", "", "pd_resolve.json", 202)
	soc("IR-4", "tự động đóng xử lý")
	if code, body := s.post(t, "/alerts/pd", "", []byte(`{"routing_key":"pd-route-token-00000000000000000","event_action":"trigger"}`)); code != 400 || !strings.Contains(body, "invalid event") {
		t.Fatalf("bad pagerduty event: %d %s", code, body)
	}
	if code, _ := s.post(t, "/alerts/pd", "", []byte(`{"routing_key":"wrong","event_action":"trigger","payload":{"summary":"x","source":"y","severity":"info"}}`)); code != 401 {
		t.Fatalf("wrong routing key: %d", code)
	}
	for _, ref := range []string{"IR-1", "IR-2", "IR-4"} {
		if n := pagesFor(ref); n != 1 {
			t.Errorf("%s paged %d times", ref, n)
		}
	}
}
