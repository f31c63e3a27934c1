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
	"github.com/irbot/irbot/bot/engine/enginetest"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/bot/scheduler"
)

var soc = enginetest.SOC

func TestWalkThroughRansomware(t *testing.T) {
	h := enginetest.New(t, "en", nil)
	enginetest.MustContain(t, "declare", h.Say("/declare ransomware Accounting server encrypted"), "IR-1", "SEV1", "Accounting server encrypted", "/ack")
	enginetest.MustContain(t, "ack", h.Say("/ack"), "acknowledged by an", "Phase 1/5")
	got := h.Say("/next")
	enginetest.MustContain(t, "next refused", got, "Cannot move on: 3 required steps open", "1. ", "2. ", "3. ", "/done 1")
	pb, _ := h.Engine.Playbooks().Get("ransomware")
	if inc, _ := h.Store.Incident(context.Background(), 1); inc.State != pb.Phases[0].ID {
		t.Fatalf("refused /next changed the state to %q", inc.State)
	}
	for _, n := range []string{"1", "2"} {
		enginetest.MustContain(t, "done", h.Say("/done "+n), "step "+n+" done")
	}
	enginetest.MustContain(t, "skip without reason", h.Say("/skip 3"), "Usage: /skip")
	enginetest.MustContain(t, "skip", h.Say("/skip 3 leader already informed by phone"), "step 3 skipped", "/next to move")
	enginetest.MustContain(t, "next", h.Say("/next"), "Phase 2/5")
	enginetest.MustContain(t, "done again", h.Say("/done 1"), "already done by an")
	enginetest.MustContain(t, "no such step", h.Say("/done 99"), "No step 99")
	enginetest.MustContain(t, "resolve refused", h.Say("/resolve"), "Cannot resolve", "required steps open")
	// walk every remaining required step and phase
	for _, s := range pb.Steps()[3:] {
		h.Say(fmt.Sprintf("/done %d", s.Number))
	}
	for i := 2; i < len(pb.Phases); i++ {
		enginetest.MustContain(t, "next", h.Say("/next"), fmt.Sprintf("Phase %d/5", i+1))
	}
	enginetest.MustContain(t, "last next", h.Say("/next"), "last phase")
	enginetest.MustContain(t, "close before resolve", h.Say("/close"), "Only a resolved incident")
	enginetest.MustContain(t, "resolve", h.Say("/resolve restored from clean backup"), "IR-1 resolved", "restored from clean backup")
	enginetest.MustContain(t, "close", h.Say("/close"), "IR-1 closed")
	enginetest.MustContain(t, "reopen", h.Say("/reopen encryption seen again"), "reopened", "Phase 1/5")
	evs, _ := h.Store.Timeline(context.Background(), 1, 0)
	if err := bot.Verify(evs); err != nil {
		t.Fatal(err)
	}
	kinds := map[bot.EventKind]int{}
	for _, e := range evs {
		kinds[e.Kind]++
	}
	for k, want := range map[bot.EventKind]int{bot.EvDeclared: 1, bot.EvAck: 1, bot.EvStepDone: len(pb.Steps()) - 1, bot.EvStepSkipped: 1, bot.EvResolved: 1, bot.EvClosed: 1, bot.EvReopened: 1} {
		if kinds[k] != want {
			t.Errorf("timeline has %d %s events, want %d", kinds[k], k, want)
		}
	}
}

func TestVietnameseByDefault(t *testing.T) {
	h := enginetest.New(t, "", nil)
	enginetest.MustContain(t, "declare", h.Say("/khaibao phishing Lộ mật khẩu thư công vụ"), "Khai báo bởi", "Lộ mật khẩu thư công vụ")
	enginetest.MustContain(t, "ack alias", h.Say("xacnhan"), "xác nhận", "Giai đoạn 1/")
	enginetest.MustContain(t, "lang", h.Say("/lang en"), "now in English")
	enginetest.MustContain(t, "status in English", h.Say("/status"), "State:", "Declared:")
}

