package zalo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/zalo"
	"github.com/irbot/irbot/bot/chat/zalo/zalotest"
	"github.com/irbot/irbot/store"
)

func TestNewChecksItsConfig(t *testing.T) {
	fake := zalotest.New(t)
	st := openStore(t, t.TempDir())
	log, _ := newLogger(t, fake.Token())
	ctx := context.Background()
	cases := []struct {
		name string
		cfg  zalo.Config
		kv   chat.KV
		want string
	}{
		{"no token", zalo.Config{APIURL: fake.URL()}, store.KV{Store: st}, "no bot token"},
		{"no store", zalo.Config{Token: fake.Token(), APIURL: fake.URL()}, nil, "no store"},
		{"bad mode", zalo.Config{Token: fake.Token(), APIURL: fake.URL(), Mode: "push"}, store.KV{Store: st}, "unknown mode"},
		{"short secret", zalo.Config{Token: fake.Token(), APIURL: fake.URL(), Mode: zalo.ModeWebhook, WebhookSecret: "short"}, store.KV{Store: st}, "8-256"},
		{"bad language", zalo.Config{Token: fake.Token(), APIURL: fake.URL(), Language: "fr"}, store.KV{Store: st}, "language"},
		{"wrong token", zalo.Config{Token: "1:wrong-token-value", APIURL: fake.URL()}, store.KV{Store: st}, "getMe"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := zalo.New(ctx, c.cfg, c.kv, log)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
			if strings.Contains(err.Error(), "wrong-token-value") {
				t.Fatalf("error leaks the token: %v", err)
			}
		})
	}
	ad, err := zalo.New(ctx, zalo.Config{Token: fake.Token(), APIURL: fake.URL()}, store.KV{Store: st}, log)
	if err != nil {
		t.Fatal(err)
	}
	if ad.Platform() != "zalo" || ad.Bot().ID != fake.BotID() || ad.Limits() != zalo.DefaultLimits() || ad.Limits().MaxLen != 2000 {
		t.Fatalf("adapter %s, bot %+v, limits %+v", ad.Platform(), ad.Bot(), ad.Limits())
	}
	ad = newAdapter(t, fake, zalo.Config{Limits: chat.Limits{MaxLen: 5000, Chat: chat.Rate{N: 3, Per: time.Second}}}, st, log)
	if l := ad.Limits(); l.MaxLen != 2000 || l.Chat.N != 3 {
		t.Fatalf("limits %+v: MaxLen must be capped at 2000, the rest kept", l)
	}
}

func TestSendErrorMapping(t *testing.T) {
	fake := zalotest.New(t)
	log, _ := newLogger(t, fake.Token())
	ad := newAdapter(t, fake, zalo.Config{}, openStore(t, t.TempDir()), log)
	ctx := context.Background()
	fake.AddChat("u1", zalotest.Private)
	msg := bot.Outgoing{Chat: bot.ChatRef{Platform: "zalo", ID: "u1", Direct: true}, Text: "xin chào"}
	type want int
	const (
		ok want = iota
		retryAfter
		permanent
		transient
	)
	cases := []struct {
		name  string
		setup func()
		chat  string
		want  want
		after time.Duration
	}{
		{"ok", func() {}, "u1", ok, 0},
		{"429", func() { fake.Throttle(1) }, "u1", retryAfter, time.Second},
		{"429 code in a 200 answer", func() { fake.FailNext("sendMessage", 200, 429, "Too Many Requests: retry after 7") }, "u1", retryAfter, 7 * time.Second},
		{"rate limit by description", func() { fake.FailNext("sendMessage", 200, -32, "Quota exceeded, rate limit reached") }, "u1", retryAfter, time.Second},
		{"401", func() { fake.FailNext("sendMessage", 401, 401, "Unauthorized") }, "u1", permanent, 0},
		{"403", func() { fake.FailNext("sendMessage", 403, 403, "Forbidden") }, "u1", permanent, 0},
		{"chat not found", func() {}, "nobody", permanent, 0},
		{"blocked", func() { fake.FailNext("sendMessage", 200, -204, "User blocked the bot") }, "u1", permanent, 0},
		{"text refused", func() { fake.FailNext("sendMessage", 400, 400, "Bad Request: text is invalid") }, "u1", permanent, 0},
		{"500", func() { fake.FailNext("sendMessage", 500, 500, "Internal Server Error") }, "u1", transient, 0},
		{"503 without JSON", func() { fake.FailNext("sendMessage", 503, 0, "") }, "u1", transient, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.setup()
			m := msg
			m.Chat.ID = c.chat
			_, err := ad.Send(ctx, m)
			var ra *chat.RetryAfterError
			switch c.want {
			case ok:
				if err != nil {
					t.Fatal(err)
				}
			case retryAfter:
				if !errors.As(err, &ra) || ra.After != c.after {
					t.Fatalf("want RetryAfter %s, got %v", c.after, err)
				}
			case permanent:
				if !errors.Is(err, chat.ErrPermanent) {
					t.Fatalf("want permanent, got %v", err)
				}
			case transient:
				if err == nil || errors.Is(err, chat.ErrPermanent) || errors.As(err, &ra) {
					t.Fatalf("want transient, got %v", err)
				}
			}
			if err != nil && strings.Contains(err.Error(), fake.Token()) {
				t.Fatalf("error leaks the token: %v", err)
			}
		})
	}
	fake.Close()
	_, err := ad.Send(ctx, msg)
	var ra *chat.RetryAfterError
	if err == nil || errors.Is(err, chat.ErrPermanent) || errors.As(err, &ra) || strings.Contains(err.Error(), fake.Token()) {
		t.Fatalf("network failure: want transient without the token, got %v", err)
	}
}

