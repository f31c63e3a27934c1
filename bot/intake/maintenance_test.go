package intake_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/engine/enginetest"
	"github.com/irbot/irbot/bot/intake"
)

var soc = enginetest.SOC

// TestMaintenanceRecordsButPagesNobody: an alert in a window is recorded
// and said in the chat, and pages nobody; after the window it pages.
func TestMaintenanceRecordsButPagesNobody(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.Team(), enginetest.WithPaging(0))
	ctx := context.Background()
	enginetest.MustContain(t, "set", h.Say("/maintenance instance=db9 2h kernel upgrade"), "Maintenance for instance=db9", "page nobody")
	in := intake.Route{Route: "prom", Chat: "soc", Escalation: "ops"}
	h.Engine.Alerts(ctx, in, []bot.Alert{alert("db9", "firing", "db9 down")}, sev1)
	out := h.Drain()
	enginetest.MustContain(t, "quiet", enginetest.JoinTexts(out), "Maintenance window (kernel upgrade): nobody paged")
	if len(enginetest.Pages(out)) != 0 {
		t.Fatalf("paged during maintenance: %s", enginetest.JoinTexts(out))
	}
	h.Clock.Add(3 * time.Hour)
	h.Engine.Alerts(ctx, intake.Route{Route: "prom", Chat: "soc", Escalation: "ops"},
		[]bot.Alert{{Route: "prom", Fingerprint: "db9", GroupKey: "g2", Status: "firing", Title: "db9 down again", Labels: map[string]string{"instance": "db9"}}}, sev1)
	if len(enginetest.Pages(h.Drain())) != 1 {
		t.Fatal("not paged after the window ended")
	}
}

// TestMaintenanceNeedsReasonLimitAndIsAudited: a window needs a reason, is
// capped, is announced in the route's chat with who set it, and its
// start, extension and end are in the audit log.
func TestMaintenanceNeedsReasonLimitAndIsAudited(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.RoleTeam(), enginetest.WithPaging(0), func(o *engine.Options) {
		o.RouteChats = map[string]string{"prom": "soc"}
	})
	dm := bot.ChatRef{Platform: "console", ID: "dm:roster_admin", Direct: true}
	for _, c := range []struct{ line, want string }{
		{"/maintenance prom 2h", "Give a reason"},
		{"/maintenance alertname=RansomwareDetected 100000h no more alerts", "at most 7 days"},
		{"/maintenance end prom", "No maintenance window for prom"},
	} {
		if out := enginetest.JoinTexts(h.SayIn(dm, "roster_admin", c.line)); !strings.Contains(out, c.want) {
			t.Errorf("%s: %s; want %q", c.line, out, c.want)
		}
	}
	out := h.SayIn(dm, "roster_admin", "/maintenance prom 2h server upgrade")
	var inSOC string
	for _, m := range out {
		if m.Chat == soc {
			inSOC = m.Text
		}
	}
	if !strings.Contains(inSOC, "Maintenance for prom until") || !strings.Contains(inSOC, "set by roster_admin") {
		t.Fatalf("soc was told %q; want the window and who set it", inSOC)
	}
	h.SayIn(dm, "roster_admin", "/maintenance prom 4h still upgrading")
	if out := enginetest.JoinTexts(h.SayIn(dm, "roster_admin", "/maintenance")); !strings.Contains(out, "prom →") || !strings.Contains(out, "still upgrading") {
		t.Fatalf("list: %s", out)
	}
	h.SayIn(dm, "roster_admin", "/maintenance end prom")
	for _, k := range []bot.EventKind{bot.EvMaintenanceStarted, bot.EvMaintenanceExtended, bot.EvMaintenanceEnded} {
		if h.AuditCount(k) != 1 {
			t.Errorf("audit log has %d %s", h.AuditCount(k), k)
		}
	}
	if out := enginetest.JoinTexts(h.SayIn(soc, "leader", "/maintenance prom 1h quiet")); !strings.Contains(out, "You may not use /maintenance") {
		t.Fatalf("a leader set a window: %s", out)
	}
}
