package chat_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/bolt"
)

func TestSplit(t *testing.T) {
	vi := strings.Repeat("Cô lập máy bị nhiễm, không tắt nguồn. ", 100)
	decomposed := norm.NFD.String(strings.Repeat("Những người ứng cứu sự cố ", 200))
	cases := []struct {
		name string
		text string
		max  int
	}{
		{"short", "xin chào", 2000},
		{"lines", strings.Repeat("dòng một hai ba\n", 300), 2000},
		{"vietnamese words", vi, 2000},
		{"no spaces", strings.Repeat("đ", 5000), 2000},
		{"decomposed diacritics", decomposed, 2000},
		{"emoji", strings.Repeat("🚨", 5000), 4096},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parts := chat.Split(c.text, c.max)
			var joined strings.Builder
			for i, p := range parts {
				if n := utf8.RuneCountInString(p); n > c.max {
					t.Fatalf("part %d has %d runes, max %d", i, n, c.max)
				}
				if !utf8.ValidString(p) {
					t.Fatalf("part %d is not valid UTF-8", i)
				}
				if r, _ := utf8.DecodeRuneInString(p); i > 0 && isMark(r) {
					t.Fatalf("part %d starts with a combining mark %U: a letter lost its accent", i, r)
				}
				joined.WriteString(p)
			}
			strip := func(s string) string { return strings.NewReplacer(" ", "", "\n", "").Replace(s) }
			if strip(joined.String()) != strip(c.text) {
				t.Fatal("text changed by splitting")
			}
		})
	}
}

func isMark(r rune) bool { return r >= 0x300 && r <= 0x36f }

// fakeSender records what it is sent and fails as told.
type fakeSender struct {
	mu     sync.Mutex
	got    []bot.Outgoing
	edits  []string
	fail   func(m bot.Outgoing, n int) error
	calls  int
	limits chat.Limits
}

func (f *fakeSender) Platform() string    { return "fake" }
func (f *fakeSender) Limits() chat.Limits { return f.limits }
func (f *fakeSender) Send(ctx context.Context, m bot.Outgoing) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail != nil {
		if err := f.fail(m, f.calls); err != nil {
			return "", err
		}
	}
	f.got = append(f.got, m)
	return fmt.Sprint(len(f.got)), nil
}
func (f *fakeSender) Edit(ctx context.Context, m bot.Outgoing, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.edits = append(f.edits, id+":"+m.Text)
	return nil
}

