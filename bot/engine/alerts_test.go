package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/intake"
)

func alert(fp, status, title string) bot.Alert {
	return bot.Alert{Route: "prom", Source: "alertmanager", Fingerprint: fp, GroupKey: "g1", Status: status, Title: title,
		Severity: "critical", Labels: map[string]string{"alertname": "HostDown", "instance": fp}, Raw: `{"fingerprint":"` + fp + `"}`}
}

func sev1(bot.Alert) int { return 1 }

func TestAlertsOpenJoinAndResolve(t *testing.T) {
	h := newHarness(t, "en", team(), withPaging(0))
	ctx := context.Background()
	in := intake.Route{Route: "prom", Chat: "soc", Escalation: "ops"}
	res, err := h.eng.Alerts(ctx, in, []bot.Alert{alert("a", "firing", "db1 down"), alert("b", "firing", "db2 down")}, sev1)
	if err != nil || res.Opened != 1 || len(res.Incidents) != 1 || res.Incidents[0] != "IR-1" {
		t.Fatalf("first notification: %+v, %v", res, err)
	}
	out := h.drain()
	mustContain(t, "opened", joinTexts(out), "[soc] 🚨 IR-1 · SEV1", "db1 down (+1)", "Opened from an alert (prom)")
	if p := pagesTo(out, "dung"); len(p) != 1 {
		t.Fatalf("ops policy should page dung once: %s", joinTexts(out))
	}
	// Alertmanager repeats the same group: recorded, nothing said, nobody paged.
	res, _ = h.eng.Alerts(ctx, in, []bot.Alert{alert("a", "firing", "db1 down"), alert("b", "firing", "db2 down")}, sev1)
	if res.Opened != 0 || res.Incidents[0] != "IR-1" {
		t.Fatalf("repeat: %+v", res)
	}
	if out := h.drain(); len(out) != 0 {
		t.Fatalf("a repeated notification produced messages: %s", joinTexts(out))
	}
	h.eng.Alerts(ctx, in, []bot.Alert{alert("c", "firing", "db3 down")}, sev1)
	mustContain(t, "new alert joins", joinTexts(h.drain()), "IR-1: new alert", "db3 down")
	h.eng.Alerts(ctx, in, []bot.Alert{alert("a", "resolved", "db1 down")}, sev1)
	mustContain(t, "one resolved", joinTexts(h.drain()), "IR-1: alert resolved", "db1 down")
	h.eng.Alerts(ctx, in, []bot.Alert{alert("b", "resolved", "db2 down"), alert("c", "resolved", "db3 down")}, sev1)
	mustContain(t, "all resolved", joinTexts(h.drain()), "every alert has resolved")
	inc, _ := h.st.Incident(ctx, 1)
	if !inc.Open() {
		t.Fatal("resolved without auto_resolve")
	}
	evs, _ := h.st.Timeline(ctx, 1, 0)
	alerts := 0
	stored := map[string]bool{} // raw payloads by hash, each stored once
	for _, e := range evs {
		if e.Kind == bot.EvAlert || e.Kind == bot.EvAlertRepeat {
			alerts++
			h := e.Data["raw_sha256"]
			switch {
			case h == "":
				t.Fatalf("alert event without its raw payload's hash: %+v", e)
			case e.Data["raw"] != "" && stored[h]:
				t.Fatalf("raw payload stored again: %+v", e)
			case e.Data["raw"] == "" && !stored[h]:
				t.Fatalf("alert event refers to a payload never stored: %+v", e)
			}
			stored[h] = true
		}
	}
	if alerts != 8 {
		t.Fatalf("%d alert events recorded, want 8 (every alert received)", alerts)
	}
}

func TestAutoResolveAndANewIncidentAfterwards(t *testing.T) {
	h := newHarness(t, "en", team(), withPaging(0))
	ctx := context.Background()
	in := intake.Route{Route: "prom", Chat: "soc", AutoResolve: true}
	h.eng.Alerts(ctx, in, []bot.Alert{alert("a", "firing", "disk full")}, sev1)
	h.eng.Alerts(ctx, in, []bot.Alert{alert("a", "resolved", "disk full")}, sev1)
	mustContain(t, "auto-resolved", joinTexts(h.drain()), "resolved automatically")
	inc, _ := h.st.Incident(ctx, 1)
	if inc.State != bot.StateResolved {
		t.Fatalf("state %s", inc.State)
	}
	res, _ := h.eng.Alerts(ctx, in, []bot.Alert{alert("a", "firing", "disk full")}, sev1)
	if res.Opened != 1 || res.Incidents[0] != "IR-2" {
		t.Fatalf("the group fired again after its incident ended: %+v", res)
	}
	res, _ = h.eng.Alerts(ctx, intake.Route{Route: "prom", Chat: "soc"}, []bot.Alert{{Route: "prom", Fingerprint: "z", GroupKey: "other", Status: "resolved", Title: "x"}}, sev1)
	if len(res.Incidents) != 0 {
		t.Fatalf("a lone resolved alert opened something: %+v", res)
	}
}

func TestMaintenanceRecordsButPagesNobody(t *testing.T) {
	h := newHarness(t, "en", team(), withPaging(0))
	ctx := context.Background()
	mustContain(t, "set", h.say("/maintenance instance=db9 2h kernel upgrade"), "Maintenance for instance=db9", "page nobody")
	in := intake.Route{Route: "prom", Chat: "soc", Escalation: "ops"}
	h.eng.Alerts(ctx, in, []bot.Alert{alert("db9", "firing", "db9 down")}, sev1)
	out := h.drain()
	mustContain(t, "quiet", joinTexts(out), "Maintenance window (kernel upgrade): nobody paged")
	if len(pagesOf(out)) != 0 {
		t.Fatalf("paged during maintenance: %s", joinTexts(out))
	}
	h.clock.Add(3 * time.Hour)
	h.eng.Alerts(ctx, intake.Route{Route: "prom", Chat: "soc", Escalation: "ops"},
		[]bot.Alert{{Route: "prom", Fingerprint: "db9", GroupKey: "g2", Status: "firing", Title: "db9 down again", Labels: map[string]string{"instance": "db9"}}}, sev1)
	if len(pagesOf(h.drain())) != 1 {
		t.Fatal("not paged after the window ended")
	}
}

func TestAlertLabelsPickThePlaybook(t *testing.T) {
	h := newHarness(t, "en", team(), withPaging(0))
	pb, _ := h.eng.Playbooks().Get("ransomware")
	var name string
	for k, v := range pb.Match {
		name = k + "=" + v[0]
		a := bot.Alert{Route: "siem", Fingerprint: "r1", GroupKey: "r", Status: "firing", Title: "Encryption burst", Labels: map[string]string{k: v[0]}}
		h.eng.Alerts(context.Background(), intake.Route{Route: "siem", Chat: "soc"}, []bot.Alert{a}, sev1)
		break
	}
	inc, err := h.st.Incident(context.Background(), 1)
	if err != nil || inc.Playbook != "ransomware" {
		t.Fatalf("labels %s opened %+v, %v", name, inc, err)
	}
}
