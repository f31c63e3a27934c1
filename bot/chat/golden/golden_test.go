package golden_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/console"
	"github.com/irbot/irbot/bot/chat/slack"
	"github.com/irbot/irbot/bot/chat/slack/slackfake"
	"github.com/irbot/irbot/bot/chat/telegram"
	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
	"github.com/irbot/irbot/bot/chat/zalo"
	"github.com/irbot/irbot/bot/chat/zalo/zalotest"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/playbooks"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/bolt"
)

var update = flag.Bool("update", false, "rewrite the golden files with what the fakes received")

// step is one line An types in the response chat. What a quiet step sent
// is left out of the golden file.
type step struct {
	text  string
	quiet bool
}

// script is the incident: declared, acknowledged, step 1 done with a
// note, a page, a resolve refused for the required steps still open; then,
// quietly, every other step done and every phase entered; then the resolve.
func script(pb *playbook.Playbook) []step {
	out := []step{
		{text: "/declare " + pb.ID + " Máy chủ kế toán bị mã hoá"},
		{text: "/ack"},
		{text: "/done 1 Đã xác nhận 3 máy chủ bị mã hoá (đuôi .lockbit) & ghi nhận <ransom.txt>"},
		{text: "/page binh Cần hỗ trợ khôi phục từ bản sao lưu"},
		{text: "/resolve Khôi phục từ bản sao lưu ngoại tuyến"},
	}
	for i, ph := range pb.Phases {
		for _, s := range ph.Steps {
			if s.Number != 1 {
				out = append(out, step{text: fmt.Sprintf("/done %d", s.Number), quiet: true})
			}
		}
		if i < len(pb.Phases)-1 {
			out = append(out, step{text: "/next", quiet: true})
		}
	}
	return append(out, step{text: "/resolve Khôi phục từ bản sao lưu ngoại tuyến"})
}

// TestGolden runs the incident on each platform in each language and
// compares what the platform's fake received with its golden file.
func TestGolden(t *testing.T) {
	for _, p := range platforms {
		for _, lang := range []string{"vi", "en"} {
			t.Run(p.name+"/"+lang, func(t *testing.T) {
				got := run(t, p, lang)
				path := filepath.Join("testdata", p.name+"."+lang+".golden")
				if *update {
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (go test ./bot/chat/golden -update writes it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from what %s received (go test ./bot/chat/golden -update rewrites it):\n%s",
						path, p.name, diff(string(want), got))
				}
			})
		}
	}
}

// directory is the team on every platform: An and Bình, and the response
// chat "soc".
func directory() *bot.Directory {
	return bot.NewDirectory([]bot.Person{
		{ID: "an", Name: "Nguyễn Văn An", IDs: map[string]string{telegram.Platform: "111", zalo.Platform: "u-an", slack.Platform: "U0AN"}},
		{ID: "binh", Name: "Trần Thị Bình", IDs: map[string]string{telegram.Platform: "222", zalo.Platform: "u-binh", slack.Platform: "U0BINH"}},
	}, []bot.Chat{{ID: "soc", Purpose: "response",
		IDs: map[string]string{telegram.Platform: "-1001", zalo.Platform: "g-soc", slack.Platform: "C0SOC", console.Platform: "soc"}}})
}

// fixedClock is the engine's clock, moved by the script.
type fixedClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fixedClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fixedClock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// received is one message as a fake holds it, rendered for the golden
// file.
type received struct {
	chat  string // the chat's name: "soc", "dm:an", "dm:binh"
	id    string // the platform's message id
	under string // the platform id of the message it replies to or threads under, "" = none
	body  string
}

// platform is one adapter on its loopback fake.
type platform struct {
	name string
	soc  bot.ChatRef // the response chat there
	an   string      // An's user id there
	// start starts the fake and the adapter (its state in kv, Zalo's
	// reply codes in lang) and returns the adapter and how to read what
	// the fake holds, chat by chat in a fixed order, each oldest first.
	start func(t *testing.T, kv chat.KV, lang string) (chat.Sender, func() []received)
}

