// Package enginetest runs the real incident engine for tests: a bbolt
// store in the test's temporary directory, the bundled playbooks, a clock
// the test moves by hand, and the teams and options the behaviour tests
// share. It is for tests only; nothing outside _test.go files imports it.
package enginetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/playbooks"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/bolt"
)

// Start is where a harness's clock starts: Thursday 26/11/2026, 08:00 in
// Hà Nội.
var Start = time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)

// SOC is the console chat Say speaks in: the "soc" response chat of the
// teams here.
var SOC = bot.ChatRef{Platform: "console", ID: "soc"}

// Harness is an engine on a real bbolt file with the bundled playbooks.
// What the engine queues stays in the store's outbox until Drain (or
// Say, SayIn) takes it out, as a sender would.
type Harness struct {
	Engine *engine.Engine
	Store  store.Store
	Clock  *Clock

	t      testing.TB
	path   string // the bbolt directory
	lang   string
	people *bot.Directory
	opts   []func(*engine.Options)
	n      int // the last update id sent
}

// New returns a harness whose engine speaks lang by default ("" is
// Vietnamese) and knows the people and chats of dir (nil: anyone may act),
// with opts applied to its options in order. The store is closed when the
// test ends.
func New(t testing.TB, lang string, dir *bot.Directory, opts ...func(*engine.Options)) *Harness {
	t.Helper()
	h := &Harness{t: t, path: t.TempDir(), lang: lang, people: dir, opts: opts, Clock: NewClock(Start)}
	h.open()
	return h
}

// Restart returns a harness for a new process on h's file, as after a
// crash or a deploy: h's store is closed (what was committed stays) and
// opened again, and a new engine is built with h's language, people and
// options. The clock is h's, and update ids go on from h's.
func (h *Harness) Restart() *Harness {
	h.t.Helper()
	h.Store.Close()
	h2 := &Harness{t: h.t, path: h.path, lang: h.lang, people: h.people, opts: h.opts, Clock: h.Clock, n: h.n}
	h2.open()
	return h2
}

func (h *Harness) open() {
	h.t.Helper()
	st, books := OpenStore(h.t, h.path), Playbooks(h.t)
	o := engine.Options{Language: h.lang, Clock: h.Clock, Directory: h.people, BotName: "IrBot"}
	for _, f := range h.opts {
		f(&o)
	}
	h.Engine, h.Store = engine.New(st, books, o), st
}

// OpenStore opens the bbolt store in dir (t.TempDir() when ""), closed when
// the test ends.
func OpenStore(t testing.TB, dir string) store.Store {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	st, err := bolt.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Playbooks loads the bundled playbooks.
func Playbooks(t testing.TB) *playbook.Set {
	t.Helper()
	books, err := playbook.LoadFS(playbooks.FS, ".", playbook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return books
}

// SayIn sends text as user in chat, each time as a new platform update,
// and returns the messages the bot queued (see Drain).
func (h *Harness) SayIn(chat bot.ChatRef, user, text string) []bot.Outgoing {
	h.t.Helper()
	h.n++
	in := bot.Inbound{Platform: chat.Platform, Chat: chat, User: user, Text: text, ID: fmt.Sprint(h.n)}
	if err := h.Engine.Handle(context.Background(), in); err != nil {
		h.t.Fatalf("%s: %v", text, err)
	}
	return h.Drain()
}

// Say sends text as "an" in SOC and returns the texts of the bot's
// messages joined by "\n---\n". No answer at all fails the test.
func (h *Harness) Say(text string) string {
	h.t.Helper()
	out := h.SayIn(SOC, "an", text)
	if len(out) == 0 {
		h.t.Fatalf("%s: no reply", text)
	}
	var texts []string
	for _, m := range out {
		texts = append(texts, m.Text)
	}
	return strings.Join(texts, "\n---\n")
}

// Drain takes every queued message out of the outbox, marking it
// delivered, and returns those a person would see: not the edit-only
// updates of live status cards, which only platforms that edit show.
func (h *Harness) Drain() []bot.Outgoing {
	h.t.Helper()
	ctx := context.Background()
	out, err := h.Store.Outbox(ctx, 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	var shown []bot.Outgoing
	for _, m := range out {
		if err := h.Store.Delivered(ctx, m.ID); err != nil {
			h.t.Fatal(err)
		}
		if !m.EditOnly {
			m.Text = bot.StripMarks(m.Text) // as a plain-text platform shows it
			shown = append(shown, m)
		}
	}
	return shown
}

// AuditCount counts the audit log's entries of kind.
func (h *Harness) AuditCount(kind bot.EventKind) int {
	h.t.Helper()
	evs, err := h.Store.Timeline(context.Background(), engine.AuditID, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Kind == kind {
			n++
		}
	}
	return n
}
