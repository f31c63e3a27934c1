package chattest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
)

// Harness is one platform's adapter on its loopback fake, as Contract
// drives it. Contract runs its cases one after another, each on a fresh
// Start; Shown (and the optional Blocker and Throttler) act on the fake of
// the latest Start.
//
// Optional capabilities of the platform are found by type assertion: on
// the sender (chat.Editor, chat.Limiter) as the delivery layer finds them,
// and on the harness (Blocker, Throttler, ReplyCoder) for what only the
// fake can arrange.
type Harness interface {
	// Start starts a fresh fake and the adapter wired to it, both stopped
	// when t ends, and returns the adapter and a group chat the bot may
	// post to. The adapter has the platform's real MaxLen and no pacing
	// (chat.Limits with zero rates), so the cases run at loopback speed.
	Start(t *testing.T) (chat.Sender, bot.ChatRef)
	// Shown returns the bot's messages in c as the fake holds them now
	// (edits applied), oldest first.
	Shown(t *testing.T, c bot.ChatRef) []Shown
}

// Shown is one message as a platform's fake shows it to a reader.
type Shown struct {
	ID      string       // the platform's message id, as Send returned it
	Text    string       // what a reader sees: markup parsed, escapes undone
	Buttons []bot.Button // each button's label and the data a press hands back; none where the platform has no buttons
	// Raw is everything the platform received for the message as text
	// (its markup, a notification text beside it), where that is more
	// than Text; "" when Text is all of it.
	Raw string
}

// Blocker is a harness whose fake can refuse the bot for good (the user
// blocked it, the channel was archived).
type Blocker interface {
	// Blocked returns a chat the fake knows that refuses the bot.
	Blocked(t *testing.T) bot.ChatRef
}

// Throttler is a harness whose fake can ask the bot to slow down.
type Throttler interface {
	// Throttle makes the fake answer the next send 429 Too Many Requests,
	// asking to wait after (whole seconds).
	Throttle(t *testing.T, after time.Duration)
}

// ReplyCoder is a harness of a platform without buttons, whose messages
// carry a reply code per button instead (Zalo).
type ReplyCoder interface {
	// ReplyCodes returns what a reader types for each button, in order.
	ReplyCodes(buttons []bot.Button) []string
}

// CommandShower is a harness of a platform whose users type a command
// otherwise than the bot's text writes it (Slack's "/ir ack IR-7" for
// "/ack IR-7").
type CommandShower interface {
	// CommandShown returns how a reader sees the command hint line (as
	// bot.Command marks it) in the platform's messages. Without a
	// CommandShower a hint is shown as written.
	CommandShown(line string) string
}

// contractWait bounds each delivery of the contract.
const contractWait = 30 * time.Second

// Contract holds one platform's adapter to the chat contract, the same
// cases for every platform, as slogtest holds a slog.Handler:
//
//   - a plain message (Vietnamese, emoji, every markup character) is shown
//     exactly as sent, with the id Send returned;
//   - a message longer than the platform's MaxLen, cut as the delivery
//     layer cuts it (chat.Split at MaxLen, one Send per part), is shown
//     with no part over the limit after the platform's escaping and
//     markup, nothing lost or reordered;
//   - command hints (bot.Command) are shown in the platform's form
//     (CommandShower; as written without one), and no rune of the Private
//     Use Area (U+E000–U+F8FF, where the bot's marks are) reaches the
//     platform, in a short message or in the parts of a long one;
//   - buttons arrive with their labels and data, or, on a platform without
//     buttons, the text carries a reply code for each (ReplyCoder);
//   - an edit (chat.Editor) changes the message in place, text and buttons;
//   - a chat that refuses the bot (Blocker) is an error wrapping
//     chat.ErrPermanent;
//   - a 429 with a retry-after (Throttler) is a *chat.RetryAfterError with
//     that wait, and the next send goes through.
//
// Cases that need a capability the platform lacks are skipped, saying so.
func Contract(t *testing.T, h Harness) {
	t.Run("plain message shown as sent", func(t *testing.T) { plainMessage(t, h) })
	t.Run("long message split within MaxLen", func(t *testing.T) { longMessage(t, h) })
	t.Run("command hints in the platform's form", func(t *testing.T) { commandHints(t, h) })
	t.Run("buttons or reply codes", func(t *testing.T) { buttons(t, h) })
	t.Run("edit in place", func(t *testing.T) { editInPlace(t, h) })
	t.Run("blocked chat is permanent", func(t *testing.T) { blocked(t, h) })
	t.Run("429 is retry-after", func(t *testing.T) { throttled(t, h) })
}

