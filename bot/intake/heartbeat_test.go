package intake_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/engine/enginetest"
	"github.com/irbot/irbot/bot/intake"
	"github.com/irbot/irbot/bot/scheduler"
)

func withHeartbeat(o *engine.Options) {
	enginetest.WithPaging(0)(o)
	o.Heartbeats = []intake.Heartbeat{{ID: "prom", Name: map[string]string{"en": "Prometheus", "vi": "Prometheus"},
		Interval: 2 * time.Minute, Grace: 30 * time.Second, Watchdog: true,
		Intake: intake.Route{Route: "am", Chat: "soc", Escalation: "ops", Playbook: "outage", AutoResolve: true}}}
}

// TestHeartbeatOpensAnIncidentWhenPingsStop: pings keep it quiet; a
// missing ping opens one incident and pages once; pings resuming resolve
// it; Alertmanager's Watchdog counts as a ping.
func TestHeartbeatOpensAnIncidentWhenPingsStop(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.Team(), withHeartbeat)
	ctx := context.Background()
	sched := scheduler.New(h.Store, h.Engine.Fire, h.Clock, "w1", nil)
	if err := h.Engine.StartHeartbeats(ctx); err != nil {
		t.Fatal(err)
	}
	watchdog := bot.Alert{Route: "am", Fingerprint: "wd", GroupKey: "wd", Status: bot.AlertFiring, Title: "Watchdog",
		Labels: map[string]string{"alertname": "Watchdog"}}
	for range 5 { // pings every minute, by hand and by Watchdog: quiet
		h.Clock.Add(time.Minute)
		if err := h.Engine.Ping(ctx, "prom"); err != nil {
			t.Fatal(err)
		}
		h.Clock.Add(time.Minute)
		if _, err := h.Engine.Alerts(ctx, intake.Route{Route: "am", Chat: "soc"}, []bot.Alert{watchdog}, func(bot.Alert) int { return 4 }); err != nil {
			t.Fatal(err)
		}
		sched.Tick(ctx)
	}
	if all, _ := h.Store.Incidents(ctx, false); len(all) != 0 {
		t.Fatalf("pings kept coming, yet %d incidents (the Watchdog one?)", len(all))
	}
	h.Drain()
	h.Clock.Add(2*time.Minute + 29*time.Second)
	sched.Tick(ctx)
	if all, _ := h.Store.Incidents(ctx, false); len(all) != 0 {
		t.Fatal("opened before interval + grace")
	}
	h.Clock.Add(2 * time.Second)
	sched.Tick(ctx)
	sched.Tick(ctx)
	out := h.Drain()
	if p := enginetest.PagesTo(out, "dung"); len(p) != 1 || !strings.Contains(enginetest.JoinTexts(out), "Heartbeat missed: no ping from Prometheus") {
		t.Fatalf("missing ping: %d pages to the ops duty person; messages:\n%s", len(p), enginetest.JoinTexts(out))
	}
	h.Clock.Add(time.Minute)
	if err := h.Engine.Ping(ctx, "prom"); err != nil {
		t.Fatal(err)
	}
	inc, _ := h.Store.Incident(ctx, 1)
	if inc.State != bot.StateResolved {
		t.Fatalf("pings back, incident %s", inc.State)
	}
	enginetest.MustContain(t, "heartbeats", h.Say("/heartbeats"), "Prometheus: last ping 0 seconds ago (every 2 minutes)")
	if err := h.Engine.Ping(ctx, "nope"); !errors.Is(err, intake.ErrNoHeartbeat) {
		t.Fatalf("unknown heartbeat: %v", err)
	}
}
