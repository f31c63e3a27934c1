package slack_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/slack"
	"github.com/irbot/irbot/bot/chat/slack/slackfake"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/playbooks"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/bolt"
)

// wait bounds every wait for the bot to do something.
const wait = 10 * time.Second

// Slack ids of the test workspace.
const (
	soc     = "C0SOC"
	leaders = "C0LEAD"
	uAn     = "U0AN"
	uBinh   = "U0BINH"
	uCuong  = "U0CUONG"
	secret  = "8f742231b10e8888abcd99yyyzzz85a5"
)

// logBuffer is a concurrency-safe log sink, checked for leaked secrets.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fakeClock is a clock tests move by hand (the engine's; delivery and
// signatures use real time).
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// testLimits are Slack's limits scaled to test speed.
func testLimits() chat.Limits {
	return chat.Limits{MaxLen: slack.MaxSectionText}
}

// recorder is a trivial second platform ("other"): it keeps what it is
// sent.
type recorder struct {
	mu      sync.Mutex
	msgs    []bot.Outgoing
	changed chan struct{}
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) Platform() string { return "other" }

func (r *recorder) Send(_ context.Context, m bot.Outgoing) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	close(r.changed)
	r.changed = make(chan struct{})
	return "o" + strconv.Itoa(len(r.msgs)), nil
}

// waitText waits for a message to chat id containing all of want.
func (r *recorder) waitText(t *testing.T, id string, want ...string) bot.Outgoing {
	t.Helper()
	deadline := time.After(wait)
	for {
		r.mu.Lock()
		ch := r.changed
		for _, m := range r.msgs {
			if m.Chat.ID == id && containsAll(m.Text, want...) {
				r.mu.Unlock()
				return m
			}
		}
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			r.mu.Lock()
			defer r.mu.Unlock()
			var texts []string
			for _, m := range r.msgs {
				texts = append(texts, "["+m.Chat.ID+"] "+m.Text)
			}
			t.Fatalf("no message to other:%s containing %q; got:\n%s", id, want, strings.Join(texts, "\n"))
			return bot.Outgoing{}
		}
	}
}

// env is the fake Slack, a bolt store, an engine with the bundled
// playbooks, the adapter served over HTTP, a signed client and a running
// deliverer.
type env struct {
	t        *testing.T
	ctx      context.Context
	fake     *slackfake.Server
	st       store.Store
	ad       *slack.Adapter
	eng      *engine.Engine
	d        *chat.Deliverer
	clock    *fakeClock
	otherRec *recorder
	client   *slackfake.Client
	logs     *logBuffer
	failed   []bot.Outgoing
	failMu   sync.Mutex
}

type envOpt struct {
	cfg    slack.Config
	dir    *bot.Directory
	engine []func(*engine.Options)
	fake   []slackfake.Option
}

func newEnv(t *testing.T, o envOpt) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	fake := slackfake.New(t, o.fake...)
	st, err := bolt.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := &env{t: t, ctx: ctx, fake: fake, st: st, logs: logs, otherRec: newRecorder(),
		clock: &fakeClock{now: time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)}} // 08:00 in Hà Nội
	cfg := o.cfg
	cfg.BotToken = fake.BotToken
	cfg.APIURL = fake.URL()
	if cfg.Mode == "" {
		cfg.Mode = slack.ModeEvents
	}
	if cfg.Mode == slack.ModeSocket && cfg.AppToken == "" {
		cfg.AppToken = fake.AppToken
	}
	if cfg.SigningSecret == "" {
		cfg.SigningSecret = secret
	}
	if cfg.Limits == (chat.Limits{}) {
		cfg.Limits = testLimits()
	}
	if cfg.Commands == nil {
		cfg.Commands = commandNames() // as cmd/irbot wires it
	}
	e.ad, err = slack.New(ctx, cfg, store.KV{Store: st}, log)
	if err != nil {
		t.Fatal(err)
	}
	books, err := playbook.LoadFS(playbooks.FS, ".", playbook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.d = chat.NewDeliverer(store.KV{Store: st}, []chat.Sender{e.ad, e.otherRec}, chat.WithLogger(log),
		chat.WithRetries(5, func(int) time.Duration { return 20 * time.Millisecond }),
		chat.WithFailure(func(_ context.Context, m bot.Outgoing, _ error) {
			e.failMu.Lock()
			e.failed = append(e.failed, m)
			e.failMu.Unlock()
		}))
	eo := engine.Options{Language: "en", BotName: "IrBot", Logger: log, Clock: e.clock, Directory: o.dir,
		OnCommit: func(*store.Tx) { e.d.Wake() }}
	for _, f := range o.engine {
		f(&eo)
	}
	e.eng = engine.New(st, books, eo)
	e.ad.SetHandler(e.eng.Handle)
	srv := httptest.NewServer(e.ad)
	e.client = &slackfake.Client{URL: srv.URL, Secret: secret}
	done := make(chan struct{})
	go func() { defer close(done); e.d.Run(ctx, 20*time.Millisecond) }()
	t.Cleanup(func() {
		srv.Close()
		cctx, ccancel := context.WithTimeout(context.Background(), wait)
		if err := e.ad.Close(cctx); err != nil {
			t.Errorf("close: %v", err)
		}
		ccancel()
		cancel()
		<-done
		st.Close()
		for _, s := range []string{fake.BotToken, fake.AppToken, secret} {
			if strings.Contains(logs.String(), s) {
				t.Errorf("a secret leaked into the logs:\n%s", logs.String())
			}
		}
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	return e
}

// failures returns the messages the deliverer gave up.
func (e *env) failures() []bot.Outgoing {
	e.failMu.Lock()
	defer e.failMu.Unlock()
	return append([]bot.Outgoing(nil), e.failed...)
}

// drain waits until the adapter handled everything it accepted.
func (e *env) drain() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, wait)
	defer cancel()
	if err := e.ad.Drain(ctx); err != nil {
		e.t.Fatalf("drain: %v", err)
	}
}

