package telegram_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/telegram"
	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/playbooks"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/bolt"
)

// wait bounds every wait for the bot to do something.
const wait = 10 * time.Second

// logBuffer is a concurrency-safe log sink, checked for leaked tokens.
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

// testLimits lift the rate limits: these tests are about what is sent, not
// when (the pacing tests run at Telegram's real limits on a fake clock).
func testLimits() chat.Limits {
	return chat.Limits{MaxLen: telegram.MaxMessageLen}
}

// env is the fake Bot API, a bolt store, an engine with the bundled
// playbooks, an adapter and a running deliverer.
type env struct {
	t    testing.TB
	ctx  context.Context
	fake *telegramtest.Server
	st   store.Store
	ad   *telegram.Adapter
	eng  *engine.Engine
	d    *chat.Deliverer
	logs *logBuffer
	log  *slog.Logger
}

type envOpt struct {
	cfg  telegram.Config
	fake []telegramtest.Option
}

func newEnv(t testing.TB, o envOpt) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	fake := telegramtest.New(t, o.fake...)
	st, err := bolt.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := &env{t: t, ctx: ctx, fake: fake, st: st, logs: logs, log: log}
	if o.cfg.Limits == (chat.Limits{}) {
		o.cfg.Limits = testLimits()
	}
	e.ad = e.newAdapter(o.cfg)
	books, err := playbook.LoadFS(playbooks.FS, ".", playbook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.d = chat.NewDeliverer(store.KV{Store: st}, []chat.Sender{e.ad}, chat.WithLogger(log),
		chat.WithRetries(5, func(int) time.Duration { return 20 * time.Millisecond }))
	e.eng = engine.New(st, books, engine.Options{Language: "en", BotName: e.ad.BotName(), Logger: log,
		OnCommit: func(*store.Tx) { e.d.Wake() }})
	done := make(chan struct{})
	go func() { defer close(done); e.d.Run(ctx, 20*time.Millisecond) }()
	t.Cleanup(func() {
		cancel()
		<-done
		st.Close()
		if strings.Contains(logs.String(), fake.Token()) {
			t.Errorf("the bot token leaked into the logs:\n%s", logs.String())
		}
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	return e
}

// newAdapter makes another adapter on the env's fake and store (a
// restarted process).
func (e *env) newAdapter(cfg telegram.Config) *telegram.Adapter {
	e.t.Helper()
	cfg.Token = e.fake.Token()
	cfg.APIURL = e.fake.URL()
	ad, err := telegram.New(e.ctx, cfg, store.KV{Store: e.st}, e.log)
	if err != nil {
		e.t.Fatal(err)
	}
	return ad
}

// receive runs ad.Receive with h until the returned stop is called (or
// the test ends); stop waits for Receive to return.
func (e *env) receive(ad *telegram.Adapter, h chat.Handler) (stop func()) {
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- ad.Receive(ctx, h) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
				e.t.Errorf("Receive: %v", err)
			}
		})
	}
	e.t.Cleanup(stop)
	return stop
}

// waitMsg waits for a bot message in chatID whose current text contains
// all of want, and returns it.
func (e *env) waitMsg(chatID int64, want ...string) telegramtest.Message {
	e.t.Helper()
	m, ok := e.fake.WaitMessage(chatID, wait, func(m telegramtest.Message) bool { return containsAll(m.Text, want...) })
	if !ok {
		e.t.Fatalf("no message in chat %d containing %q; messages:\n%s", chatID, want, dump(e.fake.Messages(chatID)))
	}
	return m
}

// waitMsgID waits until message id in chatID contains all of want.
func (e *env) waitMsgID(chatID int64, id int, want ...string) telegramtest.Message {
	e.t.Helper()
	m, ok := e.fake.WaitMessage(chatID, wait, func(m telegramtest.Message) bool { return m.ID == id && containsAll(m.Text, want...) })
	if !ok {
		e.t.Fatalf("message %d in chat %d never contained %q; messages:\n%s", id, chatID, want, dump(e.fake.Messages(chatID)))
	}
	return m
}

// waitOffset waits until the stored offset is past update id.
func (e *env) waitOffset(id int64) {
	e.t.Helper()
	ok := e.fake.WaitFor(wait, func() bool {
		v, _ := e.st.Get(e.ctx, "telegram:offset")
		n, err := strconv.ParseInt(v, 10, 64)
		return err == nil && n > id
	})
	if !ok {
		v, _ := e.st.Get(e.ctx, "telegram:offset")
		e.t.Fatalf("offset %q never passed update %d", v, id)
	}
}

func containsAll(s string, want ...string) bool {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

func dump(ms []telegramtest.Message) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString("  #")
		b.WriteString(strconv.Itoa(m.ID))
		b.WriteString(": ")
		b.WriteString(strings.ReplaceAll(m.Text, "\n", " ⏎ "))
		b.WriteString("\n")
	}
	return b.String()
}

func group(id string) bot.ChatRef { return bot.ChatRef{Platform: telegram.Platform, ID: id} }

// buttonData returns the callback data of the button labelled label.
func buttonData(t *testing.T, m telegramtest.Message, label string) string {
	t.Helper()
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Text == label {
				return b.CallbackData
			}
		}
	}
	t.Fatalf("message %d has no button %q: %+v", m.ID, label, m.Buttons)
	return ""
}

// noParseErrors fails if the fake refused a message's text or buttons.
func (e *env) noParseErrors() {
	e.t.Helper()
	for _, f := range e.fake.Failures() {
		if strings.Contains(f.Description, "can't parse") || strings.Contains(f.Description, "too long") ||
			strings.Contains(f.Description, "BUTTON_DATA_INVALID") {
			e.t.Errorf("the fake refused %s: %d %s", f.Method, f.Code, f.Description)
		}
	}
}

// eventually polls cond every few milliseconds until it holds or wait
// passes, for conditions the fake cannot signal.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// waitReply waits for the bot's answer to message cmd in chatID (a
// message replying to it, or an edit of it) containing all of want.
func (e *env) waitReply(chatID int64, cmd int, want ...string) telegramtest.Message {
	e.t.Helper()
	m, ok := e.fake.WaitMessage(chatID, wait, func(m telegramtest.Message) bool {
		return m.ReplyTo == cmd && containsAll(m.Text, want...)
	})
	if !ok {
		e.t.Fatalf("no reply to message %d in chat %d containing %q; messages:\n%s", cmd, chatID, want, dump(e.fake.Messages(chatID)))
	}
	return m
}

// msg returns message id of chatID.
func (e *env) msg(chatID int64, id int) telegramtest.Message {
	e.t.Helper()
	for _, m := range e.fake.Messages(chatID) {
		if m.ID == id {
			return m
		}
	}
	e.t.Fatalf("no message %d in chat %d", id, chatID)
	return telegramtest.Message{}
}

// countWith counts the bot's messages in chatID containing s.
func (e *env) countWith(chatID int64, s string) int {
	n := 0
	for _, m := range e.fake.Messages(chatID) {
		if strings.Contains(m.Text, s) {
			n++
		}
	}
	return n
}

// once checks that the bot said s in chatID exactly once and repeated no
// message.
func (e *env) once(chatID int64, s string) {
	e.t.Helper()
	msgs := e.fake.Messages(chatID)
	if n := e.countWith(chatID, s); n != 1 {
		e.t.Fatalf("%d messages in chat %d contain %q, want 1:\n%s", n, chatID, s, dump(msgs))
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		if seen[m.Text] {
			e.t.Fatalf("message repeated in chat %d: %q", chatID, m.Text)
		}
		seen[m.Text] = true
	}
}
