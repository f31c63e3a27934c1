package engine_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/oncall"
	"github.com/irbot/irbot/bot/paging"
	"github.com/irbot/irbot/bot/scheduler"
	"github.com/irbot/irbot/store/bolt"
)

func team() *bot.Directory {
	return bot.NewDirectory([]bot.Person{
		{ID: "an", Name: "An", Roles: []string{"responder", "roster_admin"}},
		{ID: "binh", Name: "Bình"},
		{ID: "cuong", Name: "Cường", Language: "en"},
		{ID: "dung", Name: "Dũng"},
	}, []bot.Chat{{ID: "soc", Purpose: "response", IDs: map[string]string{"console": "soc"}}})
}

// dutyRoster: daily 07:30 handoff in Hà Nội, an then binh, from 2026-11-26.
func dutyRoster() oncall.Roster {
	return oncall.Roster{ID: "truc-ban", Name: map[string]string{"vi": "Trực ban", "en": "Duty"},
		Layers:     []oncall.Layer{{Rotation: "daily", Handoff: "07:30", Start: "2026-11-26", Members: []string{"an", "binh"}}},
		AnnounceIn: "soc"}
}

func withPaging(repeat int) func(*engine.Options) {
	return func(o *engine.Options) {
		o.Rosters = []oncall.Roster{dutyRoster()}
		o.Policies = []oncall.Policy{
			{ID: "security", Repeat: repeat, Levels: []oncall.Level{
				{Targets: []string{"roster:truc-ban"}, After: "5m"},
				{Targets: []string{"person:cuong"}, After: "10m"},
			}},
			{ID: "ops", Levels: []oncall.Level{{Targets: []string{"person:dung"}, After: "10m"}}},
		}
	}
}

// pagesTo returns the page messages sent to person's direct chat.
func pagesTo(out []bot.Outgoing, person string) []bot.Outgoing {
	var got []bot.Outgoing
	for _, m := range out {
		if m.Kind == bot.KindPage && m.Chat.ID == "dm:"+person {
			got = append(got, m)
		}
	}
	return got
}

func TestPageEscalatesAfterExactlyTheDelayAndStopsOnAck(t *testing.T) {
	h := newHarness(t, "en", team(), withPaging(0))
	ctx := context.Background()
	sched := scheduler.New(h.st, h.eng.Fire, h.clock, "w1", nil)
	out := h.sayIn(soc, "an", "/declare ransomware Shares encrypted") // 08:00 local: an is on duty
	if p := pagesTo(out, "an"); len(p) != 1 || !strings.Contains(p[0].Text, "PAGE — IR-1") || len(p[0].Buttons) == 0 {
		t.Fatalf("level 1 page to the duty officer: %+v", out)
	}
	h.clock.Add(5*time.Minute - time.Second)
	sched.Tick(ctx)
	if p := pagesTo(h.drain(), "cuong"); len(p) != 0 {
		t.Fatal("level 2 paged before the delay")
	}
	h.clock.Add(time.Second)
	if n, _ := sched.Tick(ctx); n != 1 {
		t.Fatalf("%d timers fired at the deadline, want 1", n)
	}
	out = h.drain()
	if p := pagesTo(out, "cuong"); len(p) != 1 {
		t.Fatalf("level 2 not paged at exactly 5m: %+v", out)
	}
	h.clock.Add(time.Minute)
	ack := h.sayIn(bot.ChatRef{Platform: "console", ID: "dm:cuong", Direct: true}, "cuong", "/ack IR-1")
	if len(ack) == 0 || !strings.Contains(ack[0].Text, "acknowledged by Cường") {
		t.Fatalf("ack reply: %+v", ack)
	}
	h.clock.Add(time.Hour)
	sched.Tick(ctx)
	for _, m := range h.drain() {
		if m.Kind == bot.KindPage {
			t.Fatalf("paged after the ack: %+v", m)
		}
	}
	inc, _ := h.st.Incident(ctx, 1)
	if p := inc.Pages[0]; p.Status != bot.PageAcknowledged || p.AckBy != "cuong" || p.AckAt.Sub(p.Started) != 6*time.Minute {
		t.Fatalf("page record %+v", p)
	}
	if timers, _ := h.st.Timers(ctx); len(timers) != 0 && hasEscTimer(timers) {
		t.Fatalf("escalation timers left: %+v", timers)
	}
}

func hasEscTimer(ts []bot.Timer) bool {
	for _, t := range ts {
		if t.Kind == paging.TimerEscalate {
			return true
		}
	}
	return false
}