func openStore(t *testing.T) store.Store {
	s, err := bolt.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func enqueue(t *testing.T, s store.Store, msgs ...bot.Outgoing) {
	if err := s.Commit(context.Background(), &store.Tx{Outbox: msgs}); err != nil {
		t.Fatal(err)
	}
}

func TestDeliveryKeepsOrderPerChatAndEmptiesOutbox(t *testing.T) {
	s := openStore(t)
	for i := 0; i < 50; i++ {
		enqueue(t, s, bot.Outgoing{Chat: bot.ChatRef{Platform: "fake", ID: fmt.Sprint("g", i%5)}, Text: fmt.Sprint(i)})
	}
	f := &fakeSender{}
	d := chat.NewDeliverer(store.KV{Store: s}, []chat.Sender{f})
	if err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	last := map[string]int{}
	for _, m := range f.got {
		var n int
		fmt.Sscan(m.Text, &n)
		if prev, ok := last[m.Chat.ID]; ok && n < prev {
			t.Fatalf("chat %s got %d after %d", m.Chat.ID, n, prev)
		}
		last[m.Chat.ID] = n
	}
	if len(f.got) != 50 {
		t.Fatalf("sent %d of 50", len(f.got))
	}
	if left, _ := s.Outbox(context.Background(), 10); len(left) != 0 {
		t.Fatalf("%d messages left in the outbox", len(left))
	}
}

func TestTransientFailuresRetryAndPermanentOnesAreReported(t *testing.T) {
	s := openStore(t)
	enqueue(t, s, bot.Outgoing{Chat: bot.ChatRef{Platform: "fake", ID: "a"}, Text: "flaky", Incident: 1},
		bot.Outgoing{Chat: bot.ChatRef{Platform: "fake", ID: "gone"}, Text: "blocked", Incident: 1},
		bot.Outgoing{Chat: bot.ChatRef{Platform: "fake", ID: "a"}, Text: "slow down"})
	limited := false
	tries := map[string]int{}
	f := &fakeSender{fail: func(m bot.Outgoing, n int) error {
		tries[m.Text]++
		switch {
		case m.Text == "flaky" && tries[m.Text] <= 2:
			return errors.New("connection reset")
		case m.Chat.ID == "gone":
			return fmt.Errorf("bot was blocked by the user: %w", chat.ErrPermanent)
		case m.Text == "slow down" && !limited:
			limited = true
			return &chat.RetryAfterError{After: 10 * time.Millisecond}
		}
		return nil
	}}
	var failed []string
	d := chat.NewDeliverer(store.KV{Store: s}, []chat.Sender{f}, chat.WithWorkers(1),
		chat.WithRetries(5, func(int) time.Duration { return time.Millisecond }),
		chat.WithFailure(func(ctx context.Context, m bot.Outgoing, err error) { failed = append(failed, m.Text+": "+err.Error()) }))
	if err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(f.got) != 2 || f.got[0].Text != "flaky" || f.got[1].Text != "slow down" {
		t.Fatalf("delivered %+v", f.got)
	}
	if len(failed) != 1 || !strings.Contains(failed[0], "blocked") {
		t.Fatalf("failures reported: %q", failed)
	}
	st := d.Stats()
	if st.Retries != 2 || st.RateLimited != 1 || st.Failed != 1 || st.Sent != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestLongMessagesAreSplitAndEditsUsedWherePossible(t *testing.T) {
	s := openStore(t)
	long := strings.Repeat("một dòng khá dài để thử\n", 200)
	enqueue(t, s, bot.Outgoing{Chat: bot.ChatRef{Platform: "fake", ID: "a"}, Text: long, Buttons: []bot.Button{{Label: "ok", Data: "/ack"}}},
		bot.Outgoing{Chat: bot.ChatRef{Platform: "fake", ID: "a"}, Text: "edited", Edit: "42"})
	f := &fakeSender{limits: chat.Limits{MaxLen: 2000}}
	d := chat.NewDeliverer(store.KV{Store: s}, []chat.Sender{f})
	if err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(f.got) < 3 {
		t.Fatalf("a %d-rune text went out in %d parts", utf8.RuneCountInString(long), len(f.got))
	}
	for i, m := range f.got {
		if (len(m.Buttons) > 0) != (i == len(f.got)-1) {
			t.Fatalf("buttons on part %d of %d", i, len(f.got))
		}
	}
	if len(f.edits) != 1 || f.edits[0] != "42:edited" {
		t.Fatalf("edits %q", f.edits)
	}
}

func TestRateLimitsPaceEachChat(t *testing.T) {
	s := openStore(t)
	for i := 0; i < 6; i++ {
		enqueue(t, s, bot.Outgoing{Chat: bot.ChatRef{Platform: "fake", ID: "g"}, Text: fmt.Sprint(i)})
	}
	f := &fakeSender{limits: chat.Limits{Group: chat.Rate{N: 1, Per: 20 * time.Millisecond}}} // one message per 20ms
	var stamps []time.Time
	f.fail = func(bot.Outgoing, int) error { stamps = append(stamps, time.Now()); return nil }
	d := chat.NewDeliverer(store.KV{Store: s}, []chat.Sender{f})
	if err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(stamps); i++ {
		if gap := stamps[i].Sub(stamps[i-1]); gap < 15*time.Millisecond {
			t.Fatalf("messages %d and %d only %s apart at 50/s", i-1, i, gap)
		}
	}
}

// plainSender cannot edit.
type plainSender struct{ got []bot.Outgoing }

func (p *plainSender) Platform() string { return "plain" }
func (p *plainSender) Send(ctx context.Context, m bot.Outgoing) (string, error) {
	p.got = append(p.got, m)
	return fmt.Sprint(len(p.got)), nil
}

func TestLiveCardIsEditedInPlaceAndSkippedWhereItCannotBe(t *testing.T) {
	s := openStore(t)
	card := func(plat, text string) bot.Outgoing {
		return bot.Outgoing{Chat: bot.ChatRef{Platform: plat, ID: "g"}, Text: text, EditKey: "status:IR-1", EditOnly: true}
	}
	f, p := &fakeSender{}, &plainSender{}
	d := chat.NewDeliverer(store.KV{Store: s}, []chat.Sender{f, p})
	enqueue(t, s, card("fake", "v1"), card("plain", "v1"))
	d.Flush(context.Background())
	enqueue(t, s, card("fake", "v2"))
	d.Flush(context.Background())
	if len(f.got) != 1 || f.got[0].Text != "v1" || len(f.edits) != 1 || f.edits[0] != "1:v2" {
		t.Fatalf("editable platform: sent %+v, edits %q; want v1 posted then edited to v2", f.got, f.edits)
	}
	if len(p.got) != 0 {
		t.Fatalf("a live card went to a platform that cannot edit it: %+v", p.got)
	}
}

func TestSecretEqual(t *testing.T) {
	for _, c := range []struct {
		got, want string
		ok        bool
	}{{"s3cret", "s3cret", true}, {"s3cre", "s3cret", false}, {"", "s3cret", false}, {"", "", false}, {"x", "", false}} {
		if chat.SecretEqual(c.got, c.want) != c.ok {
			t.Errorf("SecretEqual(%q, %q) = %v", c.got, c.want, !c.ok)
		}
	}
}

// TestSplitKeepsCommandHints: the marks of the bot's markup are not
// counted, a command hint is never cut when a part can hold it, and one
// longer than a part is closed and reopened, so that every part is markup
// of its own and no mark is lost or left alone.
func TestSplitKeepsCommandHints(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "Bước %d quá hạn: gõ %s khi xong, hoặc %s nếu không áp dụng.\n", i,
			bot.Command(fmt.Sprintf("/done IR-7 %d", i)), bot.Command(fmt.Sprintf("/skip IR-7 %d không áp dụng vì lý do", i)))
	}
	long := "Gõ " + bot.Command("/note IR-7 "+strings.Repeat("ghi chú rất dài ", 20)) + " để ghi."
	cases := []struct {
		name string
		text string
		max  int
	}{
		{"hints on every line", b.String(), 200},
		{"hints, one long line", strings.ReplaceAll(b.String(), "\n", " "), 150},
		{"a hint longer than a part", long, 60},
	}
	commands := func(parts ...string) string {
		var out []string
		for _, p := range parts {
			body := bot.ParseBody(p)
			for _, l := range append([][]bot.Span{body.Title}, body.Lines...) {
				for _, s := range l {
					if s.Kind == bot.SpanCommand {
						out = append(out, s.Text)
					}
				}
			}
		}
		return strings.Join(out, "|")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parts := chat.Split(c.text, c.max)
			if len(parts) < 2 {
				t.Fatalf("%d parts", len(parts))
			}
			var plain []string
			for i, p := range parts {
				if n := utf8.RuneCountInString(bot.StripMarks(p)); n > c.max {
					t.Fatalf("part %d shows %d characters, max %d", i, n, c.max)
				}
				if got := bot.ParseBody(p).String(); got != p {
					t.Fatalf("part %d is not well-formed markup (a mark cut off its pair):\n%q\nreads as %q", i, p, got)
				}
				plain = append(plain, bot.StripMarks(p))
			}
			strip := func(s string) string { return strings.NewReplacer(" ", "", "\n", "").Replace(s) }
			if strip(strings.Join(plain, "")) != strip(bot.StripMarks(c.text)) {
				t.Fatal("text changed by splitting")
			}
			want, got := commands(c.text), commands(parts...)
			if c.name == "a hint longer than a part" {
				want, got = strip(want), strip(strings.ReplaceAll(got, "|", ""))
			}
			if got != want {
				t.Fatalf("command hints changed by splitting:\n got  %q\n want %q", got, want)
			}
		})
	}
	// Marks are not counted: a text of max characters with hints is one part.
	text := "ab " + bot.Command("/ack") + " cd"
	if parts := chat.Split(text, utf8.RuneCountInString(bot.StripMarks(text))); len(parts) != 1 || parts[0] != text {
		t.Fatalf("a text of max visible characters was split: %q", parts)
	}
}
