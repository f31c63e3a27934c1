package summary_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/engine/enginetest"
	"github.com/irbot/irbot/bot/scheduler"
	"github.com/irbot/irbot/bot/summary"
)

var update = flag.Bool("update", false, "rewrite golden files")

var soc = enginetest.SOC

func withSummaries(o *engine.Options) {
	o.Summaries = summary.Config{DigestAt: "07:00", MinGap: 10 * time.Minute}
}

// toLeaders returns the summaries that went to the leaders' chat.
func toLeaders(out []bot.Outgoing) []string {
	var s []string
	for _, m := range out {
		if m.Chat.ID == "leaders" {
			s = append(s, m.Text)
		}
	}
	return s
}

func TestLeadersAreToldOfChangesWithoutBeingSpammed(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.LeadersTeam(), withSummaries)
	ctx := context.Background()
	sched := scheduler.New(h.Store, h.Engine.Fire, h.Clock, "w", nil)
	if got := toLeaders(h.SayIn(soc, "an", "/declare ddos Portal flooded")); len(got) != 1 || !strings.Contains(got[0], "📊 IR-1") {
		t.Fatalf("declare: leaders got %q", got)
	}
	h.Clock.Add(time.Minute)
	if got := toLeaders(h.SayIn(soc, "an", "/sev 1 botnet confirmed")); len(got) != 0 {
		t.Fatalf("a second summary one minute later: %q", got)
	}
	h.Clock.Add(time.Minute)
	h.SayIn(soc, "an", "/sev 2 traffic filtered")
	h.SayIn(soc, "an", "/sev 1 it came back")
	h.Clock.Add(8 * time.Minute) // MinGap after the first summary
	sched.Tick(ctx)
	got := toLeaders(h.Drain())
	if len(got) != 1 || !strings.Contains(got[0], "severity SEV2 → SEV1 — reason: botnet confirmed") || !strings.Contains(got[0], "it came back") {
		t.Fatalf("held-back summary: %q", got)
	}
	h.Clock.Add(time.Minute)
	if got := toLeaders(h.SayIn(soc, "an", "/cancel false alarm after all")); len(got) != 1 || !strings.Contains(got[0], "cancelled") {
		t.Fatalf("cancel is told at once: %q", got)
	}
}

func TestSev1CadenceEvery30MinutesStopsWhenResolvedAndSurvivesRestart(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.LeadersTeam(), withSummaries)
	ctx := context.Background()
	h.SayIn(soc, "an", "/declare ransomware sev1 Shares encrypted")
	periodic := func(h *enginetest.Harness, sched *scheduler.Scheduler, step time.Duration) int {
		h.Clock.Add(step)
		sched.Tick(ctx)
		return len(toLeaders(h.Drain()))
	}
	sched := scheduler.New(h.Store, h.Engine.Fire, h.Clock, "w", nil)
	if n := periodic(h, sched, 29*time.Minute); n != 0 {
		t.Fatalf("summary before 30 minutes: %d", n)
	}
	if n := periodic(h, sched, time.Minute); n != 1 {
		t.Fatalf("at 30 minutes: %d summaries, want 1", n)
	}
	if n := periodic(h, sched, 30*time.Minute); n != 1 {
		t.Fatalf("at 60 minutes: %d summaries, want 1", n)
	}
	h2 := h.Restart() // at the same time; update ids go on from where the first process stopped
	sched2 := scheduler.New(h2.Store, h2.Engine.Fire, h2.Clock, "w2", nil)
	if n := periodic(h2, sched2, 30*time.Minute); n != 1 {
		t.Fatalf("at 90 minutes, after a restart: %d summaries, want 1", n)
	}
	// Resolve (skipping every required step with a reason), then silence.
	pb, _ := h2.Engine.Playbooks().Get("ransomware")
	for _, s := range pb.Steps() {
		h2.SayIn(soc, "an", "/skip "+strconv.Itoa(s.Number)+" drill")
	}
	if out := h2.SayIn(soc, "an", "/resolve"); len(toLeaders(out)) != 1 {
		t.Fatalf("resolve: leaders got %d summaries; all: %s", len(toLeaders(out)), enginetest.JoinTexts(out))
	}
	for i := 0; i < 4; i++ {
		if n := periodic(h2, sched2, 30*time.Minute); n != 0 {
			t.Fatalf("%d summaries after the incident was resolved", n)
		}
	}
}

// TestSummaryAndDigestGolden pins the leaders' view in both languages.
func TestSummaryAndDigestGolden(t *testing.T) {
	for _, lang := range []string{"vi", "en"} {
		t.Run(lang, func(t *testing.T) {
			h := enginetest.New(t, lang, enginetest.LeadersTeam(), withSummaries, enginetest.WithPaging(0))
			ctx := context.Background()
			sched := scheduler.New(h.Store, h.Engine.Fire, h.Clock, "w", nil)
			h.SayIn(soc, "an", "/declare ransomware sev1 Accounting file server encrypted")
			h.Clock.Add(3 * time.Minute)
			h.SayIn(soc, "an", "/ack")
			h.Clock.Add(4 * time.Minute)
			h.SayIn(soc, "an", "/done 1 hosts KT-01, KT-02, KT-03 isolated")
			h.SayIn(soc, "binh", "/note Reported to PA05 by phone")
			h.Clock.Add(30 * time.Minute)
			sched.Tick(ctx)
			var summary string
			for _, m := range h.Drain() {
				if m.Chat.ID == "leaders" && m.Kind == bot.KindSummary && summary == "" {
					summary = m.Text // the held-back one, covering ack, step and note
				}
			}
			if summary == "" {
				t.Fatal("no periodic summary")
			}
			if err := h.Engine.Start(ctx); err != nil {
				t.Fatal(err)
			}
			h.Clock.Set(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)) // 07:00 in Hà Nội
			sched.Tick(ctx)
			var digest string
			for _, m := range h.Drain() {
				if m.Chat.ID == "leaders" && strings.Contains(m.Text, "🗓") {
					digest = m.Text
				}
			}
			if digest == "" {
				t.Fatal("no digest at 07:00")
			}
			golden(t, "summary."+lang+".golden", summary)
			golden(t, "digest."+lang+".golden", digest)
		})
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Fatalf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