func TestRepeatPolicyPagesEveryLevelEachRoundThenExpires(t *testing.T) {
	h := newHarness(t, "en", team(), withPaging(1))
	ctx := context.Background()
	sched := scheduler.New(h.st, h.eng.Fire, h.clock, "w1", nil)
	out := h.sayIn(soc, "an", "/declare ransomware Shares encrypted")
	var sequence []string
	record := func(out []bot.Outgoing) {
		for _, m := range out {
			if m.Kind == bot.KindPage {
				sequence = append(sequence, strings.TrimPrefix(m.Chat.ID, "dm:"))
			}
		}
	}
	record(out)
	expired := false
	for i := 0; i < 10; i++ {
		due, ok, _ := h.st.NextTimer(ctx)
		if !ok {
			break
		}
		h.clock.mu.Lock()
		if due.After(h.clock.now) {
			h.clock.now = due
		}
		h.clock.mu.Unlock()
		sched.Tick(ctx)
		out := h.drain()
		record(out)
		for _, m := range out {
			if strings.Contains(m.Text, "nobody acknowledged") {
				expired = true
			}
		}
		if expired {
			break
		}
	}
	if got := strings.Join(sequence, ","); got != "an,cuong,an,cuong" {
		t.Fatalf("pages went to %s, want an,cuong,an,cuong", got)
	}
	if !expired {
		t.Fatal("no expiry notice after the last round")
	}
	inc, _ := h.st.Incident(ctx, 1)
	if inc.Pages[0].Status != bot.PageExpired {
		t.Fatalf("page status %s", inc.Pages[0].Status)
	}
}

func TestStepDeadlineRemindsThenEscalates(t *testing.T) {
	h := newHarness(t, "en", team(), withPaging(0))
	ctx := context.Background()
	sched := scheduler.New(h.st, h.eng.Fire, h.clock, "w1", nil)
	h.say("/declare ransomware Shares encrypted")
	h.say("/ack") // acks the page; phase 1 starts
	pb, _ := h.eng.Playbooks().Get("ransomware")
	st := pb.Phases[0].Steps[0]
	h.clock.Add(st.Due.D())
	sched.Tick(ctx)
	out := h.drain()
	if !strings.Contains(joinTexts(out), fmt.Sprintf("step %d is overdue", st.Number)) || len(pagesOf(out)) != 0 {
		t.Fatalf("first deadline: want a reminder and no page, got %s", joinTexts(out))
	}
	h.clock.Add(st.Due.D())
	sched.Tick(ctx)
	out = h.drain()
	if p := pagesOf(out); len(p) == 0 || !strings.Contains(p[0].Text, fmt.Sprintf("step %d overdue", st.Number)) {
		t.Fatalf("second deadline: want a page naming the step, got %s", joinTexts(out))
	}
}

func pagesOf(out []bot.Outgoing) []bot.Outgoing {
	var p []bot.Outgoing
	for _, m := range out {
		if m.Kind == bot.KindPage {
			p = append(p, m)
		}
	}
	return p
}

func joinTexts(out []bot.Outgoing) string {
	var s []string
	for _, m := range out {
		s = append(s, "["+m.Chat.ID+"] "+m.Text)
	}
	return strings.Join(s, "\n")
}

// TestPendingPagesSurviveACrash: the process dies with a page pending and
// its timer claimed but not handled; a new process on the same file fires
// the overdue level at once, and once.
func TestPendingPagesSurviveACrash(t *testing.T) {
	dir := t.TempDir()
	st, err := bolt.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessOn(t, st, "en", team(), withPaging(0))
	h.sayIn(soc, "an", "/declare ransomware Shares encrypted")
	ctx := context.Background()
	// The dying process claims the level-2 timer at its due time but never
	// handles it (killed mid-flight).
	h.clock.Add(5 * time.Minute)
	claimed, _ := st.ClaimTimers(ctx, h.clock.Now(), "dying", 5*time.Minute, 10)
	if len(claimed) != 1 {
		t.Fatalf("claimed %d timers", len(claimed))
	}
	st.Close() // no cleanup beyond what bbolt does on close; commits were already durable

	st2, err := bolt.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	h2 := newHarnessOn(t, st2, "en", team(), withPaging(0))
	h2.clock.now = h.clock.Now().Add(2 * time.Minute) // restarted 2 minutes later
	sched := scheduler.New(st2, h2.eng.Fire, h2.clock, "w2", nil)
	// The overdue level fires at once, and only once.
	if n, _ := sched.Tick(ctx); n != 1 {
		t.Fatalf("overdue timer: %d fired after restart, want 1", n)
	}
	sched.Tick(ctx)
	if p := pagesTo(h2.drain(), "cuong"); len(p) != 1 {
		t.Fatalf("level 2 pages after restart: %d, want exactly 1", len(p))
	}
	inc, _ := st2.Incident(ctx, 1)
	if inc.Pages[0].Step != 1 {
		t.Fatalf("page at step %d, want 1", inc.Pages[0].Step)
	}
}

