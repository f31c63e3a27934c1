package intake_test

import (
	"context"
	"testing"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/engine/enginetest"
	"github.com/irbot/irbot/bot/intake"
)

func alert(fp, status, title string) bot.Alert {
	return bot.Alert{Route: "prom", Source: "alertmanager", Fingerprint: fp, GroupKey: "g1", Status: status, Title: title,
		Severity: "critical", Labels: map[string]string{"alertname": "HostDown", "instance": fp}, Raw: `{"fingerprint":"` + fp + `"}`}
}

func sev1(bot.Alert) int { return 1 }

func TestAlertsOpenJoinAndResolve(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.Team(), enginetest.WithPaging(0))
	ctx := context.Background()
	in := intake.Route{Route: "prom", Chat: "soc", Escalation: "ops"}
	res, err := h.Engine.Alerts(ctx, in, []bot.Alert{alert("a", "firing", "db1 down"), alert("b", "firing", "db2 down")}, sev1)
	if err != nil || res.Opened != 1 || len(res.Incidents) != 1 || res.Incidents[0] != "IR-1" {
		t.Fatalf("first notification: %+v, %v", res, err)
	}
	out := h.Drain()
	enginetest.MustContain(t, "opened", enginetest.JoinTexts(out), "[soc] 🚨 IR-1 · SEV1", "db1 down (+1)", "Opened from an alert (prom)")
	if p := enginetest.PagesTo(out, "dung"); len(p) != 1 {
		t.Fatalf("ops policy should page dung once: %s", enginetest.JoinTexts(out))
	}
	// Alertmanager repeats the same group: recorded, nothing said, nobody paged.
	res, _ = h.Engine.Alerts(ctx, in, []bot.Alert{alert("a", "firing", "db1 down"), alert("b", "firing", "db2 down")}, sev1)
	if res.Opened != 0 || res.Incidents[0] != "IR-1" {
		t.Fatalf("repeat: %+v", res)
	}
	if out := h.Drain(); len(out) != 0 {
		t.Fatalf("a repeated notification produced messages: %s", enginetest.JoinTexts(out))
	}
	h.Engine.Alerts(ctx, in, []bot.Alert{alert("c", "firing", "db3 down")}, sev1)
	enginetest.MustContain(t, "new alert joins", enginetest.JoinTexts(h.Drain()), "IR-1: new alert", "db3 down")
	h.Engine.Alerts(ctx, in, []bot.Alert{alert("a", "resolved", "db1 down")}, sev1)
	enginetest.MustContain(t, "one resolved", enginetest.JoinTexts(h.Drain()), "IR-1: alert resolved", "db1 down")
	h.Engine.Alerts(ctx, in, []bot.Alert{alert("b", "resolved", "db2 down"), alert("c", "resolved", "db3 down")}, sev1)
	enginetest.MustContain(t, "all resolved", enginetest.JoinTexts(h.Drain()), "every alert has resolved")
	inc, _ := h.Store.Incident(ctx, 1)
	if !inc.Open() {
		t.Fatal("resolved without auto_resolve")
	}
	evs, _ := h.Store.Timeline(ctx, 1, 0)
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
	h := enginetest.New(t, "en", enginetest.Team(), enginetest.WithPaging(0))
	ctx := context.Background()
	in := intake.Route{Route: "prom", Chat: "soc", AutoResolve: true}
	h.Engine.Alerts(ctx, in, []bot.Alert{alert("a", "firing", "disk full")}, sev1)
	h.Engine.Alerts(ctx, in, []bot.Alert{alert("a", "resolved", "disk full")}, sev1)
	enginetest.MustContain(t, "auto-resolved", enginetest.JoinTexts(h.Drain()), "resolved automatically")
	inc, _ := h.Store.Incident(ctx, 1)
	if inc.State != bot.StateResolved {
		t.Fatalf("state %s", inc.State)
	}
	res, _ := h.Engine.Alerts(ctx, in, []bot.Alert{alert("a", "firing", "disk full")}, sev1)
	if res.Opened != 1 || res.Incidents[0] != "IR-2" {
		t.Fatalf("the group fired again after its incident ended: %+v", res)
	}
	res, _ = h.Engine.Alerts(ctx, intake.Route{Route: "prom", Chat: "soc"}, []bot.Alert{{Route: "prom", Fingerprint: "z", GroupKey: "other", Status: "resolved", Title: "x"}}, sev1)
	if len(res.Incidents) != 0 {
		t.Fatalf("a lone resolved alert opened something: %+v", res)
	}
}

func TestAlertLabelsPickThePlaybook(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.Team(), enginetest.WithPaging(0))
	pb, _ := h.Engine.Playbooks().Get("ransomware")
	var name string
	for k, v := range pb.Match {
		name = k + "=" + v[0]
		a := bot.Alert{Route: "siem", Fingerprint: "r1", GroupKey: "r", Status: "firing", Title: "Encryption burst", Labels: map[string]string{k: v[0]}}
		h.Engine.Alerts(context.Background(), intake.Route{Route: "siem", Chat: "soc"}, []bot.Alert{a}, sev1)
		break
	}
	inc, err := h.Store.Incident(context.Background(), 1)
	if err != nil || inc.Playbook != "ransomware" {
		t.Fatalf("labels %s opened %+v, %v", name, inc, err)
	}
}
