package telegram_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/telegram"
	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
	"github.com/irbot/irbot/store"
)

// TestEscapingNeverTriggers400 sends texts full of MarkdownV2's reserved
// characters, backslashes, Vietnamese and emoji: Telegram must accept each
// and show it exactly.
func TestEscapingNeverTriggers400(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.fake.AddChat(telegramtest.Chat{ID: grp})
	texts := []string{
		title,
		"_*[]()~`>#+-=|{}.!\\",
		"C:\\temp\\new folder\\ransom.exe — hash 3f2a…",
		"*not bold* _not italic_ __nor underline__ ~nor strike~ ||nor spoiler|| `nor code` ```nor pre```",
		"[not a link](https://example.com) ![nor emoji](tg://emoji?id=1)",
		">not a quote\n> nor this\n>>",
		"🚨 IR-12 · SEV1 · Mã độc tống tiền\nMáy chủ kế toán bị mã hoá (Sở TT&TT).\nKhai báo bởi Nguyễn Văn An.",
		"trailing backslash \\",
		"\\\\ double \\* escaped-looking \\_ text",
		"line one\n\n\nline four",
		"Vietnamese decomposed: Vie\u0323\u0302t Nam",
		"1. step one\n2. step two\n- bullet + plus = equals | pipe {braces} #hash",
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("_*[]()~`>#+-=|{}.!\\ a\nệ🚨\uE000\uE001/")
	for range 300 {
		n := 1 + r.IntN(60)
		var b strings.Builder
		for range n {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		texts = append(texts, b.String())
	}
	for _, text := range texts {
		want := strings.Trim(bot.StripMarks(text), " \n") // command hints as written
		if want == "" {
			continue
		}
		id, err := e.ad.Send(e.ctx, bot.Outgoing{Chat: group("-1001"), Kind: bot.KindNotice, Text: text})
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		msgs := e.fake.Messages(grp)
		got := msgs[len(msgs)-1]
		if got.Text != want || id == "" {
			t.Fatalf("sent %q\nshown %q\nraw   %q", want, got.Text, got.Raw)
		}
	}
	e.noParseErrors()
	if f := e.fake.Failures(); len(f) != 0 {
		t.Fatalf("failures: %+v", f)
	}
}

// TestCommandHints: a command hint reaches Telegram as inline code when it
// has arguments and as text when it is a bare command, and no mark of the
// bot's markup is sent.
func TestCommandHints(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.fake.AddChat(telegramtest.Chat{ID: grp})
	text := "⏰ IR-7 · bước 3 quá hạn\nGõ " + bot.Command("/done IR-7 3") + " khi xong, " + bot.Command("/help") + " để xem các lệnh."
	if _, err := e.ad.Send(e.ctx, bot.Outgoing{Chat: group("-1001"), Kind: bot.KindNotice, Text: text}); err != nil {
		t.Fatal(err)
	}
	msgs := e.fake.Messages(grp)
	m := msgs[len(msgs)-1]
	if want := "*⏰ IR\\-7 · bước 3 quá hạn*\nGõ `/done IR-7 3` khi xong, /help để xem các lệnh\\."; m.Raw != want {
		t.Fatalf("sent %q\nwant %q", m.Raw, want)
	}
	if want := bot.StripMarks(text); m.Text != want {
		t.Fatalf("shown %q, want %q", m.Text, want)
	}
	var code []string
	for _, en := range m.Entities {
		if en.Type == "code" {
			code = append(code, string(utf16.Decode(utf16.Encode([]rune(m.Text))[en.Offset:en.Offset+en.Length])))
		}
	}
	if len(code) != 1 || code[0] != "/done IR-7 3" {
		t.Fatalf("code entities %q, want the one command with arguments", code)
	}
	if strings.ContainsFunc(m.Raw, func(r rune) bool { return r >= 0xE000 && r <= 0xF8FF }) {
		t.Fatalf("a private-use rune was sent: %q", m.Raw)
	}
	// Marks alone are an empty message, refused before Telegram sees it.
	if _, err := e.ad.Send(e.ctx, bot.Outgoing{Chat: group("-1001"), Text: " \uE000 \uE001"}); !errors.Is(err, chat.ErrPermanent) ||
		!strings.Contains(err.Error(), "empty message") {
		t.Fatalf("a message of marks only: %v, want a permanent empty-message error", err)
	}
}

func TestRender(t *testing.T) {
	for in, want := range map[string]string{
		"IR-7 done.":           `IR\-7 done\.`,
		"Head (1)\nbody":       "*Head \\(1\\)*\nbody",
		"\nno headline":        "\nno headline",
		"C:\\x":                `C:\\x`,
		"Máy chủ_1":            `Máy chủ\_1`,
		"a*b\nc`d":             "*a\\*b*\nc\\`d",
		"   \nblank headline_": "   \nblank headline\\_",
		// Command hints: a bare command is text (Telegram makes it
		// tappable), one with arguments inline code (copied on a tap),
		// escaped as code is; in the bold headline a hint is text.
		"Gõ " + bot.Command("/help") + " để xem các lệnh.":       `Gõ /help để xem các lệnh\.`,
		"IR-7\nGõ " + bot.Command("/done 3") + " khi xong.":      "*IR\\-7*\nGõ `/done 3` khi xong\\.",
		"Ví dụ: " + bot.Command("/skip 2 `x` C:\\tmp") + "!":     "Ví dụ: `/skip 2 \\`x\\` C:\\\\tmp`\\!",
		bot.Command("/ack IR-7") + "\n" + bot.Command("/my_cmd"): "*/ack IR\\-7*\n/my\\_cmd",
		"a\uE000b\uE001\uE001 c\uE000":                           "a`b` c",
	} {
		if got := telegram.Render(in); got != want {
			t.Errorf("Render(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMessageLength(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.fake.AddChat(telegramtest.Chat{ID: grp})
	if e.ad.Limits().MaxLen != 4096 {
		t.Fatalf("MaxLen %d", e.ad.Limits().MaxLen)
	}
	// 4096 dots become 8192 bytes of MarkdownV2, still 4096 characters.
	if _, err := e.ad.Send(e.ctx, bot.Outgoing{Chat: group("-1001"), Text: strings.Repeat(".", 4096)}); err != nil {
		t.Fatal(err)
	}
	_, err := e.ad.Send(e.ctx, bot.Outgoing{Chat: group("-1001"), Text: strings.Repeat(".", 4097)})
	if !errors.Is(err, chat.ErrPermanent) || !strings.Contains(err.Error(), "message is too long") {
		t.Fatalf("4097 characters: %v", err)
	}
	// Through the deliverer a long text is split to fit.
	long := strings.Repeat("Máy chủ bị mã hoá. ", 500) // 9500 characters
	if err := e.st.Commit(e.ctx, storeTx(bot.Outgoing{Chat: group("-1001"), Kind: bot.KindReport, Text: long})); err != nil {
		t.Fatal(err)
	}
	if err := e.d.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	var total int
	msgs := e.fake.Messages(grp)
	for _, m := range msgs[1:] {
		total += utf8.RuneCountInString(m.Text)
	}
	if len(msgs) != 1+3 || total < 9400 {
		t.Fatalf("split into %d messages, %d characters", len(msgs)-1, total)
	}
	if f := e.fake.Failures(); len(f) != 1 {
		t.Fatalf("failures %+v, want only the 4097-character send", f)
	}
}

func TestErrorMapping(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.fake.AddChat(telegramtest.Chat{ID: 42, Type: telegramtest.Private})
	e.fake.AddChat(telegramtest.Chat{ID: grp})
	dm := bot.ChatRef{Platform: telegram.Platform, ID: "42", Direct: true}
	send := func(c bot.ChatRef) error {
		_, err := e.ad.Send(e.ctx, bot.Outgoing{Chat: c, Text: "hello"})
		return err
	}

	e.fake.FailNext("sendMessage", 429, "Too Many Requests: retry after 7", map[string]any{"retry_after": 7})
	var ra *chat.RetryAfterError
	if err := send(dm); !errors.As(err, &ra) || ra.After != 7*time.Second {
		t.Fatalf("429: %v", err)
	}
	e.fake.FailNext("sendMessage", 502, "Bad Gateway", nil)
	if err := send(dm); err == nil || errors.Is(err, chat.ErrPermanent) || errors.As(err, &ra) {
		t.Fatalf("502 should be transient: %v", err)
	}
	if err := send(bot.ChatRef{Platform: telegram.Platform, ID: "-424242"}); !errors.Is(err, chat.ErrPermanent) || !strings.Contains(err.Error(), "chat not found") {
		t.Fatalf("unknown chat: %v", err)
	}
	e.fake.Block(42)
	if err := send(dm); !errors.Is(err, chat.ErrPermanent) || !strings.Contains(err.Error(), "blocked") {
		t.Fatalf("blocked: %v", err)
	}
	e.fake.Unblock(42)

	// Edits.
	id, err := e.ad.Send(e.ctx, bot.Outgoing{Chat: group("-1001"), Text: "card", Buttons: []bot.Button{{Label: "Ack", Data: "/ack"}}})
	if err != nil {
		t.Fatal(err)
	}
	m := bot.Outgoing{Chat: group("-1001"), Text: "card", Buttons: []bot.Button{{Label: "Ack", Data: "/ack"}}}
	if err := e.ad.Edit(e.ctx, m, id); err != nil {
		t.Fatalf("not modified should count as success: %v", err)
	}
	m.Text, m.Buttons = "acked", nil
	if err := e.ad.Edit(e.ctx, m, id); err != nil {
		t.Fatal(err)
	}
	if got := e.fake.Messages(grp)[0]; got.Text != "acked" || len(got.Buttons) != 0 {
		t.Fatalf("edited message %+v", got)
	}
	if err := e.ad.Edit(e.ctx, m, "9999"); !errors.Is(err, chat.ErrPermanent) {
		t.Fatalf("edit of a missing message: %v", err)
	}
	user := e.fake.SendText(grp, an, "a user's message")
	if err := e.ad.Edit(e.ctx, m, itoa(user)); !errors.Is(err, chat.ErrPermanent) {
		t.Fatalf("edit of a user's message: %v", err)
	}
	if err := e.ad.Edit(e.ctx, m, "not-a-number"); !errors.Is(err, chat.ErrPermanent) {
		t.Fatalf("edit with a bad id: %v", err)
	}

	// A reply to a message that is gone is sent without the reply.
	if _, err := e.ad.Send(e.ctx, bot.Outgoing{Chat: group("-1001"), Text: "answer", ReplyTo: "77777"}); err != nil {
		t.Fatalf("reply to a deleted message: %v", err)
	}
	if _, err := e.ad.Send(e.ctx, bot.Outgoing{Chat: group("-1001"), Text: "  "}); !errors.Is(err, chat.ErrPermanent) {
		t.Fatalf("empty text: %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func storeTx(m ...bot.Outgoing) *store.Tx { return &store.Tx{Outbox: m} }

// serve posts body to the adapter's webhook handler with secret.
func serve(h http.Handler, secret, body string) int {
	req := httptest.NewRequest(http.MethodPost, "/telegram", strings.NewReader(body))
	if secret != "" {
		req.Header.Set(telegram.SecretHeader, secret)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code
}

// recorder is a handler that keeps what it is given.
type recorder struct {
	mu  sync.Mutex
	got []bot.Inbound
}

func (r *recorder) handle(_ context.Context, in bot.Inbound) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, in)
	return nil
}

func (r *recorder) all() []bot.Inbound {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Inbound(nil), r.got...)
}

func TestInboundAndButtons(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.fake.AddUser(42, "Lê", "Thị Hoa", "hoa")
	e.fake.AddChat(telegramtest.Chat{ID: grp})
	long := "/assign IR-12 commander " + strings.Repeat("Nguyễn Văn Trường Giang ", 3) // 100+ bytes
	var buttons []bot.Button
	for i := range 6 {
		buttons = append(buttons, bot.Button{Label: "✅ " + itoa(i+1), Data: "/done IR-1 " + itoa(i+1)})
	}
	buttons = append(buttons, bot.Button{Label: "Assign", Data: long}, bot.Button{Label: "Fake key", Data: "tgcb:looks-like-ours"})
	id, err := e.ad.Send(e.ctx, bot.Outgoing{Chat: group("-1001"), Text: "steps", Buttons: buttons})
	if err != nil {
		t.Fatal(err)
	}
	msg := e.fake.Messages(grp)[0]
	if len(msg.Buttons) != 3 || len(msg.Buttons[0]) != 3 || len(msg.Buttons[2]) != 2 {
		t.Fatalf("rows %+v, want 3+3+2", msg.Buttons)
	}
	assign := buttonData(t, msg, "Assign")
	if len(assign) > 64 || !strings.HasPrefix(assign, "tgcb:") {
		t.Fatalf("long data sent as %q", assign)
	}
	if fk := buttonData(t, msg, "Fake key"); fk == "tgcb:looks-like-ours" {
		t.Fatal("data that looks like a key must be mapped too")
	}

	rec := &recorder{}
	e.receive(e.ad, rec.handle)
	e.fake.SendText(42, 42, "/status")
	q := e.fake.PressButton(grp, 42, msg.ID, assign)
	e.fake.PressButton(grp, 42, msg.ID, buttonData(t, msg, "Fake key"))
	e.fake.PressButton(grp, 42, msg.ID, "tgcb:unknownkey12345")
	e.fake.PressButton(grp, 42, msg.ID, buttonData(t, msg, "✅ 5"))
	if !eventually(func() bool { return len(rec.all()) == 4 && len(e.fake.CallbackAnswers()) == 4 }) {
		t.Fatalf("got %+v, answers %+v", rec.all(), e.fake.CallbackAnswers())
	}
	got := rec.all()
	want := []bot.Inbound{
		{Platform: "telegram", Chat: bot.ChatRef{Platform: "telegram", ID: "42", Direct: true}, User: "42",
			UserName: "Lê Thị Hoa", Text: "/status", ID: "1", MessageID: "1"},
		{Platform: "telegram", Chat: group("-1001"), User: "42", UserName: "Lê Thị Hoa", Text: long,
			Button: true, ID: "2", MessageID: id},
		{Platform: "telegram", Chat: group("-1001"), User: "42", UserName: "Lê Thị Hoa", Text: "tgcb:looks-like-ours",
			Button: true, ID: "3", MessageID: id},
		// update 4, the unknown key, is dropped
		{Platform: "telegram", Chat: group("-1001"), User: "42", UserName: "Lê Thị Hoa", Text: "/done IR-1 5",
			Button: true, ID: "5", MessageID: id},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("inbound %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if a := e.fake.CallbackAnswers(); a[0].QueryID != q || a[0].Text == "" {
		t.Fatalf("answers %+v", a)
	}
	e.waitOffset(5)
}

// TestHandlerErrorRetriesInOrder: a failing handler holds the update (and
// those after it) until it succeeds; nothing is skipped or reordered.
func TestHandlerErrorRetriesInOrder(t *testing.T) {
	e := newEnv(t, envOpt{})
	var mu sync.Mutex
	var seen []string
	fails := 2
	h := func(_ context.Context, in bot.Inbound) error {
		mu.Lock()
		defer mu.Unlock()
		if in.Text == "/two" && fails > 0 {
			fails--
			return errors.New("store busy")
		}
		seen = append(seen, in.Text)
		return nil
	}
	for _, s := range []string{"/one", "/two", "/three"} {
		e.fake.SendText(grp, an, s)
	}
	e.receive(e.ad, h)
	e.waitOffset(3)
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(seen, " ") != "/one /two /three" || fails != 0 {
		t.Fatalf("handled %v (fails left %d)", seen, fails)
	}
}

func TestNewChecksConfig(t *testing.T) {
	e := newEnv(t, envOpt{})
	for _, cfg := range []telegram.Config{
		{Token: ""},
		{Token: "1:x", Mode: "carrier-pigeon", BotName: "b"},
		{Token: "1:x", Mode: telegram.ModeWebhook, BotName: "b"},
		{Token: "1:x", Mode: telegram.ModeWebhook, WebhookSecret: "has space", BotName: "b"},
	} {
		if _, err := telegram.New(e.ctx, cfg, store.KV{Store: e.st}, nil); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	ad, err := telegram.New(e.ctx, telegram.Config{Token: "1:x", BotName: "@IrBot", APIURL: "http://127.0.0.1:9"}, store.KV{Store: e.st}, e.log)
	if err != nil {
		t.Fatal(err)
	}
	if ad.BotName() != "IrBot" || ad.Limits() != telegram.DefaultLimits() || ad.Platform() != "telegram" {
		t.Fatalf("name %q limits %+v", ad.BotName(), ad.Limits())
	}
	// The webhook refuses everything when no secret is configured.
	rec := &recorder{}
	ad.SetHandler(rec.handle)
	if code := serve(ad, "", rawMessage(1, grp, "group", 1, an, "/status")); code != 401 {
		t.Fatalf("polling-mode adapter served a webhook request: %d", code)
	}
}

func TestSendFile(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.fake.AddChat(telegramtest.Chat{ID: grp})
	pdf := []byte("%PDF-1.7 báo cáo sự cố IR-3")
	report := bot.Outgoing{Chat: group("-1001"), Kind: bot.KindReport, Text: "Báo cáo IR-3 (bản nháp).",
		File: &bot.File{Name: "IR-3.pdf", MIME: "application/pdf", Data: pdf}}
	if err := e.st.Commit(e.ctx, storeTx(report)); err != nil {
		t.Fatal(err)
	}
	if err := e.d.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	msgs := e.fake.Messages(grp)
	if len(msgs) != 1 || msgs[0].Document == nil || msgs[0].Document.FileName != "IR-3.pdf" ||
		string(msgs[0].Document.Data) != string(pdf) || msgs[0].Text != report.Text {
		t.Fatalf("document %+v", msgs)
	}
	// A caption longer than Telegram's 1024 characters is cut.
	report.Text = strings.Repeat("Máy chủ (10.0.0.1) bị mã hoá. ", 100)
	if _, err := e.ad.SendFile(e.ctx, report); err != nil {
		t.Fatal(err)
	}
	c := e.fake.Messages(grp)[1].Text
	if n := utf8.RuneCountInString(c); n > telegram.MaxCaptionLen || !strings.HasSuffix(c, "…") || !strings.HasPrefix(report.Text, strings.TrimSuffix(c, "…")) {
		t.Fatalf("caption of %d characters: %q", n, c)
	}
	e.noParseErrors()
}