func TestWhichIncidentWhenSeveralOpen(t *testing.T) {
	h := enginetest.New(t, "en", nil)
	h.Say("/declare ddos Portal down")
	h.Say("/declare phishing Mailbox taken over")
	got := h.Say("/ack")
	enginetest.MustContain(t, "ambiguous", got, "Several incidents are open", "IR-1", "IR-2")
	enginetest.MustContain(t, "explicit ref", h.Say("/ack ir-2"), "IR-2 acknowledged")
	enginetest.MustContain(t, "bare number", h.Say("/status 1"), "IR-1", "awaiting acknowledgement")
	other := bot.ChatRef{Platform: "console", ID: "elsewhere"}
	out := h.SayIn(other, "an", "/status")
	if len(out) != 1 || !strings.Contains(out[0].Text, "No open incident in this chat") {
		t.Fatalf("status in a chat with no incident: %+v", out)
	}
}

func TestUnknownAndBadInputGetHelp(t *testing.T) {
	h := enginetest.New(t, "en", nil)
	enginetest.MustContain(t, "unknown", h.Say("/frobnicate"), "No command", "/help")
	enginetest.MustContain(t, "typo", h.Say("/stauts"), "Did you mean /status")
	enginetest.MustContain(t, "usage", h.Say("/declare"), "Usage: /declare")
	enginetest.MustContain(t, "usage says what is wrong", h.Say("/skip 2"), "A reason is required. Usage: /skip")
	enginetest.MustContain(t, "no playbook", h.Say("/declare nosuch Title here"), "No playbook", "ransomware")
	enginetest.MustContain(t, "no incident", h.Say("/status IR-42"), "No incident IR-42")
	if out := h.SayIn(soc, "an", "good morning team"); len(out) != 0 {
		t.Fatalf("chatter got a reply: %+v", out)
	}
	h.Say("/declare ddos Portal slow")
	enginetest.MustContain(t, "plain cancel is not acted on", h.Say("huy cuoc hop chieu nay"), "type /huy", "name the incident: huy IR-1 <reason>")
	if inc, _ := h.Store.Incident(context.Background(), 1); inc.State != bot.StateTriggered {
		t.Fatalf("plain chat cancelled the incident: %s", inc.State)
	}
	enginetest.MustContain(t, "plain cancel with a ref", h.Say("huy IR-1 false alarm"), "IR-1 cancelled")
	enginetest.MustContain(t, "help", h.Say("/help"), "/declare", "/timeline", "/verify")
	enginetest.MustContain(t, "help topic", h.Say("/help done"), "/done", "mark a step done")
}

