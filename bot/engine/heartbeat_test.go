package engine_test

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

// TestSnoozeHoldsPagingUntilItEnds: a snoozed incident's escalation pages
// nobody; the end reminds the chat and pages; a more severe alert ends it
// at once.
func TestSnoozeHoldsPagingUntilItEnds(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.Team(), enginetest.WithPaging(0))
	ctx := context.Background()
	sched := scheduler.New(h.Store, h.Engine.Fire, h.Clock, "w1", nil)
	in := intake.Route{Route: "am", Chat: "soc", Escalation: "security"}
	al := func(fp string, sev int) (bot.Alert, func(bot.Alert) int) {
		return bot.Alert{Route: "am", Fingerprint: fp, GroupKey: "g", Status: bot.AlertFiring, Title: "disk " + fp,
			Labels: map[string]string{"alertname": "Disk"}}, func(bot.Alert) int { return sev }
	}
	a, sev := al("a", 3)
	h.Engine.Alerts(ctx, in, []bot.Alert{a}, sev)
	h.Drain()
	out := h.SayIn(soc, "an", "/snooze IR-1 1h đang xử lý")
	enginetest.MustContain(t, "snooze", enginetest.JoinTexts(out), "IR-1: An snoozed paging until", "(đang xử lý)")
	h.Clock.Add(10 * time.Minute) // past level 1's 5m
	sched.Tick(ctx)
	if p := enginetest.PagesTo(h.Drain(), "cuong"); len(p) != 0 {
		t.Fatal("level 2 paged while snoozed")
	}
	h.Clock.Add(50 * time.Minute)
	sched.Tick(ctx)
	out = h.Drain()
	if !strings.Contains(enginetest.JoinTexts(out), "snooze over; paging again") || len(enginetest.PagesTo(out, "an")) != 1 {
		t.Fatalf("snooze end: %s", enginetest.JoinTexts(out))
	}
	h.SayIn(soc, "an", "/snooze IR-1 2h again")
	h.Drain()
	b, sev1 := al("b", 1)
	h.Engine.Alerts(ctx, in, []bot.Alert{b}, sev1)
	out = h.Drain()
	if !strings.Contains(enginetest.JoinTexts(out), "a more severe alert came in") || len(enginetest.PagesTo(out, "an")) != 1 {
		t.Fatalf("a SEV1 alert during a snooze: %s", enginetest.JoinTexts(out))
	}
	if h.AuditCount("snoozed") != 2 {
		t.Fatalf("snoozes audited: %d", h.AuditCount("snoozed"))
	}
}

// TestStatusShowsASnooze: /status says paging is snoozed, until when, why.
func TestStatusShowsASnooze(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.Team(), enginetest.WithPaging(0))
	h.Say("/declare ransomware Shares encrypted")
	h.Say("/snooze IR-1 1h waiting for the vendor")
	enginetest.MustContain(t, "status", h.Say("/status IR-1"), "⏸ Paging snoozed until", "(waiting for the vendor)")
}