// TestTwoWorkersNeverDoublePage runs two schedulers on one store, as two
// replicas would, racing for the same due timers.
func TestTwoWorkersNeverDoublePage(t *testing.T) {
	h := newHarness(t, "en", team(), withPaging(0))
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		h.sayIn(bot.ChatRef{Platform: "console", ID: fmt.Sprint("room", i)}, "an", "/declare ransomware Encrypted "+fmt.Sprint(i))
	}
	h.drain()
	h.clock.Add(5 * time.Minute)
	a := scheduler.New(h.st, h.eng.Fire, h.clock, "replica-a", nil)
	b := scheduler.New(h.st, h.eng.Fire, h.clock, "replica-b", nil)
	var wg sync.WaitGroup
	for _, s := range []*scheduler.Scheduler{a, b, a, b} {
		wg.Add(1)
		go func(s *scheduler.Scheduler) { defer wg.Done(); s.Tick(ctx) }(s)
	}
	wg.Wait()
	if p := pagesTo(h.drain(), "cuong"); len(p) != 10 {
		t.Fatalf("%d level-2 pages for 10 incidents, want exactly 10", len(p))
	}
}

func TestOncallOverrideAndHandoff(t *testing.T) {
	h := newHarness(t, "en", team(), withPaging(0))
	// 08:00 on 26/11: an until 27/11 07:30, then binh.
	mustContain(t, "oncall", h.say("/oncall"), "On duty: An (until 27/11/2026 07:30)", "Next: Bình (27/11/2026 07:30")
	mustContain(t, "override by admin", h.say("/override truc-ban dung 2h"), "Dũng covers from 26/11/2026 08:00 to 26/11/2026 10:00")
	mustContain(t, "oncall during override", h.say("/oncall truc-ban"), "On duty: Dũng (until 26/11/2026 10:00)")
	out := h.sayIn(soc, "binh", "/override truc-ban binh 1h")
	if !strings.Contains(joinTexts(out), "You may not use /override. Only a roster admin or an admin may.") {
		t.Fatalf("non-admin override: %s", joinTexts(out))
	}
	h.clock.Add(3 * time.Hour) // 11:00, an on duty again
	out = h.sayIn(soc, "an", "/handoff binh")
	mustContain(t, "handoff", joinTexts(out), "Bình takes the shift from", "until 27/11/2026 07:30")
	mustContain(t, "oncall after handoff", h.say("/oncall"), "On duty: Bình")
	out = h.sayIn(soc, "cuong", "/handoff an")
	mustContain(t, "handoff when not on duty", joinTexts(out), "not on duty")
	mustContain(t, "roster", h.say("/roster truc-ban 3"), "next 3 days", "Bình ⇄")
}

func TestHandoffIsAnnouncedOnce(t *testing.T) {
	h := newHarness(t, "en", team(), withPaging(0))
	ctx := context.Background()
	if err := h.eng.StartRosters(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.eng.StartRosters(ctx); err != nil { // idempotent
		t.Fatal(err)
	}
	sched := scheduler.New(h.st, h.eng.Fire, h.clock, "w", nil)
	h.clock.Add(23*time.Hour + 30*time.Minute) // 27/11 07:30
	sched.Tick(ctx)
	sched.Tick(ctx)
	var announces []string
	for _, m := range h.drain() {
		if strings.Contains(m.Text, "is now on duty") {
			announces = append(announces, m.Text)
		}
	}
	if len(announces) != 1 || !strings.Contains(announces[0], "Bình is now on duty (after An)") {
		t.Fatalf("handoff announcements: %q", announces)
	}
}

// TestAckAllTakesEveryPageWaitingForMe: the "acknowledge all" of a bundle
// of pages acknowledges each incident whose page waits for the asker,
// leaves the others alone, tells each incident's chat, and answers the
// asker once.
func TestAckAllTakesEveryPageWaitingForMe(t *testing.T) {
	h := newHarness(t, "en", team(), withPaging(0))
	for i := range 3 {
		h.sayIn(soc, "binh", fmt.Sprintf("/declare ransomware Shares encrypted %d", i)) // an is on duty: paged for each
	}
	h.sayIn(soc, "binh", "/declare ddos Portal slow")
	h.sayIn(soc, "binh", "/ack IR-4") // taken by binh: no longer waits for an
	h.drain()
	dm := bot.ChatRef{Platform: "console", ID: "dm:an", Direct: true}
	out := h.sayIn(dm, "an", "/ack all")
	var toAn []string
	for _, m := range out {
		if m.Chat == dm {
			toAn = append(toAn, m.Text)
		}
	}
	if len(toAn) != 1 || !strings.Contains(toAn[0], "Acknowledged 3 incidents: IR-1, IR-2, IR-3") {
		t.Fatalf("an was told %q; want one answer naming IR-1..3", toAn)
	}
	for id := int64(1); id <= 4; id++ {
		inc, err := h.st.Incident(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if inc.State == bot.StateTriggered {
			t.Errorf("%s not acknowledged after an's /ack all", inc.Ref())
		}
	}
	if again := h.sayIn(dm, "an", "/ack all"); len(again) != 1 || !strings.Contains(again[0].Text, "No page is waiting") {
		t.Fatalf("second /ack all: %+v", again)
	}
}
