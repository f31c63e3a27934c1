package paging_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/engine/enginetest"
	"github.com/irbot/irbot/bot/paging"
	"github.com/irbot/irbot/bot/scheduler"
)

var soc = enginetest.SOC

func TestPageEscalatesAfterExactlyTheDelayAndStopsOnAck(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.Team(), enginetest.WithPaging(0))
	ctx := context.Background()
	sched := scheduler.New(h.Store, h.Engine.Fire, h.Clock, "w1", nil)
	out := h.SayIn(soc, "an", "/declare ransomware Shares encrypted") // 08:00 local: an is on duty
	if p := enginetest.PagesTo(out, "an"); len(p) != 1 || !strings.Contains(p[0].Text, "PAGE — IR-1") || len(p[0].Buttons) == 0 {
		t.Fatalf("level 1 page to the duty officer: %+v", out)
	}
	h.Clock.Add(5*time.Minute - time.Second)
	sched.Tick(ctx)
	if p := enginetest.PagesTo(h.Drain(), "cuong"); len(p) != 0 {
		t.Fatal("level 2 paged before the delay")
	}
	h.Clock.Add(time.Second)
	if n, _ := sched.Tick(ctx); n != 1 {
		t.Fatalf("%d timers fired at the deadline, want 1", n)
	}
	out = h.Drain()
	if p := enginetest.PagesTo(out, "cuong"); len(p) != 1 {
		t.Fatalf("level 2 not paged at exactly 5m: %+v", out)
	}
	h.Clock.Add(time.Minute)
	ack := h.SayIn(bot.ChatRef{Platform: "console", ID: "dm:cuong", Direct: true}, "cuong", "/ack IR-1")
	if len(ack) == 0 || !strings.Contains(ack[0].Text, "acknowledged by Cường") {
		t.Fatalf("ack reply: %+v", ack)
	}
	h.Clock.Add(time.Hour)
	sched.Tick(ctx)
	for _, m := range h.Drain() {
		if m.Kind == bot.KindPage {
			t.Fatalf("paged after the ack: %+v", m)
		}
	}
	inc, _ := h.Store.Incident(ctx, 1)
	if p := inc.Pages[0]; p.Status != bot.PageAcknowledged || p.AckBy != "cuong" || p.AckAt.Sub(p.Started) != 6*time.Minute {
		t.Fatalf("page record %+v", p)
	}
	if timers, _ := h.Store.Timers(ctx); len(timers) != 0 && hasEscTimer(timers) {
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
	h := enginetest.New(t, "en", enginetest.Team(), enginetest.WithPaging(1))
	ctx := context.Background()
	sched := scheduler.New(h.Store, h.Engine.Fire, h.Clock, "w1", nil)
	out := h.SayIn(soc, "an", "/declare ransomware Shares encrypted")
	var sequence []string
	record := func(out []bot.Outgoing) {
		for _, m := range enginetest.Pages(out) {
			sequence = append(sequence, strings.TrimPrefix(m.Chat.ID, "dm:"))
		}
	}
	record(out)
	expired := false
	for i := 0; i < 10; i++ {
		due, ok, _ := h.Store.NextTimer(ctx)
		if !ok {
			break
		}
		if due.After(h.Clock.Now()) {
			h.Clock.Set(due)
		}
		sched.Tick(ctx)
		out := h.Drain()
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
	inc, _ := h.Store.Incident(ctx, 1)
	if inc.Pages[0].Status != bot.PageExpired {
		t.Fatalf("page status %s", inc.Pages[0].Status)
	}
}

// TestPendingPagesSurviveACrash: the process dies with a page pending and
// its timer claimed but not handled; a new process on the same file fires
// the overdue level at once, and once.
func TestPendingPagesSurviveACrash(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.Team(), enginetest.WithPaging(0))
	h.SayIn(soc, "an", "/declare ransomware Shares encrypted")
	ctx := context.Background()
	// The dying process claims the level-2 timer at its due time but never
	// handles it (killed mid-flight).
	h.Clock.Add(5 * time.Minute)
	claimed, _ := h.Store.ClaimTimers(ctx, h.Clock.Now(), "dying", 5*time.Minute, 10)
	if len(claimed) != 1 {
		t.Fatalf("claimed %d timers", len(claimed))
	}
	h2 := h.Restart()             // no cleanup beyond what bbolt does on close; commits were already durable
	h2.Clock.Add(2 * time.Minute) // restarted 2 minutes later
	sched := scheduler.New(h2.Store, h2.Engine.Fire, h2.Clock, "w2", nil)
	// The overdue level fires at once, and only once.
	if n, _ := sched.Tick(ctx); n != 1 {
		t.Fatalf("overdue timer: %d fired after restart, want 1", n)
	}
	sched.Tick(ctx)
	if p := enginetest.PagesTo(h2.Drain(), "cuong"); len(p) != 1 {
		t.Fatalf("level 2 pages after restart: %d, want exactly 1", len(p))
	}
	inc, _ := h2.Store.Incident(ctx, 1)
	if inc.Pages[0].Step != 1 {
		t.Fatalf("page at step %d, want 1", inc.Pages[0].Step)
	}
}