func TestDuplicateDeliveryActsOnce(t *testing.T) {
	h := enginetest.New(t, "en", nil)
	ctx := context.Background()
	in := bot.Inbound{Platform: "telegram", Chat: bot.ChatRef{Platform: "telegram", ID: "-1"}, User: "7", Text: "/declare ddos Flood", ID: "update-1"}
	for i := 0; i < 3; i++ {
		if err := h.Engine.Handle(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	all, _ := h.Store.Incidents(ctx, false)
	out := h.Drain()
	if len(all) != 1 || len(out) != 1 {
		t.Fatalf("3 deliveries of one update made %d incidents and %d messages, want 1 and 1", len(all), len(out))
	}
}

func TestStrangersAreRefused(t *testing.T) {
	dir := bot.NewDirectory([]bot.Person{{ID: "an", Name: "An", IDs: map[string]string{"telegram": "111"}}}, nil)
	h := enginetest.New(t, "en", dir)
	tg := bot.ChatRef{Platform: "telegram", ID: "-1"}
	out := h.SayIn(tg, "999", "/declare ddos Flood")
	if len(out) != 1 || !strings.Contains(out[0].Text, "not on the responder list") {
		t.Fatalf("stranger got %+v", out)
	}
	if _, err := h.Store.Incident(context.Background(), 1); err == nil {
		t.Fatal("a stranger declared an incident")
	}
	if out := h.SayIn(tg, "999", "/status"); len(out) != 0 {
		t.Fatalf("a stranger was refused twice: %+v", out)
	}
	audit, _ := h.Store.Timeline(context.Background(), engine.AuditID, 0)
	if len(audit) != 2 || audit[0].Kind != bot.EvStranger || audit[0].Data["user"] != "999" || bot.Verify(audit) != nil {
		t.Fatalf("audit log: %+v", audit)
	}
	// An admin issues a code; the stranger links the account and can act.
	code, err := h.Engine.IssueLinkCode(context.Background(), "an", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if out := h.SayIn(bot.ChatRef{Platform: "zalo", ID: "z-9", Direct: true}, "z-9", "/link "+code); len(out) != 1 || !strings.Contains(out[0].Text, "Linked: you are An on zalo") {
		t.Fatalf("link: %+v", out)
	}
	if out := h.SayIn(bot.ChatRef{Platform: "zalo", ID: "g-1"}, "z-9", "/declare phishing Fake invoice mail"); len(out) != 1 || !strings.Contains(out[0].Text, "Declared by An") {
		t.Fatalf("the linked account should act as An: %+v", out)
	}
	if out := h.SayIn(bot.ChatRef{Platform: "zalo", ID: "z-8", Direct: true}, "z-8", "/link "+code); len(out) != 1 || !strings.Contains(out[0].Text, "wrong or expired") {
		t.Fatalf("a used code worked again: %+v", out)
	}
	out = h.SayIn(tg, "111", "/declare ddos Flood")
	if len(out) != 1 || !strings.Contains(out[0].Text, "Declared by An") {
		t.Fatalf("known person got %+v", out)
	}
}

func TestConcurrentCommandsOnOneIncidentAllRecorded(t *testing.T) {
	h := enginetest.New(t, "en", nil)
	h.Say("/declare outage Core switch down")
	h.Say("/ack")
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			err := h.Engine.Handle(context.Background(), bot.Inbound{Platform: "console", Chat: soc, User: "an",
				Text: fmt.Sprintf("/note IR-1 update %d", i), ID: fmt.Sprint("c", i)})
			if err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	evs, _ := h.Store.Timeline(context.Background(), 1, 0)
	notes := 0
	for _, e := range evs {
		if e.Kind == bot.EvNote {
			notes++
		}
	}
	if notes != 20 {
		t.Fatalf("%d of 20 concurrent notes recorded", notes)
	}
	if err := bot.Verify(evs); err != nil {
		t.Fatal(err)
	}
}

func TestStepDeadlineRemindsOnce(t *testing.T) {
	h := enginetest.New(t, "en", nil)
	// The earliest deadline of a first phase among the bundled playbooks,
	// whichever playbook and step that is today.
	var pb *playbook.Playbook
	var first playbook.Step
	for _, p := range h.Engine.Playbooks().List() {
		if len(p.Phases) == 0 {
			continue
		}
		for _, s := range p.Phases[0].Steps {
			if s.Due > 0 && (pb == nil || s.Due < first.Due) {
				pb, first = p, s
			}
		}
	}
	if pb == nil {
		t.Fatal("no bundled playbook has a step with a due time in its first phase: step deadlines would go untested")
	}
	h.Say("/declare " + pb.ID + " Encrypted shares")
	h.Say("/ack")
	ctx := context.Background()
	sched := scheduler.New(h.Store, h.Engine.Fire, h.Clock, "test", nil)
	h.Clock.Add(first.Due.D() - time.Second)
	if n, _ := sched.Tick(ctx); n != 0 {
		t.Fatalf("%d timers fired before the deadline", n)
	}
	h.Clock.Add(2 * time.Second)
	if n, err := sched.Tick(ctx); n == 0 || err != nil {
		t.Fatalf("deadline passed, %d timers fired, %v", n, err)
	}
	out := h.Drain()
	found := false
	for _, m := range out {
		if strings.Contains(m.Text, fmt.Sprintf("step %d is overdue", first.Number)) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no overdue reminder for step %d in %+v", first.Number, out)
	}
	h.Clock.Add(time.Hour)
	sched.Tick(ctx)
	for _, m := range h.Drain() {
		if strings.Contains(m.Text, fmt.Sprintf("step %d is overdue", first.Number)) {
			t.Fatal("reminder fired twice")
		}
	}
}

// TestStepDeadlineRemindsThenEscalates: a step's first deadline reminds the
// chat; the second pages, naming the step.
func TestStepDeadlineRemindsThenEscalates(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.Team(), enginetest.WithPaging(0))
	ctx := context.Background()
	sched := scheduler.New(h.Store, h.Engine.Fire, h.Clock, "w1", nil)
	h.Say("/declare ransomware Shares encrypted")
	h.Say("/ack") // acks the page; phase 1 starts
	pb, _ := h.Engine.Playbooks().Get("ransomware")
	st := pb.Phases[0].Steps[0]
	h.Clock.Add(st.Due.D())
	sched.Tick(ctx)
	out := h.Drain()
	if !strings.Contains(enginetest.JoinTexts(out), fmt.Sprintf("step %d is overdue", st.Number)) || len(enginetest.Pages(out)) != 0 {
		t.Fatalf("first deadline: want a reminder and no page, got %s", enginetest.JoinTexts(out))
	}
	h.Clock.Add(st.Due.D())
	sched.Tick(ctx)
	out = h.Drain()
	if p := enginetest.Pages(out); len(p) == 0 || !strings.Contains(p[0].Text, fmt.Sprintf("step %d overdue", st.Number)) {
		t.Fatalf("second deadline: want a page naming the step, got %s", enginetest.JoinTexts(out))
	}
}

func TestDoneStepCancelsItsReminder(t *testing.T) {
	h := enginetest.New(t, "en", nil)
	h.Say("/declare ransomware Encrypted shares")
	h.Say("/ack")
	pb, _ := h.Engine.Playbooks().Get("ransomware")
	h.Say(fmt.Sprintf("/done %d", pb.Phases[0].Steps[0].Number))
	timers, _ := h.Store.Timers(context.Background())
	for _, tm := range timers {
		if tm.Data["step"] == pb.Phases[0].Steps[0].ID {
			t.Fatalf("timer for a done step still set: %+v", tm)
		}
	}
}

func TestGraphIsTheRunningMachine(t *testing.T) {
	h := enginetest.New(t, "en", nil)
	pb, _ := h.Engine.Playbooks().Get("ddos")
	g, err := playbook.Graph(pb)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"stateDiagram-v2", "[*] --> triggered", "triggered --> acknowledged: ack",
		"acknowledged --> " + pb.Phases[0].ID + ": next", pb.Phases[len(pb.Phases)-1].ID + " --> resolved: resolve",
		"resolved --> closed: close", "closed --> acknowledged: reopen"} {
		if !strings.Contains(g, want) {
			t.Errorf("graph lacks %q:\n%s", want, g)
		}
	}
}

func TestTwoChatsFollowOneIncident(t *testing.T) {
	dir := bot.NewDirectory([]bot.Person{{ID: "an", Name: "An", IDs: map[string]string{"telegram": "111", "slack": "U0AN"}}},
		[]bot.Chat{{ID: "soc", Purpose: "response", IDs: map[string]string{"telegram": "-1001", "slack": "C0SOC"}}})
	h := enginetest.New(t, "en", dir)
	tg := bot.ChatRef{Platform: "telegram", ID: "-1001"}
	sl := bot.ChatRef{Platform: "slack", ID: "C0SOC"}
	out := h.SayIn(tg, "111", "/declare ddos Portal flooded")
	if got := enginetest.JoinTexts(out); !strings.Contains(got, "[-1001] 🚨 IR-1") || !strings.Contains(got, "[C0SOC] 🚨 IR-1") {
		t.Fatalf("the soc chat on both platforms should see the declaration:\n%s", got)
	}
	out = h.SayIn(sl, "U0AN", "/note upstream filtering on")
	if got := enginetest.JoinTexts(out); !strings.Contains(got, "[-1001] 📝 IR-1") || !strings.Contains(got, "[C0SOC] 📝 IR-1") {
		t.Fatalf("a note from Slack should reach Telegram too:\n%s", got)
	}
	other := bot.ChatRef{Platform: "telegram", ID: "-2002"}
	h.SayIn(other, "111", "/note IR-1 the NOC is watching too")
	out = h.SayIn(tg, "111", "/note ack from soc")
	if got := enginetest.JoinTexts(out); !strings.Contains(got, "[-2002] 📝 IR-1") {
		t.Fatalf("a chat that acted on IR-1 should follow it:\n%s", got)
	}
}

// TestLinkCodesResistGuessing: codes carry 80 bits and are typed in any
// case with or without dashes; wrong codes are limited per account and
// per chat, and a flood of them adds two audit entries, not one each.
func TestLinkCodesResistGuessing(t *testing.T) {
	h := enginetest.New(t, "en", bot.NewDirectory([]bot.Person{{ID: "an", Name: "An"}}, nil))
	code, err := h.Engine.IssueLinkCode(context.Background(), "an", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(strings.ReplaceAll(code, "-", "")) != 16 {
		t.Fatalf("code %q: want 16 base32 characters (80 bits)", code)
	}
	guesser := bot.ChatRef{Platform: "telegram", ID: "666", Direct: true}
	for i := range 20 {
		out := h.SayIn(guesser, "666", fmt.Sprintf("/link AAAA-BBBB-CCCC-%04d", i))
		want := "wrong or expired"
		if i >= 5 {
			want = "Too many wrong link codes. Try again in"
		}
		if len(out) != 1 || !strings.Contains(out[0].Text, want) {
			t.Fatalf("guess %d: %+v; want %q", i+1, out, want)
		}
	}
	// The right code is refused too while the account is locked out...
	if out := h.SayIn(guesser, "666", "/link "+code); !strings.Contains(enginetest.JoinTexts(out), "Too many") {
		t.Fatalf("locked account: %+v", out)
	}
	refused := 0
	evs, _ := h.Store.Timeline(context.Background(), engine.AuditID, 0)
	for _, e := range evs {
		if e.Kind == bot.EvLinkRefused {
			refused++
		}
	}
	if refused != 2 {
		t.Fatalf("%d audit entries for 5 wrong codes and 15 refused tries, want 2", refused)
	}
	// ...and works, lower case and without dashes, for someone else, and
	// for the guesser once the window has passed.
	h.Clock.Add(time.Hour)
	typed := strings.ToLower(strings.ReplaceAll(code, "-", ""))
	if out := h.SayIn(guesser, "666", "/link "+typed); !strings.Contains(enginetest.JoinTexts(out), "Linked: you are An") {
		t.Fatalf("the right code after the window: %+v", out)
	}
}

// TestDirectChatsReadTheirPersonsLanguage: a Vietnamese team, and Cường,
// who reads English, acknowledges a page from his direct chat: what he
// is told there is in English, what the group is told in Vietnamese.
func TestDirectChatsReadTheirPersonsLanguage(t *testing.T) {
	h := enginetest.New(t, "vi", enginetest.Team(), enginetest.WithPaging(0))
	h.Say("/declare ransomware Máy chủ bị mã hoá")
	dm := bot.ChatRef{Platform: "console", ID: "dm:cuong", Direct: true}
	var inDM, inGroup []string
	for _, m := range h.SayIn(dm, "cuong", "/ack IR-1") {
		if m.Chat == dm {
			inDM = append(inDM, m.Text)
		} else {
			inGroup = append(inGroup, m.Text)
		}
	}
	if len(inDM) == 0 || len(inGroup) == 0 {
		t.Fatalf("told in the direct chat %q, in the group %q; want both", inDM, inGroup)
	}
	if got := strings.Join(inDM, "\n"); !strings.Contains(got, "acknowledged") {
		t.Errorf("Cường's direct chat is not told in English:\n%s", got)
	}
	if got := strings.Join(inGroup, "\n"); !strings.Contains(got, "xác nhận") {
		t.Errorf("the group is not told in Vietnamese:\n%s", got)
	}
}

// TestNextPhaseIsOfferedWhenItCanBeTaken: the phase card offers "▶ next
// phase" only once the phase's required steps are done: a button that
// would be refused is not shown.
func TestNextPhaseIsOfferedWhenItCanBeTaken(t *testing.T) {
	h := enginetest.New(t, "en", nil)
	h.Say("/declare ransomware Files encrypted")
	offers := func(out []bot.Outgoing) bool {
		for _, m := range out {
			for _, b := range m.Buttons {
				if strings.HasPrefix(b.Data, "/next ") {
					return true
				}
			}
		}
		return false
	}
	if offers(h.SayIn(enginetest.SOC, "an", "/ack")) {
		t.Error("the next phase is offered while its required steps are open")
	}
	pb, _ := h.Engine.Playbooks().Get("ransomware")
	var last []bot.Outgoing
	for _, s := range pb.Phases[0].Steps {
		if s.Required {
			last = h.SayIn(enginetest.SOC, "an", fmt.Sprintf("/done %d", s.Number))
		}
	}
	if !offers(last) {
		t.Errorf("the next phase is not offered once the required steps are done:\n%s", enginetest.JoinTexts(last))
	}
}
