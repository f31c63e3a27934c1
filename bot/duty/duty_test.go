package duty_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot/engine/enginetest"
	"github.com/irbot/irbot/bot/scheduler"
)

func TestOncallOverrideAndHandoff(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.Team(), enginetest.WithPaging(0))
	soc := enginetest.SOC
	// 08:00 on 26/11: an until 27/11 07:30, then binh.
	enginetest.MustContain(t, "oncall", h.Say("/oncall"), "On duty: An (until 27/11/2026 07:30)", "Next: Bình (27/11/2026 07:30")
	enginetest.MustContain(t, "override by admin", h.Say("/override truc-ban dung 2h"), "Dũng covers from 26/11/2026 08:00 to 26/11/2026 10:00")
	enginetest.MustContain(t, "oncall during override", h.Say("/oncall truc-ban"), "On duty: Dũng (until 26/11/2026 10:00)")
	out := h.SayIn(soc, "binh", "/override truc-ban binh 1h")
	if !strings.Contains(enginetest.JoinTexts(out), "You may not use /override. Only a roster admin or an admin may.") {
		t.Fatalf("non-admin override: %s", enginetest.JoinTexts(out))
	}
	h.Clock.Add(3 * time.Hour) // 11:00, an on duty again
	out = h.SayIn(soc, "an", "/handoff binh")
	enginetest.MustContain(t, "handoff", enginetest.JoinTexts(out), "Bình takes the shift from", "until 27/11/2026 07:30")
	enginetest.MustContain(t, "oncall after handoff", h.Say("/oncall"), "On duty: Bình")
	out = h.SayIn(soc, "cuong", "/handoff an")
	enginetest.MustContain(t, "handoff when not on duty", enginetest.JoinTexts(out), "not on duty")
	enginetest.MustContain(t, "roster", h.Say("/roster truc-ban 3"), "next 3 days", "Bình ⇄")
}

func TestHandoffIsAnnouncedOnce(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.Team(), enginetest.WithPaging(0))
	ctx := context.Background()
	if err := h.Engine.StartRosters(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.Engine.StartRosters(ctx); err != nil { // idempotent
		t.Fatal(err)
	}
	sched := scheduler.New(h.Store, h.Engine.Fire, h.Clock, "w", nil)
	h.Clock.Add(23*time.Hour + 30*time.Minute) // 27/11 07:30
	sched.Tick(ctx)
	sched.Tick(ctx)
	var announces []string
	for _, m := range h.Drain() {
		if strings.Contains(m.Text, "is now on duty") {
			announces = append(announces, m.Text)
		}
	}
	if len(announces) != 1 || !strings.Contains(announces[0], "Bình is now on duty (after An)") {
		t.Fatalf("handoff announcements: %q", announces)
	}
}

// TestRosterDaysCountTheDutyDayRunning: "/roster truc-ban 3" lists three
// daily shifts whatever the hour: after midnight, the shift that began
// yesterday morning is the first of the three, not an extra one.
func TestRosterDaysCountTheDutyDayRunning(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.Team(), enginetest.WithPaging(0))
	for _, at := range []time.Duration{0, 17 * time.Hour} { // 08:00 on 26/11, then 01:00 on 27/11 (handoff 07:30)
		h.Clock.Add(at)
		got := h.Say("/roster truc-ban 3")
		if n := strings.Count(got, " → "); n != 3 {
			t.Errorf("at %s: %d shifts listed, want 3:\n%s", h.Clock.Now().In(time.FixedZone("ICT", 7*3600)).Format("02/01 15:04"), n, got)
		}
	}
}