// contractText has what platforms' markup gets wrong: a headline (shown
// bold where the platform can), Vietnamese, emoji and every character
// MarkdownV2 or mrkdwn reserves.
const contractText = "🚨 IR-7 · SEV1 · Mã độc tống tiền\n" +
	"Máy chủ kế toán bị mã hoá (Sở TT&TT) — C:\\temp\\ransom.exe\n" +
	"_*[]()~`>#+-=|{}.! <b>not bold</b> &amp; *not bold* _nor italic_"

func send(t *testing.T, s chat.Sender, m bot.Outgoing) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), contractWait)
	defer cancel()
	id, err := s.Send(ctx, m)
	if err != nil {
		t.Fatalf("%s: Send: %v", s.Platform(), err)
	}
	if id == "" {
		t.Fatalf("%s: Send returned no message id", s.Platform())
	}
	return id
}

func plainMessage(t *testing.T, h Harness) {
	s, c := h.Start(t)
	id := send(t, s, bot.Outgoing{Chat: c, Kind: bot.KindNotice, Incident: 7, Text: contractText})
	got := h.Shown(t, c)
	if len(got) != 1 {
		t.Fatalf("%d messages shown, want 1: %+v", len(got), got)
	}
	if got[0].ID != id {
		t.Errorf("shown with id %q, Send returned %q", got[0].ID, id)
	}
	if got[0].Text != contractText {
		t.Errorf("shown text differs from the text sent\nsent  %q\nshown %q", contractText, got[0].Text)
	}
	if len(got[0].Buttons) != 0 {
		t.Errorf("buttons on a message sent without any: %+v", got[0].Buttons)
	}
}

// longText returns numbered lines of about 100 characters, each with a
// command hint, more than runes characters (marks not counted) in all.
func longText(runes int) string {
	var b strings.Builder
	for i := 1; utf8.RuneCountInString(bot.StripMarks(b.String())) <= runes; i++ {
		fmt.Fprintf(&b, "%04d Máy chủ kế toán bị mã hoá — giữ nguyên chứng cứ & nhật ký <IR-7> (%s).\n",
			i, bot.Command(fmt.Sprintf("/done IR-7 %d", i%9+1)))
	}
	return strings.TrimRight(b.String(), "\n")
}

// shownForm returns text (in the bot's markup) as a reader of h's platform
// sees it: plain, each command hint in the platform's form.
func shownForm(h Harness, text string) string {
	cs, ok := h.(CommandShower)
	if !ok {
		return bot.ParseBody(text).Plain()
	}
	return bot.ParseBody(text).PlainWith(cs.CommandShown)
}

// privateUse reports the first rune of s in the Private Use Area
// (U+E000–U+F8FF), where the bot's marks are.
func privateUse(s string) (rune, bool) {
	for _, r := range s {
		if r >= 0xE000 && r <= 0xF8FF {
			return r, true
		}
	}
	return 0, false
}

// noPrivateUse fails t when a message shown, or what the platform
// received for it, has a rune of the Private Use Area.
func noPrivateUse(t *testing.T, m Shown) {
	t.Helper()
	for _, s := range []string{m.Text, m.Raw} {
		if r, ok := privateUse(s); ok {
			t.Fatalf("%U (private use: a mark of the bot's markup) reached the platform: %q", r, s)
		}
	}
}

// contractHints is a message with command hints: one with arguments, a
// bare one, one that is not a slash command (a reply code), and a slash
// in ordinary text, which is no hint.
func contractHints() string {
	return "⏰ IR-7 · bước 3 quá hạn\nGõ " + bot.Command("/done IR-7 3") + " khi xong, " + bot.Command("/help") +
		" để xem các lệnh, hoặc trả lời " + bot.Command("7a") + ".\nNhật ký: /var/log/ack và /ack gõ tay."
}