func TestSendPlainTextWithReplyCodes(t *testing.T) {
	fake := zalotest.New(t)
	log, _ := newLogger(t, fake.Token())
	ad := newAdapter(t, fake, zalo.Config{}, openStore(t, t.TempDir()), log)
	ctx := context.Background()
	fake.AddChat("g", zalotest.Group)
	ref := bot.ChatRef{Platform: "zalo", ID: "g"}
	text := "🚨 IR-12 · SEV1 · Mã độc tống tiền\n*Máy chủ* _kế toán_ [bị] mã hoá <b>"
	id, err := ad.Send(ctx, bot.Outgoing{Chat: ref, Text: text, Buttons: []bot.Button{
		{Label: "✅ Xác nhận", Data: "/ack IR-12"}, {Label: "📋 Các bước", Data: "/steps IR-12"}}})
	if err != nil {
		t.Fatal(err)
	}
	ms := fake.Messages("g")
	want := text + "\n↩ 12a xác nhận · /steps IR-12"
	if len(ms) != 1 || ms[0].ID != id || ms[0].Text != want {
		t.Fatalf("sent %+v, want one message %q", ms, want)
	}

	// A full-length part with buttons: the codes go in a message of their own.
	full := strings.Repeat("ạ", zalo.MaxMessageLen)
	if _, err := ad.Send(ctx, bot.Outgoing{Chat: ref, Text: full, Buttons: []bot.Button{{Data: "/next IR-12"}}}); err != nil {
		t.Fatal(err)
	}
	ms = fake.Messages("g")[1:]
	if len(ms) != 2 || ms[0].Text != full || ms[1].Text != "↩ 12n tiếp" {
		t.Fatalf("full part with a hint went out as %d messages: %q…", len(ms), ms[len(ms)-1].Text)
	}

	// 1500 emoji are 1500 runes but 3000 UTF-16 units: split further.
	emoji := strings.Repeat("🚨 ", 1500)
	if _, err := ad.Send(ctx, bot.Outgoing{Chat: ref, Text: emoji}); err != nil {
		t.Fatal(err)
	}
	ms = fake.Messages("g")[3:]
	var joined string
	for _, m := range ms {
		joined += m.Text
	}
	if len(ms) < 3 || strings.ReplaceAll(joined, " ", "") != strings.ReplaceAll(emoji, " ", "") {
		t.Fatalf("emoji text went out as %d messages", len(ms))
	}

	if _, err := ad.Send(ctx, bot.Outgoing{Chat: ref, Text: " \n "}); !errors.Is(err, chat.ErrPermanent) {
		t.Fatalf("blank message: %v, want permanent", err)
	}
	if len(fake.Failures()) != 0 {
		t.Fatalf("the fake refused: %+v", fake.Failures())
	}
}

