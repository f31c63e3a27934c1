package slack_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/slack"
	"github.com/irbot/irbot/bot/chat/slack/slackfake"
)

// receive runs ad.Receive with h until the test ends (or stop is called).
func (e *env) receive(h chat.Handler) (stop func()) {
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- e.ad.Receive(ctx, h) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				e.t.Errorf("Receive returned %v, want context.Canceled", err)
			}
		})
	}
	e.t.Cleanup(stop)
	return stop
}

func (e *env) waitAck(id string) {
	e.t.Helper()
	if !e.fake.WaitFor(wait, func() bool { return e.fake.Acked(id) }) {
		e.t.Fatalf("envelope %s not acknowledged", id)
	}
}

// TestSocketMode: over the fake's Socket Mode endpoint (opened with the
// app-level token), an app_mention, a slash command and a button press
// reach the engine and are acknowledged by envelope id; an envelope whose
// handling failed is not acknowledged, and Slack's redelivery acts once.
func TestSocketMode(t *testing.T) {
	e := newEnv(t, envOpt{cfg: slack.Config{Mode: slack.ModeSocket}, dir: slackTeam()})
	var mu sync.Mutex
	failNext := false
	stop := e.receive(func(ctx context.Context, in bot.Inbound) error {
		mu.Lock()
		fail := failNext
		failNext = false
		mu.Unlock()
		if fail {
			return errors.New("store unavailable")
		}
		return e.eng.Handle(ctx, in)
	})

	bot0 := "<@" + e.fake.BotUserID + ">"
	env1 := e.fake.PushSocket(slackfake.EnvelopeEvents, slackfake.EventCallback("EvS1",
		slackfake.AppMention(uAn, soc, "1767200000.000001", bot0+" declare ddos Portal &amp; API flooded")))
	e.waitAck(env1)
	decl := e.waitMsg(soc, "IR-1", "Portal & API flooded", "Declared by An")
	if calls := e.fake.Calls("apps.connections.open"); len(calls) == 0 {
		t.Fatal("apps.connections.open not called")
	}

	env2 := e.fake.PushSocket(slackfake.EnvelopeCommand, slackfake.SlashCommand{ChannelID: soc, ChannelName: "soc",
		UserID: uBinh, UserName: "binh", Text: "note IR-1 seen from the socket", TriggerID: "trig-1"}.JSON())
	e.waitAck(env2)
	e.waitWhere(soc, func(m slackfake.Message) bool {
		return m.ThreadTS == decl.TS && strings.Contains(m.Shown(), "seen from the socket")
	}, "note in the thread")

	b, ok := decl.Button("✅ Acknowledge")
	if !ok {
		t.Fatalf("no Acknowledge button: %+v", decl.Buttons)
	}
	env3 := e.fake.PushSocket(slackfake.EnvelopeInteract, slackfake.Press{User: uCuong, UserName: "cuong", Channel: soc,
		MessageTS: decl.TS, Button: b, ActionTS: "1767210000.000001"}.Payload())
	e.waitAck(env3)
	e.waitWhere(soc, func(m slackfake.Message) bool {
		return m.TS == decl.TS && m.Edits > 0 && strings.Contains(m.Shown(), "acknowledged by Cường")
	}, "acknowledged in place")

	// A failed handling is not acknowledged; Slack sends it again.
	mu.Lock()
	failNext = true
	mu.Unlock()
	ev := slackfake.EventCallback("EvS2", slackfake.AppMention(uAn, soc, "1767200000.000002", bot0+" note IR-1 only once"))
	env4 := e.fake.PushSocket(slackfake.EnvelopeEvents, ev)
	env5 := e.fake.PushSocket(slackfake.EnvelopeEvents, ev) // the redelivery
	e.waitAck(env5)
	if e.fake.Acked(env4) {
		t.Fatal("an envelope whose handling failed was acknowledged")
	}
	e.waitWhere(soc, func(m slackfake.Message) bool { return strings.Contains(m.Shown(), "only once") }, "note")
	env6 := e.fake.PushSocket(slackfake.EnvelopeEvents, ev) // and once more, after it was handled
	e.waitAck(env6)
	e.flush()
	if n := e.countWith(soc, "only once"); n != 1 {
		t.Fatalf("the note was told %d times", n)
	}
	stop()
	if _, open := e.fake.SocketConnections(); open != 0 && !e.fake.WaitFor(wait, func() bool { _, o := e.fake.SocketConnections(); return o == 0 }) {
		t.Fatal("the connection stayed open after Receive returned")
	}
}

// TestSocketModeRefusedToken: an app-level token Slack refuses ends
// Receive with a permanent error instead of retrying for ever.
func TestSocketModeRefusedToken(t *testing.T) {
	e := newEnv(t, envOpt{cfg: slack.Config{Mode: slack.ModeSocket, AppToken: "xapp-1-A0IRBOT-not-the-one"}})
	err := e.ad.Receive(e.ctx, func(context.Context, bot.Inbound) error { return nil })
	if err == nil || !isErr(err, chat.ErrPermanent) || strings.Contains(err.Error(), "not-the-one") {
		t.Fatalf("Receive with a refused token: %v", err)
	}
}
