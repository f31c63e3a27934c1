package slack_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/slack"
	"github.com/irbot/irbot/bot/chat/slack/slackfake"
)

// rejections records Config.OnRejected calls.
type rejections struct {
	mu  sync.Mutex
	got []string
}

func (r *rejections) add(reason, remote string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, reason+" from "+remote)
}

func (r *rejections) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

// TestEventsAPISignatures: url_verification is answered; a good signature
// passes; a bad one, a missing one and a timestamp over five minutes off
// are refused with 401 before the body is looked at, and reported; an
// event Slack retries (same event_id, X-Slack-Retry-Num) acts once.
func TestEventsAPISignatures(t *testing.T) {
	rej := &rejections{}
	e := newEnv(t, envOpt{cfg: slack.Config{OnRejected: rej.add}})

	r := e.ok(e.client.Do(slackfake.Request{ContentType: "application/json",
		Body: []byte(`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)}))
	if !strings.Contains(r.Body, `"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"`) {
		t.Fatalf("url_verification answered %q", r.Body)
	}

	body := slackfake.EventCallback("Ev0DECLARE", slackfake.AppMention(uAn, soc, "1767200000.000100",
		"<@"+e.fake.BotUserID+"> declare ddos Portal flooded"))
	e.ok(e.client.Do(slackfake.Request{ContentType: "application/json", Body: body}))
	e.waitMsg(soc, "IR-1", "Declared by")
	// Slack sends it again (it did not see our answer in time).
	e.ok(e.client.Do(slackfake.Request{ContentType: "application/json", Body: body,
		Header: http.Header{"X-Slack-Retry-Num": {"1"}, "X-Slack-Retry-Reason": {"http_timeout"}}}))
	e.flush()
	if n := e.incidents(); n != 1 {
		t.Fatalf("an event and its retry made %d incidents, want 1", n)
	}
	if n := e.countWith(soc, "Declared by"); n != 1 {
		t.Fatalf("the declaration was posted %d times:\n%s", n, dump(e.fake.Messages(soc)))
	}

	other := slackfake.EventCallback("Ev0OTHER", slackfake.AppMention(uAn, soc, "1767200000.000200",
		"<@"+e.fake.BotUserID+"> declare phishing Mailbox taken over"))
	refused := []struct {
		name, reason string
		req          slackfake.Request
	}{
		{"bad signature", slack.RejectBad, slackfake.Request{Signature: "v0=" + strings.Repeat("ab", 32)}},
		{"signed with another secret", slack.RejectBad, slackfake.Request{Signature: func() string {
			_, sig := slackfake.Sign("not-the-secret", time.Now(), other)
			return sig
		}()}},
		{"no signature", slack.RejectMissing, slackfake.Request{Unsigned: true}},
		{"stale", slack.RejectStale, slackfake.Request{SignedAt: time.Now().Add(-6 * time.Minute)}},
		{"from the future", slack.RejectStale, slackfake.Request{SignedAt: time.Now().Add(6 * time.Minute)}},
		{"malformed signature", slack.RejectMalformed, slackfake.Request{Signature: "v0=not-hex"}},
	}
	for _, c := range refused {
		c.req.ContentType, c.req.Body = "application/json", other
		r, err := e.client.Do(c.req)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != http.StatusUnauthorized {
			t.Errorf("%s: answered %d, want 401", c.name, r.Status)
		}
		got := rej.list()
		if len(got) == 0 || !strings.HasPrefix(got[len(got)-1], c.reason+" from 127.0.0.1:") {
			t.Errorf("%s: OnRejected got %q, want %q from the client's address", c.name, got, c.reason)
		}
	}
	// The signature is checked before the body is parsed: garbage with a
	// bad signature is 401, not 400.
	r, _ = e.client.Do(slackfake.Request{ContentType: "application/json", Body: []byte("{not json"), Signature: "v0=00"})
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("garbage with a bad signature answered %d, want 401", r.Status)
	}
	r, _ = e.client.Do(slackfake.Request{ContentType: "application/json", Body: []byte("{not json")})
	if r.Status != http.StatusBadRequest {
		t.Fatalf("garbage with a good signature answered %d, want 400", r.Status)
	}
	resp, err := http.Get(e.client.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET answered %d", resp.StatusCode)
	}
	e.flush()
	if n := e.incidents(); n != 1 {
		t.Fatalf("refused requests made %d incidents", n-1)
	}
	if len(rej.list()) != len(refused)+1 {
		t.Fatalf("OnRejected called %d times, want %d: %q", len(rej.list()), len(refused)+1, rej.list())
	}
}

// inboundRecorder is a handler that keeps what it is given.
type inboundRecorder struct {
	mu  sync.Mutex
	got []bot.Inbound
}

func (r *inboundRecorder) handle(_ context.Context, in bot.Inbound) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, in)
	return nil
}

func (r *inboundRecorder) list() []bot.Inbound {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Inbound(nil), r.got...)
}

// TestInbound checks what reaches the handler from each kind of request,
// and what does not.
func TestInbound(t *testing.T) {
	e := newEnv(t, envOpt{})
	rec := &inboundRecorder{}
	e.ad.SetHandler(rec.handle)
	bot0 := "<@" + e.fake.BotUserID + ">"
	dm := e.fake.DMChannel(uAn)

	ignored := []map[string]any{
		// The bot's own message in a DM.
		func() map[string]any {
			m := slackfake.MessageEvent(e.fake.BotUserID, dm, "im", "1.1", "PAGE — IR-1")
			m["bot_id"] = e.fake.BotID
			return m
		}(),
		// An edit.
		func() map[string]any {
			m := slackfake.MessageEvent(uAn, dm, "im", "1.2", "ack")
			m["subtype"] = "message_changed"
			return m
		}(),
		// Chatter in a channel (channel messages are off).
		slackfake.MessageEvent(uAn, soc, "channel", "1.3", "ack IR-1"),
		// Another app's mention of the bot.
		func() map[string]any {
			m := slackfake.AppMention("", soc, "1.4", bot0+" declare ddos x")
			m["bot_id"] = "B0OTHER"
			return m
		}(),
	}
	for i, ev := range ignored {
		e.ok(e.client.Event(fmt.Sprintf("EvIgnored%d", i), ev, 0))
	}
	e.ok(e.client.Event("EvDM", slackfake.MessageEvent(uAn, dm, "im", "2.1",
		"note see <https://intranet.example/x|intranet.example/x> &amp; <#C0SOC|soc> for <@U0BINH>"), 0))
	e.ok(e.client.Event("EvM1", slackfake.AppMention(uAn, soc, "2.2", bot0+" ack 5"), 0))
	e.ok(e.client.Event("EvM2", slackfake.AppMention(uAn, soc, "2.3", bot0+": /ack 5"), 0))
	e.ok(e.client.Event("EvM3", slackfake.AppMention(uAn, soc, "2.4", bot0), 0))
	e.ok(e.client.SlashCommand(slackfake.SlashCommand{ChannelID: soc, ChannelName: "soc", UserID: uBinh, UserName: "binh",
		Text: "declare ddos Title & <b>", TriggerID: "13345224609.738474920.8088930838d88f008e0"}))
	e.ok(e.client.SlashCommand(slackfake.SlashCommand{ChannelID: dm, ChannelName: "directmessage", UserID: uAn,
		UserName: "an", Text: "  ", TriggerID: "t2"}))
	e.ok(e.client.Press(slackfake.Press{User: uBinh, UserName: "binh", Channel: soc, MessageTS: "3.1",
		Button: slackfake.Button{ActionID: "irbot_0_x", Label: "✅ Acknowledge", Value: "/ack IR-5"}, ActionTS: "1767210000.000001"}))
	e.drain()

	want := []bot.Inbound{
		{Platform: "slack", Chat: bot.ChatRef{Platform: "slack", ID: uAn, Direct: true}, User: uAn,
			Text: "note see intranet.example/x & #soc for <@U0BINH>", ID: "EvDM", MessageID: "2.1"},
		{Platform: "slack", Chat: bot.ChatRef{Platform: "slack", ID: soc}, User: uAn, Text: "/ir ack 5", ID: "EvM1", MessageID: "2.2"},
		{Platform: "slack", Chat: bot.ChatRef{Platform: "slack", ID: soc}, User: uAn, Text: "/ack 5", ID: "EvM2", MessageID: "2.3"},
		{Platform: "slack", Chat: bot.ChatRef{Platform: "slack", ID: soc}, User: uAn, Text: "/ir", ID: "EvM3", MessageID: "2.4"},
		{Platform: "slack", Chat: bot.ChatRef{Platform: "slack", ID: soc}, User: uBinh, UserName: "binh",
			Text: "/ir declare ddos Title & <b>", ID: "cmd:13345224609.738474920.8088930838d88f008e0"},
		{Platform: "slack", Chat: bot.ChatRef{Platform: "slack", ID: uAn, Direct: true}, User: uAn, UserName: "an",
			Text: "/ir", ID: "cmd:t2"},
		{Platform: "slack", Chat: bot.ChatRef{Platform: "slack", ID: soc}, User: uBinh, UserName: "binh",
			Text: "/ack IR-5", Button: true, ID: "btn:1767210000.000001:" + uBinh, MessageID: "3.1"},
	}
	got := rec.list()
	if len(got) != len(want) {
		t.Fatalf("handler got %d inbound messages, want %d:\n%+v", len(got), len(want), got)
	}
	// Each chat's messages in order; chats among themselves in any order.
	for _, ch := range []string{uAn, soc} {
		g, w := ofChat(got, ch), ofChat(want, ch)
		for i := range w {
			if i >= len(g) || g[i] != w[i] {
				t.Fatalf("chat %s:\n got %+v\nwant %+v", ch, g, w)
			}
		}
	}
}

func ofChat(ins []bot.Inbound, chat string) []bot.Inbound {
	var out []bot.Inbound
	for _, in := range ins {
		if in.Chat.ID == chat {
			out = append(out, in)
		}
	}
	return out
}

// TestChannelMessages: with ChannelMessages on, plain messages in a
// channel reach the handler, except those mentioning the bot (app_mention
// brings them).
func TestChannelMessages(t *testing.T) {
	e := newEnv(t, envOpt{cfg: slack.Config{ChannelMessages: true}})
	rec := &inboundRecorder{}
	e.ad.SetHandler(rec.handle)
	e.ok(e.client.Event("Ev1", slackfake.MessageEvent(uAn, soc, "channel", "1.1", "ack IR-1"), 0))
	e.ok(e.client.Event("Ev2", slackfake.MessageEvent(uAn, soc, "channel", "1.2", "<@"+e.fake.BotUserID+"> ack IR-1"), 0))
	e.ok(e.client.Event("Ev3", slackfake.MessageEvent(uAn, "G0PRIV", "group", "1.3", "status"), 0))
	e.drain()
	got := rec.list()
	if s, g := ofChat(got, soc), ofChat(got, "G0PRIV"); len(got) != 2 || len(s) != 1 || s[0].Text != "ack IR-1" ||
		len(g) != 1 || g[0].Text != "status" || g[0].Chat.Direct {
		t.Fatalf("handler got %+v", got)
	}
}

// TestAnsweredBeforeHandledInOrderPerChat: requests are answered while
// the handler is still busy with earlier ones, and each chat's messages
// are handled one at a time in the order they arrived, while another
// chat's go on.
func TestAnsweredBeforeHandledInOrderPerChat(t *testing.T) {
	e := newEnv(t, envOpt{cfg: slack.Config{SyncWait: -1}}) // answer at once: this is about the queue

	release := make(chan struct{})
	var mu sync.Mutex
	order := map[string][]string{}
	busy := map[string]int{}
	e.ad.SetHandler(func(ctx context.Context, in bot.Inbound) error {
		mu.Lock()
		busy[in.Chat.ID]++
		if busy[in.Chat.ID] > 1 {
			t.Errorf("two messages of %s handled at once", in.Chat.ID)
		}
		mu.Unlock()
		if in.Chat.ID == "C0SLOW" {
			<-release
		}
		mu.Lock()
		order[in.Chat.ID] = append(order[in.Chat.ID], in.Text)
		busy[in.Chat.ID]--
		mu.Unlock()
		return nil
	})
	var want []string
	for i := range 30 {
		text := fmt.Sprintf("/ir note %d", i)
		want = append(want, text)
		for _, ch := range []string{"C0SLOW", "C0FAST"} {
			e.ok(e.client.SlashCommand(slackfake.SlashCommand{ChannelID: ch, UserID: uAn, Text: strings.TrimPrefix(text, "/ir ")}))
		}
	}
	// Every request was answered while C0SLOW's first is still in the
	// handler; C0FAST's were handled meanwhile.
	ok := e.fake.WaitFor(wait, func() bool { mu.Lock(); defer mu.Unlock(); return len(order["C0FAST"]) == 30 })
	if !ok {
		t.Fatal("a busy chat held up another chat")
	}
	mu.Lock()
	if len(order["C0SLOW"]) != 0 {
		t.Fatalf("C0SLOW handled %d while blocked", len(order["C0SLOW"]))
	}
	mu.Unlock()
	close(release)
	e.drain()
	for _, ch := range []string{"C0SLOW", "C0FAST"} {
		if got := strings.Join(order[ch], ","); got != strings.Join(want, ",") {
			t.Fatalf("%s handled in order %s", ch, got)
		}
	}
}

// TestNotReadyAndClosed: without a handler, or once closed, the adapter
// answers 503 (Slack retries events) rather than drop work.
func TestNotReadyAndClosed(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.ad.SetHandler(nil)
	r, err := e.client.Event("Ev1", slackfake.AppMention(uAn, soc, "1.1", "<@"+e.fake.BotUserID+"> status"), 0)
	if err != nil || r.Status != http.StatusServiceUnavailable {
		t.Fatalf("no handler: %d %v", r.Status, err)
	}
	rec := &inboundRecorder{}
	e.ad.SetHandler(rec.handle)
	ctx, cancel := context.WithTimeout(e.ctx, wait)
	defer cancel()
	if err := e.ad.Close(ctx); err != nil {
		t.Fatal(err)
	}
	r, err = e.client.Event("Ev2", slackfake.AppMention(uAn, soc, "1.2", "<@"+e.fake.BotUserID+"> status"), 0)
	if err != nil || r.Status != http.StatusServiceUnavailable {
		t.Fatalf("closed: %d %v", r.Status, err)
	}
	if len(rec.list()) != 0 {
		t.Fatal("handled after close")
	}
}

// TestAnsweredAfterTheWorkIsCommitted: by default the 200 waits for the
// handler, so a crash before the commit leaves Slack to send it again.
func TestAnsweredAfterTheWorkIsCommitted(t *testing.T) {
	e := newEnv(t, envOpt{})
	var mu sync.Mutex
	handled := false
	e.ad.SetHandler(func(ctx context.Context, in bot.Inbound) error {
		time.Sleep(50 * time.Millisecond) // a slow store
		mu.Lock()
		handled = true
		mu.Unlock()
		return nil
	})
	e.ok(e.client.SlashCommand(slackfake.SlashCommand{ChannelID: soc, UserID: uAn, Text: "note committed first"}))
	mu.Lock()
	defer mu.Unlock()
	if !handled {
		t.Fatal("answered 200 before the work was handled")
	}
}

// TestSignedReplayWithoutSlackIDs: a request that carries none of Slack's
// ids (a slash command without trigger_id, an event without event_id, a
// button press without action_ts) gets an id from the signed request, so
// the same signed request posted again reaches the handler with the same
// id, and the engine acts on it once; the same text signed at another
// time is a new request.
func TestSignedReplayWithoutSlackIDs(t *testing.T) {
	e := newEnv(t, envOpt{})
	rec := &inboundRecorder{}
	e.ad.SetHandler(rec.handle)

	form := func(v url.Values) slackfake.Request {
		return slackfake.Request{ContentType: "application/x-www-form-urlencoded", Body: []byte(v.Encode())}
	}
	cmd := slackfake.SlashCommand{ChannelID: soc, ChannelName: "soc", UserID: uAn, UserName: "an", Text: "note checked the firewall"}.Form()
	cmd.Del("trigger_id")
	press := url.Values{"payload": {string(slackfake.Press{User: uBinh, UserName: "binh", Channel: soc, MessageTS: "3.1",
		Button: slackfake.Button{ActionID: "irbot_0_x", Label: "✅ Acknowledge", Value: "/ack IR-5"}}.Payload())}}
	event := slackfake.Request{ContentType: "application/json",
		Body: slackfake.EventCallback("", slackfake.AppMention(uAn, soc, "4.1", "<@"+e.fake.BotUserID+"> status"))}

	at := time.Now().Add(-time.Minute)
	for _, c := range []struct {
		name string
		req  slackfake.Request
	}{{"slash command", form(cmd)}, {"button press", form(press)}, {"event", event}} {
		t.Run(c.name, func(t *testing.T) {
			before := len(rec.list())
			c.req.SignedAt = at
			e.ok(e.client.Do(c.req)) // the request
			e.ok(e.client.Do(c.req)) // the same signed bytes again
			c.req.SignedAt = at.Add(time.Second)
			e.ok(e.client.Do(c.req)) // the same text, signed a second later
			e.drain()
			got := rec.list()[before:]
			if len(got) != 3 {
				t.Fatalf("handler got %d inbound messages, want 3: %+v", len(got), got)
			}
			if !strings.HasPrefix(got[0].ID, "req:") || got[1].ID != got[0].ID {
				t.Fatalf("a replay got id %q, the request %q; want one id made from the request", got[1].ID, got[0].ID)
			}
			if got[2].ID == got[0].ID || !strings.HasPrefix(got[2].ID, "req:") {
				t.Fatalf("a request signed at another time got the same id %q", got[2].ID)
			}
		})
	}

	// Through the engine: the replayed declaration opens one incident and
	// is answered once.
	e.ad.SetHandler(e.eng.Handle)
	decl := slackfake.SlashCommand{ChannelID: soc, ChannelName: "soc", UserID: uAn, UserName: "an", Text: "declare ddos Portal flooded"}.Form()
	decl.Del("trigger_id")
	req := form(decl)
	req.SignedAt = at
	e.ok(e.client.Do(req))
	e.ok(e.client.Do(req))
	e.flush()
	if n := e.incidents(); n != 1 {
		t.Fatalf("a signed command posted twice made %d incidents, want 1", n)
	}
	if n := e.countWith(soc, "Declared by"); n != 1 {
		t.Fatalf("the declaration was posted %d times:\n%s", n, dump(e.fake.Messages(soc)))
	}
}

// TestRefusedRequestsAuditedAtABoundedRate: wired to a chat.RefusalAudit
// (as the serve command does), a flood of badly signed requests makes one
// audit entry a minute, the next one counting the rest.
func TestRefusedRequestsAuditedAtABoundedRate(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)}
	var mu sync.Mutex
	var entries []chat.Refusal
	audit := chat.NewRefusalAudit(func(r chat.Refusal) { mu.Lock(); entries = append(entries, r); mu.Unlock() },
		&chat.RefusalAuditOptions{Clock: clock})
	calls := 0
	e := newEnv(t, envOpt{cfg: slack.Config{OnRejected: func(reason, remote string) {
		mu.Lock()
		calls++
		mu.Unlock()
		audit.Refused(slack.Platform, remote, reason)
	}}})
	body := slackfake.EventCallback("Ev0FORGED", slackfake.AppMention(uAn, soc, "1.1", "<@"+e.fake.BotUserID+"> declare ddos forged"))
	forged := []slackfake.Request{{Unsigned: true}, {Signature: "v0=" + strings.Repeat("ab", 32)},
		{SignedAt: time.Now().Add(-time.Hour)}}
	for i := range 30 {
		r := forged[i%len(forged)]
		r.ContentType, r.Body = "application/json", body
		if resp, err := e.client.Do(r); err != nil || resp.Status != http.StatusUnauthorized {
			t.Fatalf("request %d: %d, %v; want 401", i, resp.Status, err)
		}
	}
	clock.mu.Lock()
	clock.now = clock.now.Add(time.Minute)
	clock.mu.Unlock()
	if resp, _ := e.client.Do(slackfake.Request{ContentType: "application/json", Body: body, Unsigned: true}); resp.Status != http.StatusUnauthorized {
		t.Fatalf("unsigned: %d, want 401", resp.Status)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 31 {
		t.Fatalf("OnRejected called %d times, want every one of 31", calls)
	}
	if len(entries) != 2 || entries[0].Reason != slack.RejectMissing || entries[0].Suppressed != 0 ||
		entries[1].Suppressed != 29 || entries[1].Platform != "slack" || !strings.HasPrefix(entries[1].Remote, "127.0.0.1:") {
		t.Fatalf("audit entries %+v, want 2: the first request, then one a minute later counting 29", entries)
	}
	if e.incidents() != 0 {
		t.Fatal("a refused request acted")
	}
}