func TestReceiveTurnsTextMessagesIntoInbound(t *testing.T) {
	fake := zalotest.New(t)
	log, _ := newLogger(t, fake.Token())
	ad := newAdapter(t, fake, zalo.Config{}, openStore(t, t.TempDir()), log)
	rec := newRecorder()
	receive(t, ad, rec.handle)

	an := zalotest.From{ID: "z-an", Name: "Nguyễn Văn An"}
	fake.Push(fake.NewUpdate(zalotest.EventSticker, "g-soc", zalotest.Group, an, ""))
	fake.Push(fake.NewUpdate(zalotest.EventImage, "g-soc", zalotest.Group, an, "ảnh màn hình"))
	fake.Push(fake.NewUpdate(zalotest.EventUnsupported, "g-soc", zalotest.Group, an, ""))
	fake.Push(fake.NewUpdate(zalotest.EventText, "g-soc", zalotest.Group, zalotest.From{ID: "b1", Name: "Bot", IsBot: true}, "xacnhan"))
	fake.Push(fake.NewUpdate(zalotest.EventText, "g-soc", zalotest.Group, zalotest.From{ID: fake.BotID(), Name: "Me"}, "xacnhan"))
	fake.Push(fake.NewUpdate(zalotest.EventText, "g-soc", zalotest.Group, an, "   "))
	gid := fake.SendText("g-soc", zalotest.Group, "z-an", "Nguyễn Văn An", "khaibao ransomware Máy chủ kế toán bị mã hoá")
	did := fake.SendText("z-an", zalotest.Private, "z-an", "Nguyễn Văn An", "12a")
	// The documentation's getUpdates sample has no event_name.
	fake.Push(json.RawMessage(`{"message":{"chat":{"id":"z-binh","chat_type":"PRIVATE"},"text":"trangthai",` +
		`"message_id":"16f6366b3f02645a3d15","date":1766619597466,"from":{"id":"z-binh","first_name":"Trần Bình"}}}`))

	got := rec.waitN(t, 3)
	want := []bot.Inbound{
		{Platform: "zalo", Chat: bot.ChatRef{Platform: "zalo", ID: "g-soc"}, User: "z-an", UserName: "Nguyễn Văn An",
			Text: "khaibao ransomware Máy chủ kế toán bị mã hoá", ID: gid, MessageID: gid},
		{Platform: "zalo", Chat: bot.ChatRef{Platform: "zalo", ID: "z-an", Direct: true}, User: "z-an", UserName: "Nguyễn Văn An",
			Text: "12a", ID: did, MessageID: did},
		{Platform: "zalo", Chat: bot.ChatRef{Platform: "zalo", ID: "z-binh", Direct: true}, User: "z-binh", UserName: "Trần Bình",
			Text: "trangthai", ID: "16f6366b3f02645a3d15", MessageID: "16f6366b3f02645a3d15"},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("inbound %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if !eventually(func() bool { return ad.Stats().Ignored == 6 && ad.Stats().Received == 3 }) {
		t.Fatalf("stats %+v, want 6 ignored and 3 received", ad.Stats())
	}
}

func TestReceiveRetriesAFailingHandlerInOrder(t *testing.T) {
	fake := zalotest.New(t, zalotest.WithArrayUpdates())
	log, _ := newLogger(t, fake.Token())
	ad := newAdapter(t, fake, zalo.Config{}, openStore(t, t.TempDir()), log)
	rec := newRecorder()
	rec.fail = func(in bot.Inbound, n int) error {
		if n == 1 {
			return errors.New("store down")
		}
		return nil
	}
	fake.SendText("g", zalotest.Group, "u", "U", "một")
	fake.SendText("g", zalotest.Group, "u", "U", "hai")
	receive(t, ad, rec.handle)
	got := rec.waitN(t, 2)
	if got[0].Text != "một" || got[1].Text != "hai" || ad.Stats().Failed != 1 {
		t.Fatalf("handled %q then %q, %d failures", got[0].Text, got[1].Text, ad.Stats().Failed)
	}
}

// TestCrashAfterFetchLosesNothing: the process dies while the handler
// works on a message Zalo has already handed out (and will not hand out
// again). The journal gives it to the next run.
func TestCrashAfterFetchLosesNothing(t *testing.T) {
	fake := zalotest.New(t)
	dir := t.TempDir()
	st := openStore(t, dir)
	log, _ := newLogger(t, fake.Token())
	ad := newAdapter(t, fake, zalo.Config{}, st, log)
	started := make(chan struct{})
	var once sync.Once
	dying := func(ctx context.Context, in bot.Inbound) error {
		once.Do(func() { close(started) })
		<-ctx.Done() // killed mid-handling
		return ctx.Err()
	}
	id := fake.SendText("g", zalotest.Group, "u", "U", "xacnhan")
	stop := receive(t, ad, dying)
	select {
	case <-started:
	case <-time.After(wait):
		t.Fatal("handler never called")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if fake.Pending() != 0 || fake.Deliveries(id) != 1 {
		t.Fatal("the fake still holds the update; the test proves nothing")
	}

	st2 := openStore(t, dir)
	ad2 := newAdapter(t, fake, zalo.Config{}, st2, log)
	rec := newRecorder()
	receive(t, ad2, rec.handle)
	if got := rec.waitN(t, 1); got[0].ID != id || got[0].Text != "xacnhan" {
		t.Fatalf("after the restart the handler got %+v", got)
	}
	if !eventually(func() bool {
		_, err := st2.Get(context.Background(), "zalo:inbox")
		return errors.Is(err, store.ErrNotFound)
	}) {
		t.Fatal("journal not cleared")
	}
}

func TestReceiveStopsWhenTheTokenIsRefused(t *testing.T) {
	fake := zalotest.New(t)
	log, _ := newLogger(t, fake.Token())
	ad := newAdapter(t, fake, zalo.Config{}, openStore(t, t.TempDir()), log)
	fake.FailNext("getUpdates", 401, 401, "Unauthorized")
	errc := make(chan error, 1)
	go func() { errc <- ad.Receive(context.Background(), newRecorder().handle) }()
	select {
	case err := <-errc:
		if err == nil || errors.Is(err, context.Canceled) || strings.Contains(err.Error(), fake.Token()) {
			t.Fatalf("Receive returned %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Receive kept polling with a refused token")
	}
}

func TestReceiveRecoversFromPollFailuresAndDeletesTheWebhook(t *testing.T) {
	fake := zalotest.New(t)
	log, _ := newLogger(t, fake.Token())
	ad := newAdapter(t, fake, zalo.Config{}, openStore(t, t.TempDir()), log)
	// A webhook left over from webhook mode would block getUpdates.
	if _, err := ad.Client().SetWebhook(context.Background(), "https://old.example/zalo", "old-secret-123"); err != nil {
		t.Fatal(err)
	}
	fake.FailNext("getUpdates", 502, 0, "")
	fake.FailNext("getUpdates", 200, 429, "Too Many Requests: retry after 1")
	rec := newRecorder()
	receive(t, ad, rec.handle)
	fake.SendText("g", zalotest.Group, "u", "U", "trangthai")
	if got := rec.waitN(t, 1); got[0].Text != "trangthai" {
		t.Fatalf("got %+v", got)
	}
	if fake.Webhook().URL != "" {
		t.Fatal("webhook not deleted before polling")
	}
}

// webhookEnv is an adapter in webhook mode served on a loopback server.
type webhookEnv struct {
	fake   *zalotest.Server
	ad     *zalo.Adapter
	srv    *httptest.Server
	rec    *recorder
	logs   *logBuffer
	mu     sync.Mutex
	forged []string
}

const secret = "bí-mật-webhook-0123456789"

func newWebhookEnv(t *testing.T) *webhookEnv {
	e := &webhookEnv{fake: zalotest.New(t), rec: newRecorder()}
	log, buf := newLogger(t, secret, e.fake.Token())
	e.logs = buf
	e.ad = newAdapter(t, e.fake, zalo.Config{Mode: zalo.ModeWebhook, WebhookSecret: secret,
		OnForged: func(remote string) {
			e.mu.Lock()
			e.forged = append(e.forged, remote)
			e.mu.Unlock()
		}}, openStore(t, t.TempDir()), log)
	e.ad.SetHandler(e.rec.handle)
	e.srv = httptest.NewServer(e.ad)
	t.Cleanup(e.srv.Close)
	return e
}

func (e *webhookEnv) forgedCalls() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.forged...)
}

func TestForgedWebhookIsRefusedAndRecorded(t *testing.T) {
	e := newWebhookEnv(t)
	u := e.fake.NewUpdate(zalotest.EventText, "g-soc", zalotest.Group, zalotest.From{ID: "z-an", Name: "An"},
		"khaibao ransomware giả mạo")
	for _, s := range []string{"wrong-secret-value", ""} {
		code, err := zalotest.PostWebhook(e.srv.URL, s, u)
		if err != nil || code != http.StatusUnauthorized {
			t.Fatalf("secret %q: HTTP %d, %v; want 401", s, code, err)
		}
	}
	if got := e.rec.inbound(); len(got) != 0 {
		t.Fatalf("a forged request reached the handler: %+v", got)
	}
	calls := e.forgedCalls()
	if len(calls) != 2 || !strings.HasPrefix(calls[0], "127.0.0.1:") || e.ad.Stats().Forged != 2 {
		t.Fatalf("OnForged calls %q, stats %+v", calls, e.ad.Stats())
	}
	if logs := e.logs.String(); !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "wrong secret") ||
		strings.Contains(logs, "wrong-secret-value") {
		t.Fatalf("forged request not logged at warn, or its secret logged:\n%s", logs)
	}
}