func commandHints(t *testing.T, h Harness) {
	s, c := h.Start(t)
	text := contractHints()
	send(t, s, bot.Outgoing{Chat: c, Kind: bot.KindNotice, Incident: 7, Text: text})
	got := h.Shown(t, c)
	if len(got) != 1 {
		t.Fatalf("%d messages shown, want 1: %+v", len(got), got)
	}
	noPrivateUse(t, got[0])
	if want := shownForm(h, text); got[0].Text != want {
		t.Fatalf("command hints shown as %q, want %q", got[0].Text, want)
	}
}

func longMessage(t *testing.T, h Harness) {
	s, c := h.Start(t)
	limit := 0
	if l, ok := s.(chat.Limiter); ok {
		limit = l.Limits().MaxLen
	}
	text := longText(max(limit*5/2, 5000))
	// As the delivery layer sends it: cut at MaxLen, one Send per part.
	parts := chat.Split(text, limit)
	for _, p := range parts {
		send(t, s, bot.Outgoing{Chat: c, Kind: bot.KindReport, Incident: 7, Text: p})
	}
	got := h.Shown(t, c)
	if len(got) != len(parts) {
		t.Fatalf("%d parts sent, %d shown", len(parts), len(got))
	}
	var shown []string
	for i, m := range got {
		noPrivateUse(t, m)
		// What the platform's form of a command adds ("/ir ") is the
		// platform's own: MaxLen bounds the text as written.
		grown := utf8.RuneCountInString(shownForm(h, parts[i])) - utf8.RuneCountInString(bot.StripMarks(parts[i]))
		if n := utf8.RuneCountInString(m.Text); limit > 0 && n > limit+grown {
			t.Errorf("part %d shows %d characters, over MaxLen %d", i+1, n, limit)
		}
		shown = append(shown, m.Text)
	}
	if limit > 0 && len(parts) < 3 {
		t.Errorf("%d characters at MaxLen %d went in %d parts, want 3 or more", utf8.RuneCountInString(bot.StripMarks(text)), limit, len(parts))
	}
	if want, have := strings.Fields(shownForm(h, text)), strings.Fields(strings.Join(shown, "\n")); !slices.Equal(want, have) {
		i := 0
		for i < min(len(want), len(have)) && want[i] == have[i] {
			i++
		}
		t.Fatalf("text lost or reordered: %d words sent, %d shown, first difference at word %d (%q)",
			len(want), len(have), i, have[min(i, len(have)-1)])
	}
}

// contractButtons are an incident's usual buttons.
var contractButtons = []bot.Button{{Label: "✅ Xác nhận", Data: "/ack IR-7"}, {Label: "Bước 3 xong", Data: "/done IR-7 3"}}

func buttons(t *testing.T, h Harness) {
	s, c := h.Start(t)
	text := "🚨 IR-7 · SEV1 · Mã độc tống tiền\nCần anh xác nhận."
	send(t, s, bot.Outgoing{Chat: c, Kind: bot.KindPage, Incident: 7, Text: text, Buttons: contractButtons})
	got := h.Shown(t, c)
	if len(got) != 1 {
		t.Fatalf("%d messages shown, want 1: %+v", len(got), got)
	}
	m := got[0]
	if len(m.Buttons) > 0 {
		if !slices.Equal(m.Buttons, contractButtons) {
			t.Fatalf("buttons shown %+v, want %+v", m.Buttons, contractButtons)
		}
		if m.Text != text {
			t.Fatalf("text shown %q, want %q", m.Text, text)
		}
		return
	}
	rc, ok := h.(ReplyCoder)
	if !ok {
		t.Fatalf("the buttons were lost: none shown, and the platform has no reply codes (ReplyCoder); shown %q", m.Text)
	}
	if !strings.HasPrefix(m.Text, text) {
		t.Errorf("text shown %q, want it to start with the text sent %q", m.Text, text)
	}
	codes := rc.ReplyCodes(contractButtons)
	if len(codes) != len(contractButtons) {
		t.Fatalf("%d reply codes for %d buttons: %q", len(codes), len(contractButtons), codes)
	}
	seen := map[string]bool{}
	for i, code := range codes {
		if code == "" || seen[code] {
			t.Fatalf("reply code %q for %q is empty or not unique: %q", code, contractButtons[i].Data, codes)
		}
		seen[code] = true
		if !slices.Contains(strings.Fields(strings.TrimPrefix(m.Text, text)), code) {
			t.Errorf("reply code %s for %q not under the text: %q", code, contractButtons[i].Data, m.Text)
		}
	}
}

