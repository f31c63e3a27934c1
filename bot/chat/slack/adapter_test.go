package slack_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/slack"
	"github.com/irbot/irbot/bot/chat/slack/slackfake"
	"github.com/irbot/irbot/store"
)

// memKV is the chat layer's key-value state in memory.
type memKV map[string]string

func (m memKV) Get(_ context.Context, key string) (string, error) { return m[key], nil }

func (m memKV) Put(_ context.Context, values map[string]string) error {
	for k, v := range values {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return nil
}

func TestRender(t *testing.T) {
	got := slack.Render("🚨 IR-1 · SEV1 · Ransomware\nTitle & <b> *bold?*\nDeclared by An.")
	if len(got) != 1 || got[0] != "*🚨 IR-1 · SEV1 · Ransomware*\nTitle &amp; &lt;b&gt; *bold?*\nDeclared by An." {
		t.Fatalf("Render: %q", got)
	}
	if got := slack.Render("one line & <x>"); len(got) != 1 || got[0] != "one line &amp; &lt;x&gt;" {
		t.Fatalf("one line: %q", got)
	}
	if got := slack.Render("a*b headline\nrest"); got[0] != "a*b headline\nrest" {
		t.Fatalf("a headline with '*' must not be bolded: %q", got)
	}
	if got := slack.Render("IR-1\nType "+bot.Command("/done 3")+" or "+bot.Command("/help <x>"), "done"); len(got) != 1 ||
		got[0] != "*IR-1*\nType `/ir done 3` or `/help &lt;x&gt;`" {
		t.Fatalf("command hints: %q", got)
	}
	if got := slack.Render(" \n "); got != nil {
		t.Fatalf("blank: %q", got)
	}
	// Escaping can make a text longer than a section allows: it is split
	// again, never inside an entity.
	long := "head\n" + strings.Repeat("a & b < c > d\n", 700)
	parts := slack.Render(long)
	var joined []string
	for _, p := range parts {
		if n := utf8.RuneCountInString(p); n > slack.MaxSectionText {
			t.Fatalf("a section of %d characters", n)
		}
		joined = append(joined, p)
	}
	back := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(strings.Join(joined, "\n"))
	back = strings.Replace(back, "*head*", "head", 1)
	if back != strings.TrimRight(long, "\n") {
		t.Fatal("the split text does not add up to the original")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// direct builds an adapter on its own (no engine) over a fake Slack.
func direct(t *testing.T, opts ...slackfake.Option) (*slack.Adapter, *slackfake.Server, *logBuffer, *env) {
	t.Helper()
	e := newEnv(t, envOpt{fake: opts})
	return e.ad, e.fake, e.logs, e
}

func TestSendErrors(t *testing.T) {
	ad, fake, _, e := direct(t)
	ctx := e.ctx
	m := bot.Outgoing{Chat: bot.ChatRef{Platform: "slack", ID: soc}, Text: "hello"}
	cases := []struct {
		name      string
		f         slackfake.Failure
		permanent bool
		after     time.Duration
	}{
		{"429", slackfake.Failure{Status: http.StatusTooManyRequests, RetryAfter: 3}, false, 3 * time.Second},
		{"429 without a wait", slackfake.Failure{Status: http.StatusTooManyRequests}, false, time.Second},
		{"ratelimited", slackfake.Failure{Error: "ratelimited"}, false, time.Second},
		{"500", slackfake.Failure{Status: http.StatusInternalServerError}, false, 0},
		{"503", slackfake.Failure{Status: http.StatusServiceUnavailable}, false, 0},
		{"internal_error", slackfake.Failure{Error: "internal_error"}, false, 0},
		{"channel_not_found", slackfake.Failure{Error: "channel_not_found"}, true, 0},
		{"not_in_channel", slackfake.Failure{Error: "not_in_channel"}, true, 0},
		{"is_archived", slackfake.Failure{Error: "is_archived"}, true, 0},
		{"invalid_auth", slackfake.Failure{Error: "invalid_auth"}, true, 0},
		{"account_inactive", slackfake.Failure{Error: "account_inactive"}, true, 0},
		{"msg_too_long", slackfake.Failure{Error: "msg_too_long"}, true, 0},
	}
	for _, c := range cases {
		fake.Fail("chat.postMessage", c.f)
		if c.f.Error == "not_in_channel" {
			fake.Fail("chat.postMessage", c.f) // after joining the channel
		}
		_, err := ad.Send(ctx, m)
		if err == nil {
			t.Fatalf("%s: no error", c.name)
		}
		var ra *chat.RetryAfterError
		switch {
		case c.after > 0:
			if !errors.As(err, &ra) || ra.After != c.after {
				t.Errorf("%s: %v, want retry after %s", c.name, err, c.after)
			}
		case c.permanent:
			if !isErr(err, chat.ErrPermanent) {
				t.Errorf("%s: %v, want permanent", c.name, err)
			}
		default:
			if isErr(err, chat.ErrPermanent) || errors.As(err, &ra) {
				t.Errorf("%s: %v, want transient", c.name, err)
			}
		}
		if strings.Contains(err.Error(), fake.BotToken) {
			t.Errorf("%s: the token is in the error: %v", c.name, err)
		}
	}
	// A network failure is transient; a cancelled send says so.
	flaky := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if strings.HasSuffix(r.URL.Path, "/auth.test") {
			return http.DefaultTransport.RoundTrip(r)
		}
		return nil, errors.New("connection reset by peer")
	})}
	ad2, err := slack.New(ctx, slack.Config{BotToken: fake.BotToken, APIURL: fake.URL(), SigningSecret: secret, HTTPClient: flaky},
		store.KV{Store: e.st}, slog.New(slog.NewTextHandler(e.logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var ra *chat.RetryAfterError
	if _, err := ad2.Send(ctx, m); err == nil || isErr(err, chat.ErrPermanent) || errors.As(err, &ra) {
		t.Fatalf("network failure: %v, want transient", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ad.Send(cctx, m); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled send: %v", err)
	}
	if _, err := slack.New(ctx, slack.Config{BotToken: "xoxb-wrong", APIURL: fake.URL(), SigningSecret: secret}, store.KV{Store: e.st}, nil); err == nil ||
		!isErr(err, chat.ErrPermanent) || strings.Contains(err.Error(), "xoxb-wrong") {
		t.Fatalf("a wrong token: %v", err)
	}
}

// TestDeliveryThroughTheDeliverer: a 429 is waited out and the message
// goes once; a channel that is gone is given up at once and reported.
func TestDeliveryThroughTheDeliverer(t *testing.T) {
	_, fake, _, e := direct(t, slackfake.WithChannelError("C0GONE", "channel_not_found"))
	fake.Fail("chat.postMessage", slackfake.Failure{Status: http.StatusTooManyRequests, RetryAfter: 1})
	err := e.st.Commit(e.ctx, &store.Tx{Outbox: []bot.Outgoing{
		{Chat: bot.ChatRef{Platform: "slack", ID: soc}, Kind: bot.KindReply, Text: "after the pause"},
		{Chat: bot.ChatRef{Platform: "slack", ID: "C0GONE"}, Kind: bot.KindReply, Text: "nobody hears"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	e.flush()
	if n := e.countWith(soc, "after the pause"); n != 1 {
		t.Fatalf("the rate-limited message went %d times", n)
	}
	st := e.d.Stats()
	if st.RateLimited != 1 || st.Failed != 1 || st.Retries != 0 {
		t.Fatalf("stats %+v", st)
	}
	if len(e.failures()) != 1 || e.failures()[0].Chat.ID != "C0GONE" {
		t.Fatalf("failures reported: %+v", e.failures())
	}
}

// TestThreadsDMsAndEdits: an incident's first message to a channel starts
// its thread and later ones go there, surviving a restart; the status card
// stays top-level; DMs go through conversations.open once; edits use
// chat.update and a message that cannot be edited is a permanent error.
func TestThreadsDMsAndEdits(t *testing.T) {
	ad, fake, _, e := direct(t)
	ctx := e.ctx
	ch := bot.ChatRef{Platform: "slack", ID: soc}
	send := func(ad *slack.Adapter, m bot.Outgoing) slackfake.Message {
		t.Helper()
		ts, err := ad.Send(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		chID := m.Chat.ID
		if m.Chat.Direct {
			chID = fake.DMChannel(m.Chat.ID)
		}
		return e.msg(chID, ts)
	}
	root := send(ad, bot.Outgoing{Incident: 5, Chat: ch, Text: "🚨 IR-5\ndeclared", Buttons: []bot.Button{{Label: "✅ Acknowledge", Data: "/ack IR-5"}}})
	if root.ThreadTS != "" {
		t.Fatal("the first message went into a thread")
	}
	if m := send(ad, bot.Outgoing{Incident: 5, Chat: ch, Text: "a note"}); m.ThreadTS != root.TS {
		t.Fatalf("a later message is in thread %q, want %s", m.ThreadTS, root.TS)
	}
	if m := send(ad, bot.Outgoing{Incident: 5, Chat: ch, Kind: bot.KindStatus, EditKey: "status:IR-5", EditOnly: true, Text: "card"}); m.ThreadTS != "" {
		t.Fatal("the status card went into the thread")
	}
	if m := send(ad, bot.Outgoing{Incident: 6, Chat: ch, Text: "another incident"}); m.ThreadTS != "" {
		t.Fatal("another incident's first message went into a thread")
	}
	if m := send(ad, bot.Outgoing{Chat: ch, Text: "no incident"}); m.ThreadTS != "" {
		t.Fatal("a message of no incident went into a thread")
	}
	// A restarted adapter finds the thread in the store.
	ad2, err := slack.New(ctx, slack.Config{BotToken: fake.BotToken, APIURL: fake.URL(), SigningSecret: secret}, store.KV{Store: e.st}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m := send(ad2, bot.Outgoing{Incident: 5, Chat: ch, Text: "after a restart"}); m.ThreadTS != root.TS {
		t.Fatalf("after a restart: thread %q, want %s", m.ThreadTS, root.TS)
	}
	// DMs: no thread, one conversations.open.
	dm := bot.ChatRef{Platform: "slack", ID: uAn, Direct: true}
	p1 := send(ad, bot.Outgoing{Incident: 5, Chat: dm, Kind: bot.KindPage, Text: "PAGE"})
	p2 := send(ad, bot.Outgoing{Incident: 5, Chat: dm, Kind: bot.KindPage, Text: "PAGE again"})
	if p1.ThreadTS != "" || p2.ThreadTS != "" || p1.Channel != fake.DMChannel(uAn) {
		t.Fatalf("DM messages: %+v %+v", p1, p2)
	}
	if n := len(fake.Calls("conversations.open")); n != 1 {
		t.Fatalf("conversations.open called %d times", n)
	}
	// Edits.
	if err := ad.Edit(ctx, bot.Outgoing{Incident: 5, Chat: ch, Text: "✅ IR-5\nacknowledged"}, root.TS); err != nil {
		t.Fatal(err)
	}
	if m := e.msg(soc, root.TS); m.Edits != 1 || !strings.Contains(m.Shown(), "acknowledged") || len(m.Buttons) != 0 {
		t.Fatalf("edited message: %+v", m)
	}
	if err := ad.Edit(ctx, bot.Outgoing{Chat: dm, Text: "PAGE acknowledged"}, p1.TS); err != nil {
		t.Fatal(err)
	}
	if m := e.msg(fake.DMChannel(uAn), p1.TS); m.Edits != 1 {
		t.Fatalf("edited DM: %+v", m)
	}
	for _, id := range []string{"1767225600.999999", "file:F000001", ""} {
		if err := ad.Edit(ctx, bot.Outgoing{Chat: ch, Text: "x"}, id); !isErr(err, chat.ErrPermanent) {
			t.Fatalf("editing %q: %v, want a permanent error", id, err)
		}
	}
}

// TestJoinsPublicChannel: a post to a public channel the bot is not in
// (a slash command there) joins it and posts; a private one cannot be
// joined and is a permanent failure.
func TestJoinsPublicChannel(t *testing.T) {
	ad, fake, _, e := direct(t, slackfake.WithNotMember("C0NEW", "G0PRIV"))
	ts, err := ad.Send(e.ctx, bot.Outgoing{Chat: bot.ChatRef{Platform: "slack", ID: "C0NEW"}, Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	e.msg("C0NEW", ts)
	if _, err := ad.Send(e.ctx, bot.Outgoing{Chat: bot.ChatRef{Platform: "slack", ID: "G0PRIV"}, Text: "hello"}); !isErr(err, chat.ErrPermanent) {
		t.Fatalf("private channel: %v", err)
	}
	if n := len(fake.Calls("conversations.join")); n != 1 {
		t.Fatalf("conversations.join called %d times, want once (public only)", n)
	}
}

// TestReplyInThread: the answer to a message written in a thread goes
// into that thread.
func TestReplyInThread(t *testing.T) {
	ad, fake, _, e := direct(t)
	rec := &inboundRecorder{}
	ad.SetHandler(rec.handle)
	root, err := ad.Send(e.ctx, bot.Outgoing{Chat: bot.ChatRef{Platform: "slack", ID: soc}, Text: "a thread"})
	if err != nil {
		t.Fatal(err)
	}
	ev := slackfake.AppMention(uAn, soc, "1767200000.000001", "<@"+fake.BotUserID+"> help")
	ev["thread_ts"] = root
	e.ok(e.client.Event("Ev1", ev, 0))
	e.drain()
	in := rec.list()[0]
	ts, err := ad.Send(e.ctx, bot.Outgoing{Chat: in.Chat, Kind: bot.KindReply, Text: "help text", ReplyTo: in.MessageID})
	if err != nil {
		t.Fatal(err)
	}
	if m := e.msg(soc, ts); m.ThreadTS != root {
		t.Fatalf("the answer is in thread %q, want %s", m.ThreadTS, root)
	}
}

// TestButtons: one button per bot.Button with unique action ids; data
// longer than Slack's 2000 characters is kept in the store and comes back
// whole when pressed.
func TestButtons(t *testing.T) {
	ad, _, _, e := direct(t)
	rec := &inboundRecorder{}
	ad.SetHandler(rec.handle)
	long := "/note IR-1 " + strings.Repeat("x", 2500)
	var buttons []bot.Button
	for i := range 30 {
		buttons = append(buttons, bot.Button{Label: strings.Repeat("L", 100) + string(rune('a'+i%26)), Data: "/done " + string(rune('0'+i%10))})
	}
	buttons = append(buttons, bot.Button{Label: "long", Data: long})
	ts, err := ad.Send(e.ctx, bot.Outgoing{Chat: bot.ChatRef{Platform: "slack", ID: soc}, Text: "steps", Buttons: buttons})
	if err != nil {
		t.Fatal(err) // the fake refuses blocks beyond Block Kit's limits
	}
	m := e.msg(soc, ts)
	if len(m.Buttons) != len(buttons) {
		t.Fatalf("%d buttons, want %d", len(m.Buttons), len(buttons))
	}
	b, ok := m.Button("long")
	if !ok || len(b.Value) > 2000 || !strings.HasPrefix(b.Value, "irbtn:") {
		t.Fatalf("long button: %+v", b)
	}
	e.press(m, uAn, "long")
	e.drain()
	if got := rec.list(); len(got) != 1 || got[0].Text != long || !got[0].Button || got[0].MessageID != ts {
		t.Fatalf("press: %+v", got)
	}
}

// TestSendFile: a file is uploaded (getUploadURLExternal, upload,
// completeUploadExternal) into the incident's thread with the text as its
// comment.
func TestSendFile(t *testing.T) {
	ad, fake, _, e := direct(t)
	ch := bot.ChatRef{Platform: "slack", ID: soc}
	file := &bot.File{Name: "IR-5-report.md", MIME: "text/markdown", Data: []byte("# IR-5\nreport & <details>\n")}
	// Before the incident has a thread here, the file goes top-level.
	id, err := ad.SendFile(e.ctx, bot.Outgoing{Incident: 5, Chat: ch, Kind: bot.KindReport, Text: "Report & <draft>", File: file})
	if err != nil {
		t.Fatal(err)
	}
	root, err := ad.Send(e.ctx, bot.Outgoing{Incident: 5, Chat: ch, Text: "🚨 IR-5"})
	if err != nil {
		t.Fatal(err)
	}
	id2, err := ad.SendFile(e.ctx, bot.Outgoing{Incident: 5, Chat: ch, Kind: bot.KindReport, Text: "Final", File: file})
	if err != nil {
		t.Fatal(err)
	}
	files := fake.Files()
	if len(files) != 2 || id != "file:"+files[0].ID || id2 != "file:"+files[1].ID {
		t.Fatalf("files %+v, ids %s %s", files, id, id2)
	}
	f := files[0]
	if f.Channel != soc || f.ThreadTS != "" || f.Name != file.Name || string(f.Data) != string(file.Data) || f.Comment != "Report &amp; &lt;draft&gt;" {
		t.Fatalf("first file: %+v", f)
	}
	if files[1].ThreadTS != root {
		t.Fatalf("the second file is in thread %q, want %s", files[1].ThreadTS, root)
	}
	// An empty file goes as text.
	ts, err := ad.SendFile(e.ctx, bot.Outgoing{Chat: ch, Text: "empty report", File: &bot.File{Name: "x"}})
	if err != nil || !strings.Contains(e.msg(soc, ts).Shown(), "empty report") {
		t.Fatalf("empty file: %v", err)
	}
}

func TestNewChecksConfig(t *testing.T) {
	fake := slackfake.New(t)
	st := memKV{}
	for _, c := range []slack.Config{
		{},
		{BotToken: fake.BotToken, APIURL: fake.URL(), Mode: "webhook", SigningSecret: secret},
		{BotToken: fake.BotToken, APIURL: fake.URL(), Mode: slack.ModeSocket},
		{BotToken: fake.BotToken, APIURL: fake.URL(), Mode: slack.ModeEvents},
	} {
		if _, err := slack.New(context.Background(), c, st, nil); err == nil {
			t.Errorf("config %+v accepted", c)
		}
	}
	a, err := slack.New(context.Background(), slack.Config{BotToken: fake.BotToken, APIURL: fake.URL(), AppToken: fake.AppToken}, st, nil)
	if err != nil || a.Mode() != slack.ModeSocket || a.BotUserID() != fake.BotUserID || a.Limits() != slack.DefaultLimits() {
		t.Fatalf("defaults: %v", err)
	}
	b, err := slack.New(context.Background(), slack.Config{BotToken: fake.BotToken, APIURL: fake.URL(), SigningSecret: secret,
		Limits: chat.Limits{MaxLen: 10000, Chat: chat.Rate{N: 5, Per: time.Second}}}, st, nil)
	if err != nil || b.Mode() != slack.ModeEvents || b.Limits().MaxLen != slack.MaxSectionText {
		t.Fatalf("events: %v %+v", err, b)
	}
	if err := b.Receive(context.Background(), nil); err == nil {
		t.Fatal("Receive in events mode")
	}
}

// TestCommandHintsUseTheSlashCommand: a command hint at one of
// Config.Commands is shown as inline code the way Slack users type it,
// "/ir ack", in the blocks and in the notification text; other hints are
// code as written, and so is every hint when no commands are configured.
// Slashes in ordinary text are never touched.
func TestCommandHintsUseTheSlashCommand(t *testing.T) {
	ad, _, _, e := direct(t)
	bare, err := slack.New(e.ctx, slack.Config{BotToken: e.fake.BotToken, APIURL: e.fake.URL(), SigningSecret: secret}, memKV{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		shown string
		code  []string
	}
	cases := []struct {
		text       string
		configured want
		none       want
	}{
		{"Next: " + bot.Command("/ack") + " to acknowledge.",
			want{"Next: /ir ack to acknowledge.", []string{"/ir ack"}},
			want{"Next: /ack to acknowledge.", []string{"/ack"}}},
		{"IR-1\nType " + bot.Command("/done 3") + " when done, or " + bot.Command("/skip 3 <x & y>") + ".",
			want{"IR-1\nType /ir done 3 when done, or /ir skip 3 <x & y>.", []string{"/ir done 3", "/ir skip 3 <x & y>"}},
			want{"IR-1\nType /done 3 when done, or /skip 3 <x & y>.", []string{"/done 3", "/skip 3 <x & y>"}}},
		{"Reply " + bot.Command("7a") + " or " + bot.Command("/acknowledge") + ".",
			want{"Reply 7a or /acknowledge.", []string{"7a", "/acknowledge"}},
			want{"Reply 7a or /acknowledge.", []string{"7a", "/acknowledge"}}},
		{"path /var/log, /ack typed by hand and https://example.org/status",
			want{"path /var/log, /ack typed by hand and https://example.org/status", nil},
			want{"path /var/log, /ack typed by hand and https://example.org/status", nil}},
	}
	for _, c := range cases {
		for _, x := range []struct {
			ad   *slack.Adapter
			want want
		}{{ad, c.configured}, {bare, c.none}} {
			ts, err := x.ad.Send(e.ctx, bot.Outgoing{Chat: bot.ChatRef{Platform: "slack", ID: soc}, Text: c.text})
			if err != nil {
				t.Fatal(err)
			}
			m := e.msg(soc, ts)
			if got := m.Shown(); got != x.want.shown {
				t.Errorf("%q shows as %q, want %q", c.text, got, x.want.shown)
			}
			if got := m.Code(); !slices.Equal(got, x.want.code) {
				t.Errorf("%q: inline code %q, want %q", c.text, got, x.want.code)
			}
			if got, want := m.Text, slack.Escape(x.want.shown); got != want {
				t.Errorf("%q: notification text %q, want %q", c.text, got, want)
			}
			if raw := m.Text + strings.Join(m.Sections, ""); strings.ContainsFunc(raw, func(r rune) bool { return r >= 0xE000 && r <= 0xF8FF }) {
				t.Errorf("%q: a private-use rune was sent: %q", c.text, raw)
			}
		}
	}
}