// TestForgedWebhookFloodAuditedAtABoundedRate: wired to a
// chat.RefusalAudit (as the serve command does), a flood of forged posts
// makes one audit entry a minute, the next one counting the rest, while
// each is still refused, counted and reported; a good post goes through.
func TestForgedWebhookFloodAuditedAtABoundedRate(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)}
	var mu sync.Mutex
	var entries []chat.Refusal
	audit := chat.NewRefusalAudit(func(r chat.Refusal) { mu.Lock(); entries = append(entries, r); mu.Unlock() },
		&chat.RefusalAuditOptions{Clock: clock})
	fake := zalotest.New(t)
	log, _ := newLogger(t, secret, fake.Token())
	ad := newAdapter(t, fake, zalo.Config{Mode: zalo.ModeWebhook, WebhookSecret: secret,
		OnForged: func(remote string) { audit.Refused(zalo.Platform, remote, "missing or wrong secret") }},
		openStore(t, t.TempDir()), log)
	rec := newRecorder()
	ad.SetHandler(rec.handle)
	srv := httptest.NewServer(ad)
	defer srv.Close()
	u := fake.NewUpdate(zalotest.EventText, "g-soc", zalotest.Group, zalotest.From{ID: "z-an", Name: "An"}, "trangthai")
	for i := range 40 {
		if code, err := zalotest.PostWebhook(srv.URL, []string{"", "wrong-secret-value"}[i%2], u); err != nil || code != http.StatusUnauthorized {
			t.Fatalf("forged post %d: HTTP %d, %v; want 401", i, code, err)
		}
	}
	clock.mu.Lock()
	clock.now = clock.now.Add(time.Minute)
	clock.mu.Unlock()
	if code, err := zalotest.PostWebhook(srv.URL, "", u); err != nil || code != http.StatusUnauthorized {
		t.Fatalf("forged post: HTTP %d, %v; want 401", code, err)
	}
	if n := ad.Stats().Forged; n != 41 {
		t.Fatalf("stats count %d forged posts, want 41", n)
	}
	mu.Lock()
	got := append([]chat.Refusal(nil), entries...)
	mu.Unlock()
	if len(got) != 2 || got[0].Suppressed != 0 || got[1].Suppressed != 39 || got[1].Platform != "zalo" ||
		!strings.HasPrefix(got[1].Remote, "127.0.0.1:") {
		t.Fatalf("audit entries %+v, want 2: the first post, then one a minute later counting 39", got)
	}
	if len(rec.inbound()) != 0 {
		t.Fatal("a forged post reached the handler")
	}
	if code, err := zalotest.PostWebhook(srv.URL, secret, u); err != nil || code != http.StatusOK {
		t.Fatalf("good post: HTTP %d, %v", code, err)
	}
	rec.waitN(t, 1)
}