func editInPlace(t *testing.T, h Harness) {
	s, c := h.Start(t)
	ed, ok := s.(chat.Editor)
	if !ok {
		t.Skipf("%s is not a chat.Editor: it cannot edit a message", s.Platform())
	}
	card := bot.Outgoing{Chat: c, Kind: bot.KindStatus, Incident: 7, EditKey: "status:7",
		Text: "📋 IR-7 · chờ xác nhận\nGiai đoạn 1/5", Buttons: contractButtons}
	id := send(t, s, card)
	edit := func(m bot.Outgoing) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), contractWait)
		defer cancel()
		if err := ed.Edit(ctx, m, id); err != nil {
			t.Fatalf("Edit: %v", err)
		}
		got := h.Shown(t, c)
		if len(got) != 1 || got[0].ID != id {
			t.Fatalf("after an edit of %s: %+v, want the one message, changed", id, got)
		}
		if got[0].Text != m.Text || !slices.Equal(got[0].Buttons, m.Buttons) {
			t.Fatalf("edited message shows %q %+v, want %q %+v", got[0].Text, got[0].Buttons, m.Text, m.Buttons)
		}
	}
	card.Text, card.Buttons = "📋 IR-7 · đã xác nhận (An)\nGiai đoạn 2/5", []bot.Button{{Label: "Xử lý xong", Data: "/resolve IR-7"}}
	edit(card)
	card.Text, card.Buttons = "📋 IR-7 · đã xử lý xong\nKhôi phục từ bản sao lưu.", nil
	edit(card)
}

func blocked(t *testing.T, h Harness) {
	s, _ := h.Start(t)
	b, ok := h.(Blocker)
	if !ok {
		t.Skipf("%s cannot refuse the bot (no Blocker)", s.Platform())
	}
	c := b.Blocked(t)
	ctx, cancel := context.WithTimeout(context.Background(), contractWait)
	defer cancel()
	_, err := s.Send(ctx, bot.Outgoing{Chat: c, Kind: bot.KindNotice, Text: "xin chào"})
	var ra *chat.RetryAfterError
	if !errors.Is(err, chat.ErrPermanent) || errors.As(err, &ra) {
		t.Fatalf("send to a chat that refuses the bot: %v, want an error wrapping chat.ErrPermanent", err)
	}
}

func throttled(t *testing.T, h Harness) {
	s, c := h.Start(t)
	th, ok := h.(Throttler)
	if !ok {
		t.Skipf("%s never asks to slow down (no Throttler)", s.Platform())
	}
	const after = 3 * time.Second
	th.Throttle(t, after)
	ctx, cancel := context.WithTimeout(context.Background(), contractWait)
	defer cancel()
	_, err := s.Send(ctx, bot.Outgoing{Chat: c, Kind: bot.KindNotice, Text: "xin chào"})
	var ra *chat.RetryAfterError
	if !errors.As(err, &ra) || ra.After != after || errors.Is(err, chat.ErrPermanent) {
		t.Fatalf("send answered 429 retry after %s: %v, want a *chat.RetryAfterError{After: %s}", after, err, after)
	}
	if got := h.Shown(t, c); len(got) != 0 {
		t.Fatalf("a refused message was shown: %+v", got)
	}
	send(t, s, bot.Outgoing{Chat: c, Kind: bot.KindNotice, Text: "xin chào"})
	if got := h.Shown(t, c); len(got) != 1 || got[0].Text != "xin chào" {
		t.Fatalf("after the wait the message should go through once: %+v", got)
	}
}
