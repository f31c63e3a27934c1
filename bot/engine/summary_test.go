package engine_test

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
	"github.com/irbot/irbot/bot/scheduler"
	"github.com/irbot/irbot/bot/summary"
	"github.com/irbot/irbot/store/bolt"
)

var update = flag.Bool("update", false, "rewrite golden files")

func leadersTeam() *bot.Directory {
	return bot.NewDirectory([]bot.Person{
		{ID: "an", Name: "An"}, {ID: "binh", Name: "Bình"}, {ID: "cuong", Name: "Cường"},
	}, []bot.Chat{
		{ID: "soc", Purpose: "response", IDs: map[string]string{"console": "soc"}},
		{ID: "leaders", Purpose: "leadership", IDs: map[string]string{"console": "leaders"}},
	})
}

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
	h := newHarness(t, "en", leadersTeam(), withSummaries)
	ctx := context.Background()
	sched := scheduler.New(h.st, h.eng.Fire, h.clock, "w", nil)
	if got := toLeaders(h.sayIn(soc, "an", "/declare ddos Portal flooded")); len(got) != 1 || !strings.Contains(got[0], "📊 IR-1") {
		t.Fatalf("declare: leaders got %q", got)
	}
	h.clock.Add(time.Minute)
	if got := toLeaders(h.sayIn(soc, "an", "/sev 1 botnet confirmed")); len(got) != 0 {
		t.Fatalf("a second summary one minute later: %q", got)
	}
	h.clock.Add(time.Minute)
	h.sayIn(soc, "an", "/sev 2 traffic filtered")
	h.sayIn(soc, "an", "/sev 1 it came back")
	h.clock.Add(8 * time.Minute) // MinGap after the first summary
	sched.Tick(ctx)
	got := toLeaders(h.drain())
	if len(got) != 1 || !strings.Contains(got[0], "severity SEV2 → SEV1 — reason: botnet confirmed") || !strings.Contains(got[0], "it came back") {
		t.Fatalf("held-back summary: %q", got)
	}
	h.clock.Add(time.Minute)
	if got := toLeaders(h.sayIn(soc, "an", "/cancel false alarm after all")); len(got) != 1 || !strings.Contains(got[0], "cancelled") {
		t.Fatalf("cancel is told at once: %q", got)
	}
}