func TestWebhookAcceptsEveryShapeAndAnswersAfterTheHandler(t *testing.T) {
	e := newWebhookEnv(t)
	from := zalotest.From{ID: "z-an", Name: "An"}
	u1 := e.fake.NewUpdate(zalotest.EventText, "g", zalotest.Group, from, "một")
	u2 := e.fake.NewUpdate(zalotest.EventText, "g", zalotest.Group, from, "hai")
	u3 := e.fake.NewUpdate(zalotest.EventText, "g", zalotest.Group, from, "ba")
	sticker := e.fake.NewUpdate(zalotest.EventSticker, "g", zalotest.Group, from, "")
	post := func(body any) int {
		t.Helper()
		code, err := zalotest.PostWebhook(e.srv.URL, secret, body)
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	if c := post(u1); c != 200 {
		t.Fatalf("single update: %d", c)
	}
	if c := post([]json.RawMessage{u2, sticker}); c != 200 {
		t.Fatalf("array: %d", c)
	}
	if c := post(fmt.Sprintf(`{"ok":true,"result":%s}`, u3)); c != 200 {
		t.Fatalf("wrapped: %d", c)
	}
	got := e.rec.waitN(t, 3)
	if got[0].Text != "một" || got[1].Text != "hai" || got[2].Text != "ba" {
		t.Fatalf("handled %+v", got)
	}
	if c := post(`not json`); c != http.StatusBadRequest {
		t.Fatalf("garbage: %d", c)
	}
	// A failing handler: 500, so that Zalo posts again.
	e.rec.mu.Lock()
	e.rec.fail = func(bot.Inbound, int) error { return errors.New("store down") }
	e.rec.mu.Unlock()
	u4 := e.fake.NewUpdate(zalotest.EventText, "g", zalotest.Group, from, "bốn")
	if c := post(u4); c != http.StatusInternalServerError {
		t.Fatalf("failing handler: %d, want 500", c)
	}
	resp, err := http.Get(e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
}

func TestWebhookPushedByZalo(t *testing.T) {
	e := newWebhookEnv(t)
	if err := e.ad.SetWebhook(context.Background(), e.srv.URL); err != nil {
		t.Fatal(err)
	}
	if e.fake.Webhook().Secret != secret {
		t.Fatal("the webhook was set without the configured secret")
	}
	e.rec.mu.Lock()
	e.rec.fail = func(in bot.Inbound, n int) error {
		if n == 1 {
			return errors.New("store busy")
		}
		return nil
	}
	e.rec.mu.Unlock()
	id := e.fake.SendText("z-an", zalotest.Private, "z-an", "An", "trạng thái")
	got := e.rec.waitN(t, 1)
	if got[0].ID != id || !got[0].Chat.Direct || e.fake.Deliveries(id) != 2 {
		t.Fatalf("got %+v after %d deliveries", got, e.fake.Deliveries(id))
	}
	if err := e.ad.Receive(context.Background(), e.rec.handle); err == nil {
		t.Fatal("Receive in webhook mode")
	}
}

func TestWebhookOffInPollingMode(t *testing.T) {
	fake := zalotest.New(t)
	log, _ := newLogger(t, fake.Token())
	ad := newAdapter(t, fake, zalo.Config{}, openStore(t, t.TempDir()), log)
	srv := httptest.NewServer(ad)
	defer srv.Close()
	if code, _ := zalotest.PostWebhook(srv.URL, "anything-long", `{}`); code != http.StatusNotFound {
		t.Fatalf("webhook in polling mode: %d", code)
	}
}

// utf8Valid reports whether every message text is valid UTF-8.
func utf8Valid(ms []zalotest.Message) bool {
	for _, m := range ms {
		if !utf8.ValidString(m.Text) {
			return false
		}
	}
	return true
}
