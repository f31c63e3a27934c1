package alerts

import (
	"strings"
	"testing"

	"github.com/irbot/irbot/bot"
)

func TestRouteCheck(t *testing.T) {
	ok := []Route{
		{ID: "prom", Kind: KindAlertmanager, TokenEnv: "T"},
		{ID: "grafana.main", Kind: KindGrafana, TokenFile: "/run/secrets/g", SeverityMap: map[string]string{"P1": "sev1", "p2": "SEV2"}},
		{ID: "siem_1", Kind: KindGeneric, HMACSecretEnv: "S", HMACHeader: "X-Hub-Signature-256",
			Fields: GenericFields{Title: "event.name", DedupKey: "event.id", Alerts: "data.items", ResolvedValues: []string{"closed"}}},
		{ID: "zabbix", Kind: KindZabbix, HMACSecretEnv: "S", SeverityMap: map[string]string{"thảm họa": "sev1"}},
		{ID: "wazuh", Kind: KindWazuh, TokenEnv: "T"},
		{ID: "wazuh-2", Kind: KindWazuh, TokenEnv: "T", Playbook: "data-leak", Wazuh: WazuhOptions{Levels: WazuhLevels{Sev1: 15, Sev2: 12, Sev3: 3},
			Groups: WazuhGroups{{"ransomware", "ransomware"}, {"sql_injection", "data-leak"}}}},
		{ID: "wazuh-3", Kind: KindWazuh, TokenEnv: "T", Wazuh: WazuhOptions{Levels: WazuhLevels{Sev3: 9}}},
		{ID: "kuma", Kind: KindUptimeKuma, TokenFile: "/run/secrets/kuma", SeverityFromLabel: "muc_do"},
		{ID: "pd", Kind: KindPagerDuty, TokenEnv: "T", SeverityMap: map[string]string{"warning": "sev2"}},
	}
	for _, r := range ok {
		if err := r.Check(); err != nil {
			t.Errorf("Check(%s) = %v", r.ID, err)
		}
	}
	tests := []struct {
		name  string
		route Route
		want  []string // substrings of the error
	}{
		{"no id", Route{Kind: KindAlertmanager, TokenEnv: "T"}, []string{`alert route "": id is required`}},
		{"bad id", Route{ID: "a/b", Kind: KindAlertmanager, TokenEnv: "T"}, []string{"id may only hold"}},
		{"no kind", Route{ID: "x", TokenEnv: "T"}, []string{"kind is required"}},
		{"unknown kind", Route{ID: "x", Kind: "nagios", TokenEnv: "T"}, []string{`kind "nagios" is not alertmanager, grafana, generic, zabbix, wazuh, uptimekuma or pagerduty`}},
		{"no auth", Route{ID: "x", Kind: KindGrafana}, []string{"no authentication"}},
		{"two auths", Route{ID: "x", Kind: KindGrafana, TokenEnv: "T", TokenFile: "/f"}, []string{"set only one of"}},
		{"three auths", Route{ID: "x", Kind: KindGrafana, TokenEnv: "T", TokenFile: "/f", HMACSecretEnv: "S"}, []string{"set only one of"}},
		{"hmac header without secret", Route{ID: "x", Kind: KindGrafana, TokenEnv: "T", HMACHeader: "X-Sig"}, []string{"hmac_header needs hmac_secret_env"}},
		{"bad hmac header", Route{ID: "x", Kind: KindGrafana, HMACSecretEnv: "S", HMACHeader: "X Sig:"}, []string{"not a valid header name"}},
		{"bad severity value", Route{ID: "x", Kind: KindAlertmanager, TokenEnv: "T", SeverityMap: map[string]string{"disaster": "sev0"}},
			[]string{`severity_map["disaster"]: "sev0" is not sev1, sev2, sev3 or sev4`}},
		{"severity words clash", Route{ID: "x", Kind: KindAlertmanager, TokenEnv: "T", SeverityMap: map[string]string{"P1": "sev1", "p1": "sev2"}},
			[]string{"are the same word"}},
		{"empty severity word", Route{ID: "x", Kind: KindAlertmanager, TokenEnv: "T", SeverityMap: map[string]string{" ": "sev1"}}, []string{"empty word"}},
		{"generic without title", Route{ID: "x", Kind: KindGeneric, TokenEnv: "T", Fields: GenericFields{DedupKey: "id"}},
			[]string{"fields.title is required"}},
		{"generic bad path", Route{ID: "x", Kind: KindGeneric, TokenEnv: "T", Fields: GenericFields{Title: "a..b", Labels: ".x"}},
			[]string{`fields.title: "a..b" is not a dotted path`, `fields.labels: ".x"`}},
		{"generic empty resolved value", Route{ID: "x", Kind: KindGeneric, TokenEnv: "T", Fields: GenericFields{Title: "t", ResolvedValues: []string{""}}},
			[]string{"fields.resolved_values: empty value"}},
		{"fields on alertmanager", Route{ID: "x", Kind: KindAlertmanager, TokenEnv: "T", Fields: GenericFields{Title: "t"}},
			[]string{"fields apply only to kind generic"}},
		{"fields on zabbix", Route{ID: "x", Kind: KindZabbix, TokenEnv: "T", Fields: GenericFields{Title: "t"}},
			[]string{"fields apply only to kind generic"}},
		{"wazuh options on another kind", Route{ID: "x", Kind: KindAlertmanager, TokenEnv: "T", Wazuh: WazuhOptions{Levels: WazuhLevels{Sev1: 12}}},
			[]string{"wazuh applies only to kind wazuh"}},
		{"wazuh levels out of order", Route{ID: "x", Kind: KindWazuh, TokenEnv: "T", Wazuh: WazuhOptions{Levels: WazuhLevels{Sev1: 9}}},
			[]string{"wazuh.levels: sev2 (10) must be below sev1 (9)"}},
		{"wazuh levels equal", Route{ID: "x", Kind: KindWazuh, TokenEnv: "T", Wazuh: WazuhOptions{Levels: WazuhLevels{Sev3: 10}}},
			[]string{"wazuh.levels: sev3 (10) must be below sev2 (10)"}},
		{"wazuh level out of range", Route{ID: "x", Kind: KindWazuh, TokenEnv: "T", Wazuh: WazuhOptions{Levels: WazuhLevels{Sev1: 20, Sev3: -1}}},
			[]string{"wazuh.levels.sev1: 20 is not a Wazuh rule level (1–16)", "wazuh.levels.sev3: -1 is not"}},
		{"wazuh groups", Route{ID: "x", Kind: KindWazuh, TokenEnv: "T", Wazuh: WazuhOptions{Groups: WazuhGroups{
			{"web", "Defacement"}, {"", "outage"}, {"web,attack", "defacement"}, {"WEB", "outage"}}}},
			[]string{`wazuh.groups["web"]: "Defacement" is not a playbook id`, "wazuh.groups: empty group name",
				`wazuh.groups: "web,attack" is not one group name`, `wazuh.groups: group "WEB" is listed twice`}},
		{"wazuh groups empty", Route{ID: "x", Kind: KindWazuh, TokenEnv: "T", Wazuh: WazuhOptions{Groups: WazuhGroups{}}},
			[]string{"wazuh.groups is empty"}},
		{"severity_map on wazuh", Route{ID: "x", Kind: KindWazuh, TokenEnv: "T", SeverityMap: map[string]string{"12": "sev1"}},
			[]string{"severity_map does not apply to kind wazuh: set wazuh.levels"}},
		{"severity_from_label on zabbix", Route{ID: "x", Kind: KindZabbix, TokenEnv: "T", SeverityFromLabel: "prio"},
			[]string{"severity_from_label does not apply to kind zabbix: its severity comes from the event severity"}},
		{"severity_from_label on pagerduty", Route{ID: "x", Kind: KindPagerDuty, TokenEnv: "T", SeverityFromLabel: "prio"},
			[]string{"its severity comes from payload.severity"}},
		{"hmac on pagerduty", Route{ID: "x", Kind: KindPagerDuty, HMACSecretEnv: "S"},
			[]string{"kind pagerduty cannot sign its requests: use token_env or token_file (sent as the event's routing_key or a bearer token)"}},
		{"hmac on uptimekuma", Route{ID: "x", Kind: KindUptimeKuma, HMACSecretEnv: "S"},
			[]string{"kind uptimekuma cannot sign its requests", "Additional Headers"}},
		{"every problem at once", Route{Kind: "nope", SeverityMap: map[string]string{"a": "b"}},
			[]string{"id is required", `kind "nope"`, "no authentication", `severity_map["a"]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.route.Check()
			if err == nil {
				t.Fatal("Check = nil, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Check = %q, want it to say %q", err, w)
				}
			}
		})
	}
}

func TestSeverityOf(t *testing.T) {
	def := Route{}
	custom := Route{SeverityMap: map[string]string{"P1": "sev1", "p2": "sev2", "warning": "sev2", "Disaster": "SEV1", "bad": "sev9"}}
	tests := []struct {
		word        string
		def, custom int
	}{
		{"critical", 1, 1},
		{"CRITICAL", 1, 1},
		{" error ", 2, 2},
		{"high", 2, 2},
		{"warning", 3, 2}, // the route's map wins over the defaults
		{"info", 4, 4},
		{"low", 4, 4},
		{"sev2", 2, 2},
		{"SEV4", 4, 4},
		{"p1", 3, 1},
		{"P2", 3, 2},
		{"disaster", 3, 1},
		{"bad", 3, 3}, // an invalid map value is ignored
		{"", 3, 3},
		{"page-everyone", 3, 3},
		{"sev5", 3, 3},
	}
	for _, tt := range tests {
		a := bot.Alert{Severity: tt.word}
		if got := def.SeverityOf(a); got != tt.def {
			t.Errorf("default SeverityOf(%q) = %d, want %d", tt.word, got, tt.def)
		}
		if got := custom.SeverityOf(a); got != tt.custom {
			t.Errorf("custom SeverityOf(%q) = %d, want %d", tt.word, got, tt.custom)
		}
	}
}

// SeverityOf works on what Decode produced from the route's label.
func TestSeverityOfDecoded(t *testing.T) {
	r := Route{ID: "prom", Kind: KindAlertmanager, SeverityMap: map[string]string{"warning": "sev2"}}
	as, err := Decode(r, readTestdata(t, "am_firing.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{r.SeverityOf(as[0]), r.SeverityOf(as[1])}; got[0] != 1 || got[1] != 2 {
		t.Errorf("severities = %v, want [1 2]", got)
	}
}