// TestTwoWorkersNeverDoublePage runs two schedulers on one store, as two
// replicas would, racing for the same due timers.
func TestTwoWorkersNeverDoublePage(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.Team(), enginetest.WithPaging(0))
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		h.SayIn(bot.ChatRef{Platform: "console", ID: fmt.Sprint("room", i)}, "an", "/declare ransomware Encrypted "+fmt.Sprint(i))
	}
	h.Drain()
	h.Clock.Add(5 * time.Minute)
	a := scheduler.New(h.Store, h.Engine.Fire, h.Clock, "replica-a", nil)
	b := scheduler.New(h.Store, h.Engine.Fire, h.Clock, "replica-b", nil)
	var wg sync.WaitGroup
	for _, s := range []*scheduler.Scheduler{a, b, a, b} {
		wg.Add(1)
		go func(s *scheduler.Scheduler) { defer wg.Done(); s.Tick(ctx) }(s)
	}
	wg.Wait()
	if p := enginetest.PagesTo(h.Drain(), "cuong"); len(p) != 10 {
		t.Fatalf("%d level-2 pages for 10 incidents, want exactly 10", len(p))
	}
}

// TestAckAllTakesEveryPageWaitingForMe: the "acknowledge all" of a bundle
// of pages acknowledges each incident whose page waits for the asker,
// leaves the others alone, tells each incident's chat, and answers the
// asker once.
func TestAckAllTakesEveryPageWaitingForMe(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.Team(), enginetest.WithPaging(0))
	for i := range 3 {
		h.SayIn(soc, "binh", fmt.Sprintf("/declare ransomware Shares encrypted %d", i)) // an is on duty: paged for each
	}
	h.SayIn(soc, "binh", "/declare ddos Portal slow")
	h.SayIn(soc, "binh", "/ack IR-4") // taken by binh: no longer waits for an
	h.Drain()
	dm := bot.ChatRef{Platform: "console", ID: "dm:an", Direct: true}
	out := h.SayIn(dm, "an", "/ack all")
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
		inc, err := h.Store.Incident(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if inc.State == bot.StateTriggered {
			t.Errorf("%s not acknowledged after an's /ack all", inc.Ref())
		}
	}
	if again := h.SayIn(dm, "an", "/ack all"); len(again) != 1 || !strings.Contains(again[0].Text, "No page is waiting") {
		t.Fatalf("second /ack all: %+v", again)
	}
}

// TestEscalateAfterAckPagesTheNextLevel: once the duty officer took the
// page, /escalate asks for more help: the next level (Cường), not the
// officer who already answered.
func TestEscalateAfterAckPagesTheNextLevel(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.Team(), enginetest.WithPaging(0))
	h.Say("/declare ransomware Files encrypted") // pages truc-ban: An
	h.Say("/ack")
	out := h.SayIn(enginetest.SOC, "an", "/escalate need the vendor")
	if got := enginetest.PagesTo(out, "cuong"); len(got) == 0 {
		t.Errorf("/escalate after the ack did not page the next level (cuong):\n%s", enginetest.JoinTexts(out))
	}
	if got := enginetest.PagesTo(out, "an"); len(got) != 0 {
		t.Errorf("/escalate paged An again, who had acknowledged:\n%s", enginetest.JoinTexts(got))
	}
}

// TestAPageAskedForIsThePersons: the timeline records a page sent with
// /page as the asker's act, a page sent by the policy as the bot's.
func TestAPageAskedForIsThePersons(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.Team(), enginetest.WithPaging(0))
	h.Say("/declare ransomware Files encrypted") // the policy pages An
	h.SayIn(enginetest.SOC, "binh", "/page cuong need a second pair of hands")
	evs, err := h.Store.Timeline(context.Background(), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	var actors []string
	for _, ev := range evs {
		if ev.Kind == bot.EvPageSent {
			actors = append(actors, ev.Actor)
		}
	}
	if strings.Join(actors, ",") != "irbot,binh" {
		t.Errorf("page_sent actors %v; want the policy's page by irbot, then binh's /page by binh", actors)
	}
}