// flush waits until the adapter handled everything and the outbox is
// delivered.
func (e *env) flush() {
	e.t.Helper()
	e.drain()
	ctx, cancel := context.WithTimeout(e.ctx, wait)
	defer cancel()
	if err := e.d.Flush(ctx); err != nil {
		e.t.Fatalf("flush: %v", err)
	}
}

func (e *env) ok(r slackfake.Response, err error) slackfake.Response {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	if r.Status != 200 {
		e.t.Fatalf("adapter answered %d %q, want 200", r.Status, r.Body)
	}
	return r
}

// command runs "/ir <text>" in channel as user.
func (e *env) command(channel, user, text string) {
	e.t.Helper()
	r := e.ok(e.client.SlashCommand(slackfake.SlashCommand{ChannelID: channel, ChannelName: "soc", UserID: user,
		UserName: strings.ToLower(user), Text: text}))
	if r.Body != "" {
		e.t.Fatalf("slash command answered with %q, want an empty body", r.Body)
	}
}

// mention sends "<@bot> text" in channel as user (app_mention).
func (e *env) mention(channel, user, text string) string {
	e.t.Helper()
	return e.mentionIn(channel, "", user, text)
}

// mentionIn is mention in thread threadTS ("" = top-level).
func (e *env) mentionIn(channel, threadTS, user, text string) string {
	e.t.Helper()
	id := "Ev" + strconv.Itoa(e.client.Next())
	ev := slackfake.AppMention(user, channel, e.client.TS(), "<@"+e.fake.BotUserID+"> "+slackfake.EscapeText(text))
	if threadTS != "" {
		ev["thread_ts"] = threadTS
	}
	e.ok(e.client.Event(id, ev, 0))
	return id
}

// press presses the button labelled label on message m as user.
func (e *env) press(m slackfake.Message, user, label string) {
	e.t.Helper()
	b, ok := m.Button(label)
	if !ok {
		e.t.Fatalf("message %s has no button %q: %+v", m.TS, label, m.Buttons)
	}
	e.ok(e.client.Press(slackfake.Press{User: user, UserName: strings.ToLower(user), Channel: m.Channel, MessageTS: m.TS, ThreadTS: m.ThreadTS, Button: b}))
}

// waitMsg waits for a message in channel whose shown text contains all of
// want.
func (e *env) waitMsg(channel string, want ...string) slackfake.Message {
	e.t.Helper()
	return e.waitWhere(channel, func(m slackfake.Message) bool { return containsAll(m.Shown(), want...) }, want...)
}

func (e *env) waitWhere(channel string, pred func(slackfake.Message) bool, what ...string) slackfake.Message {
	e.t.Helper()
	m, ok := e.fake.WaitMessage(channel, wait, pred)
	if !ok {
		e.t.Fatalf("no message in %s matching %q; messages:\n%s", channel, what, dump(e.fake.Messages(channel)))
	}
	return m
}

// msg returns message ts of channel.
func (e *env) msg(channel, ts string) slackfake.Message {
	e.t.Helper()
	for _, m := range e.fake.Messages(channel) {
		if m.TS == ts {
			return m
		}
	}
	e.t.Fatalf("no message %s in %s", ts, channel)
	return slackfake.Message{}
}

func (e *env) countWith(channel, s string) int {
	n := 0
	for _, m := range e.fake.Messages(channel) {
		if strings.Contains(m.Shown(), s) {
			n++
		}
	}
	return n
}

func (e *env) incidents() int {
	e.t.Helper()
	all, err := e.st.Incidents(e.ctx, false)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(all)
}

func containsAll(s string, want ...string) bool {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

func dump(ms []slackfake.Message) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString("  " + m.TS)
		if m.ThreadTS != "" {
			b.WriteString(" (thread " + m.ThreadTS + ")")
		}
		if m.Edits > 0 {
			b.WriteString(" (edited " + strconv.Itoa(m.Edits) + "×)")
		}
		b.WriteString(": " + strings.ReplaceAll(m.Shown(), "\n", " ⏎ ") + "\n")
	}
	return b.String()
}

// isErr reports whether err is or wraps target.
func isErr(err, target error) bool { return errors.Is(err, target) }

// commandNames are the names bot/command parses, as cmd/irbot gives them
// to the adapter.
func commandNames() []string {
	var out []string
	for _, n := range command.Names() {
		out = append(out, string(n))
	}
	return out
}