func TestSev1CadenceEvery30MinutesStopsWhenResolvedAndSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	st, err := bolt.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessOn(t, st, "en", leadersTeam(), withSummaries)
	ctx := context.Background()
	h.sayIn(soc, "an", "/declare ransomware sev1 Shares encrypted")
	periodic := func(h *harness, sched *scheduler.Scheduler, step time.Duration) int {
		h.clock.Add(step)
		sched.Tick(ctx)
		return len(toLeaders(h.drain()))
	}
	sched := scheduler.New(st, h.eng.Fire, h.clock, "w", nil)
	if n := periodic(h, sched, 29*time.Minute); n != 0 {
		t.Fatalf("summary before 30 minutes: %d", n)
	}
	if n := periodic(h, sched, time.Minute); n != 1 {
		t.Fatalf("at 30 minutes: %d summaries, want 1", n)
	}
	if n := periodic(h, sched, 30*time.Minute); n != 1 {
		t.Fatalf("at 60 minutes: %d summaries, want 1", n)
	}
	now := h.clock.Now()
	st.Close() // restart
	st2, err := bolt.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	h2 := newHarnessOn(t, st2, "en", leadersTeam(), withSummaries)
	h2.clock.now = now
	h2.n = h.n // update ids go on from where the first process stopped
	sched2 := scheduler.New(st2, h2.eng.Fire, h2.clock, "w2", nil)
	if n := periodic(h2, sched2, 30*time.Minute); n != 1 {
		t.Fatalf("at 90 minutes, after a restart: %d summaries, want 1", n)
	}
	// Resolve (skipping every required step with a reason), then silence.
	pb, _ := h2.eng.Playbooks().Get("ransomware")
	for _, s := range pb.Steps() {
		h2.sayIn(soc, "an", "/skip "+itoa(s.Number)+" drill")
	}
	if out := h2.sayIn(soc, "an", "/resolve"); len(toLeaders(out)) != 1 {
		t.Fatalf("resolve: leaders got %d summaries; all: %s", len(toLeaders(out)), joinTexts(out))
	}
	for i := 0; i < 4; i++ {
		if n := periodic(h2, sched2, 30*time.Minute); n != 0 {
			t.Fatalf("%d summaries after the incident was resolved", n)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestSummaryAndDigestGolden pins the leaders' view in both languages.
func TestSummaryAndDigestGolden(t *testing.T) {
	for _, lang := range []string{"vi", "en"} {
		t.Run(lang, func(t *testing.T) {
			h := newHarness(t, lang, leadersTeam(), withSummaries, withPaging(0))
			ctx := context.Background()
			sched := scheduler.New(h.st, h.eng.Fire, h.clock, "w", nil)
			h.sayIn(soc, "an", "/declare ransomware sev1 Accounting file server encrypted")
			h.clock.Add(3 * time.Minute)
			h.sayIn(soc, "an", "/ack")
			h.clock.Add(4 * time.Minute)
			h.sayIn(soc, "an", "/done 1 hosts KT-01, KT-02, KT-03 isolated")
			h.sayIn(soc, "binh", "/note Reported to PA05 by phone")
			h.clock.Add(30 * time.Minute)
			sched.Tick(ctx)
			var summary string
			for _, m := range h.drain() {
				if m.Chat.ID == "leaders" && m.Kind == bot.KindSummary && summary == "" {
					summary = m.Text // the held-back one, covering ack, step and note
				}
			}
			if summary == "" {
				t.Fatal("no periodic summary")
			}
			if err := h.eng.Start(ctx); err != nil {
				t.Fatal(err)
			}
			h.clock.mu.Lock()
			h.clock.now = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC) // 07:00 in Hà Nội
			h.clock.mu.Unlock()
			sched.Tick(ctx)
			var digest string
			for _, m := range h.drain() {
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

func TestSetFieldsAndStats(t *testing.T) {
	h := newHarness(t, "en", leadersTeam())
	h.say("/declare phishing Mailbox of the finance director taken over")
	h.clock.Add(4 * time.Minute)
	h.say("/ack")
	mustContain(t, "set", h.say("/set cause Password reused from a leaked site"), "cause set to Password reused from a leaked site")
	mustContain(t, "bad field", h.say("/set colour red"), `No field "colour"`, "cause")
	inc, _ := h.st.Incident(context.Background(), 1)
	if inc.Fields["cause"] != "Password reused from a leaked site" {
		t.Fatalf("fields %+v", inc.Fields)
	}
	pb, _ := h.eng.Playbooks().Get("phishing")
	for _, s := range pb.Steps() {
		h.say("/skip " + itoa(s.Number) + " test")
	}
	h.clock.Add(56 * time.Minute)
	h.say("/resolve")
	got := h.say("/stats 30d")
	mustContain(t, "stats", got, "Last 30 days: 1 incident ", "SEV2: 1 · 4 minutes · 1 hour", pb.Name.In("en")+": 1 · 4 minutes · 1 hour")
}

func TestReportGoesToTheFocalPointAndIsRecorded(t *testing.T) {
	dir := bot.NewDirectory([]bot.Person{{ID: "an", Name: "An"}}, []bot.Chat{
		{ID: "soc", Purpose: "response", IDs: map[string]string{"console": "soc"}},
		{ID: "police", Purpose: "focal_point", IDs: map[string]string{"console": "pa05"}},
	})
	h := newHarness(t, "vi", dir)
	h.say("/declare ransomware Máy chủ kế toán bị mã hoá")
	out := h.sayIn(soc, "an", "/baocao vi03")
	var here, police *bot.Outgoing
	for i := range out {
		switch out[i].Chat.ID {
		case "soc":
			here = &out[i]
		case "pa05":
			police = &out[i]
		}
	}
	if here == nil || police == nil || here.File == nil || !strings.Contains(string(here.File.Data), "BÁO CÁO BAN ĐẦU") || !strings.HasSuffix(here.File.Name, "mau-03.md") {
		t.Fatalf("report: %s", joinTexts(out))
	}
	evs, _ := h.st.Timeline(context.Background(), 1, 0)
	last := evs[len(evs)-1]
	if last.Kind != bot.EvReportSent || last.Data["format"] != "vi03" || !strings.Contains(last.Data["to"], "console:pa05") || !strings.Contains(last.Data["missing"], "cause") {
		t.Fatalf("report not recorded: %+v", last)
	}
}
