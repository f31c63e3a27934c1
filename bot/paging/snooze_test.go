package paging_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/engine/enginetest"
	"github.com/irbot/irbot/bot/intake"
	"github.com/irbot/irbot/bot/scheduler"
)

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
