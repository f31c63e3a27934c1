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

// TestHeldBackChangeReachesLeadersWithTheNewSeverity: a change within
// MinGap of the last summary is held back, not dropped; two changes in one
// MinGap are told once, together, from the incident as it then is.
func TestHeldBackChangeReachesLeadersWithTheNewSeverity(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.LeadersTeam(), func(o *engine.Options) {
		o.Summaries = summary.Config{MinGap: 20 * time.Second}
	})
	sched := scheduler.New(h.Store, h.Engine.Fire, h.Clock, "w", nil)
	tick := func(d time.Duration) []string {
		h.Clock.Add(d)
		if _, err := sched.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
		return toLeaders(h.Drain())
	}
	if got := toLeaders(h.SayIn(soc, "an", "/declare ddos Portal flooded")); len(got) != 1 || !strings.HasPrefix(got[0], "📊 IR-1 · SEV2") {
		t.Fatalf("declare: leaders got %q", got)
	}
	h.Clock.Add(3 * time.Second)
	if got := toLeaders(h.SayIn(soc, "an", "/sev 1 lan rộng")); len(got) != 0 {
		t.Fatalf("3 seconds after the last summary: %q", got)
	}
	if got := tick(16 * time.Second); len(got) != 0 {
		t.Fatalf("before MinGap: %q", got)
	}
	got := tick(time.Second) // MinGap after the declaration's summary
	if len(got) != 1 || !strings.HasPrefix(got[0], "📊 IR-1 · SEV1") || !strings.Contains(got[0], "severity SEV2 → SEV1 — reason: lan rộng") {
		t.Fatalf("once MinGap passed: %q", got)
	}
	// Two changes in the same second, within MinGap of that summary.
	h.Clock.Add(time.Second)
	h.SayIn(soc, "an", "/ack")
	if got := toLeaders(h.SayIn(soc, "an", "/sev 2 filtered upstream")); len(got) != 0 {
		t.Fatalf("ack and severity within MinGap: %q", got)
	}
	got = tick(19 * time.Second)
	if len(got) != 1 || !strings.HasPrefix(got[0], "📊 IR-1 · SEV2") {
		t.Fatalf("ack and severity, once MinGap passed: %q", got)
	}
	enginetest.MustContain(t, "the held-back summary", got[0], "An acknowledged", "moved to phase Triage", "severity SEV1 → SEV2 — reason: filtered upstream")
	if got := tick(150 * time.Second); len(got) != 0 {
		t.Fatalf("nothing new, yet: %q", got)
	}
}

// TestOneAcknowledgementLineForLeaders: the incident's acknowledgement,
// naming who, stands for the page acknowledgements of the same update.
func TestOneAcknowledgementLineForLeaders(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.LeadersTeam(), withSummaries, enginetest.WithPaging(0))
	h.SayIn(soc, "an", "/declare ransomware sev1 Shares encrypted")
	h.SayIn(soc, "an", "/ack")
	h.SayIn(soc, "an", "/page binh need a second pair of hands")
	h.SayIn(soc, "binh", "/ack all")
	got := toLeaders(h.SayIn(soc, "an", "/cancel drill"))
	if len(got) != 1 {
		t.Fatalf("cancel: leaders got %q", got)
	}
	if n := strings.Count(got[0], "acknowledged"); n != 1 || !strings.Contains(got[0], "\n• An acknowledged, after 0 seconds\n") {
		t.Fatalf("%d acknowledgement lines, want An's only:\n%s", n, got[0])
	}
	// With no incident acknowledgement since the last summary, the last
	// page acknowledgement is the one line.
	h.SayIn(soc, "an", "/declare ransomware sev1 Shares encrypted again")
	h.SayIn(soc, "an", "/ack")
	h.Clock.Add(10 * time.Minute)
	scheduler.New(h.Store, h.Engine.Fire, h.Clock, "w", nil).Tick(context.Background()) // the ack's held-back summary
	h.Drain()
	h.SayIn(soc, "an", "/page binh need a second pair of hands")
	h.SayIn(soc, "an", "/page cuong and you")
	h.SayIn(soc, "binh", "/ack all") // pages 2 and 3
	got = toLeaders(h.SayIn(soc, "an", "/cancel drill"))
	if len(got) != 1 || strings.Count(got[0], "acknowledged") != 1 || !strings.Contains(got[0], "\n• Bình acknowledged page 3, after 0 seconds\n") {
		t.Fatalf("page acknowledgements only: %q", got)
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