var platforms = []platform{
	{name: telegram.Platform, soc: bot.ChatRef{Platform: telegram.Platform, ID: "-1001"}, an: "111", start: startTelegram},
	{name: zalo.Platform, soc: bot.ChatRef{Platform: zalo.Platform, ID: "g-soc"}, an: "u-an", start: startZalo},
	{name: slack.Platform, soc: bot.ChatRef{Platform: slack.Platform, ID: "C0SOC"}, an: "U0AN", start: startSlack},
	{name: console.Platform, soc: bot.ChatRef{Platform: console.Platform, ID: "soc"}, an: "an", start: startConsole},
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// run plays the script on p in lang: the real engine with the bundled
// playbooks on a bolt store, the delivery layer flushing the outbox to
// p's adapter after each step. It returns the transcript of what p's fake
// received: after each step, every new message (+) and every message
// edited in place (~), chat by chat.
func run(t *testing.T, p platform, lang string) string {
	ctx := context.Background()
	st, err := bolt.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	kv := store.KV{Store: st}
	sender, view := p.start(t, kv, lang)
	books, err := playbook.LoadFS(playbooks.FS, ".", playbook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	clock := &fixedClock{now: time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)} // 08:00 in Hà Nội
	maxLen := map[string]int{}
	if l, ok := sender.(chat.Limiter); ok {
		maxLen[p.name] = l.Limits().MaxLen
	}
	eng := engine.New(st, books, engine.Options{Language: lang, Clock: clock, Directory: directory(), BotName: "IrBot",
		Platforms: []string{p.name}, MaxLen: maxLen, Logger: quiet()})
	var failed []string
	d := chat.NewDeliverer(kv, []chat.Sender{sender}, chat.WithLogger(quiet()), chat.WithRetries(1, nil),
		chat.WithBundle(eng.BundlePages),
		chat.WithFailure(func(_ context.Context, m bot.Outgoing, err error) {
			failed = append(failed, fmt.Sprintf("%s to %s: %v", m.Kind, m.Chat, err))
		}))

	pb, ok := books.Get("ransomware")
	if !ok {
		t.Fatal("no bundled ransomware playbook")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# One incident as the %s fake received it, in %s: after each step of the script, every new\n", p.name, lang)
	fmt.Fprintf(&b, "# message (+) and every message edited in place (~). go test ./bot/chat/golden -update rewrites it.\n")
	shown := map[string]string{} // chat|id → body last seen
	num := map[string]int{}      // chat|id → number in its chat, from 1
	count := map[string]int{}    // chat → messages numbered
	var quiet []string
	for i, s := range script(pb) {
		clock.add(3 * time.Minute)
		in := bot.Inbound{Platform: p.name, Chat: p.soc, User: p.an, UserName: "An", Text: s.text, ID: strconv.Itoa(i + 1)}
		if err := eng.Handle(ctx, in); err != nil {
			t.Fatalf("%s: %v", s.text, err)
		}
		fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := d.Flush(fctx)
		cancel()
		if err != nil {
			t.Fatalf("%s: flush: %v", s.text, err)
		}
		if len(failed) > 0 {
			t.Fatalf("%s: not delivered:\n%s", s.text, strings.Join(failed, "\n"))
		}
		if s.quiet {
			quiet = append(quiet, s.text)
		} else if len(quiet) > 0 {
			fmt.Fprintf(&b, "\n## Quietly: %s (what they sent is left out)\n", strings.Join(quiet, ", "))
			quiet = nil
		}
		if !s.quiet {
			fmt.Fprintf(&b, "\n## An in soc: %s\n", s.text)
		}
		for _, r := range view() {
			key := r.chat + "|" + r.id
			old, seen := shown[key]
			if seen && old == r.body {
				continue
			}
			shown[key] = r.body
			mark := "~"
			if !seen {
				count[r.chat]++
				num[key] = count[r.chat]
				mark = "+"
			}
			if s.quiet {
				continue
			}
			fmt.Fprintf(&b, "\n%s %s #%d", mark, r.chat, num[key])
			if r.under != "" {
				if n, ok := num[r.chat+"|"+r.under]; ok {
					fmt.Fprintf(&b, " (under #%d)", n)
				} else {
					fmt.Fprintf(&b, " (under a message not the bot's)")
				}
			}
			b.WriteString("\n" + strings.TrimRight(r.body, "\n") + "\n")
		}
	}
	return b.String()
}

func buttonRow(labels, data []string) string {
	var parts []string
	for i := range labels {
		parts = append(parts, "["+labels[i]+" → "+data[i]+"]")
	}
	return strings.Join(parts, " ")
}

func startTelegram(t *testing.T, kv chat.KV, lang string) (chat.Sender, func() []received) {
	fake := telegramtest.New(t)
	chats := []struct {
		id   int64
		name string
		typ  string
	}{{-1001, "soc", telegramtest.Supergroup}, {111, "dm:an", telegramtest.Private}, {222, "dm:binh", telegramtest.Private}}
	for _, c := range chats {
		fake.AddChat(telegramtest.Chat{ID: c.id, Type: c.typ, Title: strings.ToUpper(c.name)})
	}
	ad, err := telegram.New(context.Background(), telegram.Config{Token: fake.Token(), APIURL: fake.URL(),
		Limits: chat.Limits{MaxLen: telegram.MaxMessageLen}}, kv, quiet())
	if err != nil {
		t.Fatal(err)
	}
	return ad, func() []received {
		var out []received
		for _, c := range chats {
			for _, m := range fake.Messages(c.id) {
				var b strings.Builder
				fmt.Fprintf(&b, "parse_mode: %s\n%s\n", m.ParseMode, m.Raw)
				for _, row := range m.Buttons {
					var labels, data []string
					for _, btn := range row {
						labels, data = append(labels, btn.Text), append(data, btn.CallbackData)
					}
					b.WriteString("keyboard: " + buttonRow(labels, data) + "\n")
				}
				r := received{chat: c.name, id: strconv.Itoa(m.ID), body: b.String()}
				if m.ReplyTo != 0 {
					r.under = strconv.Itoa(m.ReplyTo)
				}
				out = append(out, r)
			}
		}
		return out
	}
}

func startZalo(t *testing.T, kv chat.KV, lang string) (chat.Sender, func() []received) {
	fake := zalotest.New(t)
	chats := []struct{ id, name, typ string }{{"g-soc", "soc", zalotest.Group}, {"u-an", "dm:an", zalotest.Private}, {"u-binh", "dm:binh", zalotest.Private}}
	for _, c := range chats {
		fake.AddChat(c.id, c.typ)
	}
	ad, err := zalo.New(context.Background(), zalo.Config{Token: fake.Token(), APIURL: fake.URL(),
		Limits: chat.Limits{MaxLen: zalo.MaxMessageLen}, Language: lang}, kv, quiet())
	if err != nil {
		t.Fatal(err)
	}
	return ad, func() []received {
		var out []received
		for _, c := range chats {
			for _, m := range fake.Messages(c.id) {
				out = append(out, received{chat: c.name, id: m.ID, body: m.Text})
			}
		}
		return out
	}
}

func startSlack(t *testing.T, kv chat.KV, lang string) (chat.Sender, func() []received) {
	fake := slackfake.New(t)
	var commands []string // as cmd/irbot passes them: "/ack" in the text reads "/ir ack"
	for _, n := range command.Names() {
		commands = append(commands, string(n))
	}
	ad, err := slack.New(context.Background(), slack.Config{BotToken: fake.BotToken, APIURL: fake.URL(), Mode: slack.ModeEvents,
		SigningSecret: "8f742231b10e8888abcd99yyyzzz85a5", Limits: chat.Limits{MaxLen: slack.MaxSectionText}, Commands: commands}, kv, quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ad.Close(ctx)
	})
	chats := []struct{ id, name string }{{"C0SOC", "soc"}, {fake.DMChannel("U0AN"), "dm:an"}, {fake.DMChannel("U0BINH"), "dm:binh"}}
	return ad, func() []received {
		var out []received
		for _, c := range chats {
			for _, m := range fake.Messages(c.id) {
				var b strings.Builder
				fmt.Fprintf(&b, "text: %s\n", m.Text)
				for _, s := range m.Sections {
					fmt.Fprintf(&b, "section:\n%s\n", s)
				}
				if len(m.Buttons) > 0 {
					var labels, data []string
					for _, btn := range m.Buttons {
						labels, data = append(labels, btn.Label), append(data, btn.Value)
					}
					b.WriteString("actions: " + buttonRow(labels, data) + "\n")
				}
				out = append(out, received{chat: c.name, id: m.TS, under: m.ThreadTS, body: b.String()})
			}
		}
		return out
	}
}

// terminal is the console's output: the console writes while the test
// reads.
type terminal struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *terminal) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *terminal) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func startConsole(t *testing.T, kv chat.KV, lang string) (chat.Sender, func() []received) {
	out := &terminal{}
	return console.New(out), func() []received {
		// Each message begins "[<chat>] "; its other lines and its
		// buttons, "  (label: command)", follow.
		var msgs []received
		for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
			if rest, ok := strings.CutPrefix(line, "["); ok {
				if id, _, ok := strings.Cut(rest, "] "); ok {
					msgs = append(msgs, received{chat: id, id: strconv.Itoa(len(msgs) + 1), body: line})
					continue
				}
			}
			if len(msgs) > 0 {
				msgs[len(msgs)-1].body += "\n" + line
			}
		}
		var sorted []received
		for _, name := range []string{"soc", "dm:an", "dm:binh"} {
			for _, m := range msgs {
				if m.chat == name {
					sorted = append(sorted, m)
				}
			}
		}
		if len(sorted) != len(msgs) {
			t.Fatalf("the console printed to chats other than soc, dm:an and dm:binh:\n%s", out)
		}
		return sorted
	}
}

// diff shows the first lines where want and got part.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n  want %q\n  got  %q", i+1, a, b)
		}
	}
	return "(no line differs)"
}
