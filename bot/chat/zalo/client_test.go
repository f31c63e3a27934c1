package zalo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot/chat/zalo"
	"github.com/irbot/irbot/bot/chat/zalo/zalotest"
)

func TestClientCallsTheDocumentedMethods(t *testing.T) {
	fake := zalotest.New(t, zalotest.WithBot("777", "bot.IrBot", true))
	c := zalo.NewClient(fake.Token(), fake.URL(), nil)
	ctx := context.Background()
	me, err := c.GetMe(ctx)
	if err != nil || me.ID != "777" || me.AccountName != "bot.IrBot" || !me.CanJoinGroups {
		t.Fatalf("GetMe: %+v, %v", me, err)
	}
	fake.AddChat("g-soc", zalotest.Group)
	id, err := c.SendMessage(ctx, "g-soc", "Máy chủ kế toán bị mã hoá")
	if err != nil || id == "" {
		t.Fatalf("SendMessage: %q, %v", id, err)
	}
	if ms := fake.Messages("g-soc"); len(ms) != 1 || ms[0].ID != id || ms[0].Text != "Máy chủ kế toán bị mã hoá" {
		t.Fatalf("the fake got %+v", ms)
	}
	if err := c.SendChatAction(ctx, "g-soc", zalo.ActionTyping); err != nil {
		t.Fatal(err)
	}
	if got := fake.ChatActions("g-soc"); len(got) != 1 || got[0] != "typing" {
		t.Fatalf("chat actions %q", got)
	}
	wh, err := c.SetWebhook(ctx, "https://irbot.example.gov.vn/zalo", "bí-mật-đủ-dài")
	if err != nil || wh.URL != "https://irbot.example.gov.vn/zalo" || wh.UpdatedAt.IsZero() {
		t.Fatalf("SetWebhook: %+v, %v", wh, err)
	}
	if got := fake.Webhook(); got.Secret != "bí-mật-đủ-dài" {
		t.Fatalf("secret sent %q", got.Secret)
	}
	if wh, err := c.GetWebhookInfo(ctx); err != nil || wh.URL != "https://irbot.example.gov.vn/zalo" {
		t.Fatalf("GetWebhookInfo: %+v, %v", wh, err)
	}
	if wh, err := c.DeleteWebhook(ctx); err != nil || wh.URL != "" {
		t.Fatalf("DeleteWebhook: %+v, %v", wh, err)
	}
}

func TestGetUpdatesSingleObjectArrayAndTimeout(t *testing.T) {
	ctx := context.Background()
	for _, array := range []bool{false, true} {
		t.Run(fmt.Sprint("array=", array), func(t *testing.T) {
			var opts []zalotest.Option
			if array {
				opts = append(opts, zalotest.WithArrayUpdates())
			}
			fake := zalotest.New(t, opts...)
			c := zalo.NewClient(fake.Token(), fake.URL(), nil)
			id1 := fake.SendText("z-an", zalotest.Private, "z-an", "Nguyễn Văn An", "12a")
			id2 := fake.SendText("g-soc", zalotest.Group, "z-binh", "Trần Bình", "trạng thái")
			var got []zalo.Update
			for len(got) < 2 {
				ups, err := c.GetUpdates(ctx, time.Second)
				if err != nil {
					t.Fatal(err)
				}
				if !array && len(ups) != 1 {
					t.Fatalf("single-object answer gave %d updates", len(ups))
				}
				got = append(got, ups...)
			}
			if array && fake.GetUpdatesCalls() != 1 {
				t.Fatalf("array answer took %d calls", fake.GetUpdatesCalls())
			}
			a, b := got[0], got[1]
			if a.EventName != zalo.EventText || a.Message.ID != id1 || a.Message.Text != "12a" ||
				a.Message.Chat.Type != zalo.ChatPrivate || a.Message.Chat.ID != "z-an" ||
				a.Message.From.Name != "Nguyễn Văn An" || a.Message.Date.IsZero() || len(a.Raw) == 0 {
				t.Fatalf("first update %+v / %+v", a, a.Message)
			}
			if b.Message.ID != id2 || b.Message.Chat.Type != zalo.ChatGroup || b.Message.From.ID != "z-binh" {
				t.Fatalf("second update %+v", b.Message)
			}
			// Nothing queued: the 408 "Request timeout" is no error.
			start := time.Now()
			ups, err := c.GetUpdates(ctx, time.Second)
			if err != nil || len(ups) != 0 {
				t.Fatalf("empty poll: %v, %v", ups, err)
			}
			if time.Since(start) < 500*time.Millisecond {
				t.Fatal("the poll did not wait (timeout not sent?)")
			}
		})
	}
}

func TestParseUpdatesShapes(t *testing.T) {
	text := `{"event_name":"message.text.received","message":{"message_id":"m1","date":1766619597466,` +
		`"chat":{"id":"c1","chat_type":"GROUP"},"from":{"id":"u1","display_name":"An","is_bot":false},"text":"xacnhan"}}`
	numeric := `{"event_name":"message.text.received","message":{"message_id":12345,"date":"1766619597",` +
		`"chat":{"id":987654321,"chat_type":"PRIVATE"},"from":{"id":987654321,"first_name":"Nguyen Van A"},"text":"hi"}}`
	sticker := `{"event_name":"message.sticker.received","message":{"message_id":"m2","chat":{"id":"c1"},"from":{"id":"u1"},"sticker":"abc"}}`
	cases := []struct {
		name    string
		body    string
		ids     []string
		wantErr bool
	}{
		{"single object", text, []string{"m1"}, false},
		{"array", "[" + text + "," + sticker + "]", []string{"m1", "m2"}, false},
		{"wrapped", `{"ok":true,"result":` + text + `}`, []string{"m1"}, false},
		{"wrapped array", `{"ok":true,"result":[` + text + `]}`, []string{"m1"}, false},
		{"numbers for ids", numeric, []string{"12345"}, false},
		{"null", `null`, nil, false},
		{"empty object", `{}`, nil, false},
		{"empty", ``, nil, false},
		{"bad element skipped", `[` + text + `,{"message":"oops"}]`, []string{"m1"}, true},
		{"not json", `<html>502</html>`, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ups, err := zalo.ParseUpdates([]byte(c.body))
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			var ids []string
			for _, u := range ups {
				ids = append(ids, u.Message.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(c.ids) {
				t.Fatalf("ids %v, want %v", ids, c.ids)
			}
		})
	}
	ups, _ := zalo.ParseUpdates([]byte(numeric))
	m := ups[0].Message
	if m.Chat.ID != "987654321" || m.From.Name != "Nguyen Van A" || m.Date.Year() != 2025 {
		t.Fatalf("numeric update decoded as %+v", m)
	}
	ups, _ = zalo.ParseUpdates([]byte(text))
	if m := ups[0].Message; m.Date.UnixMilli() != 1766619597466 || m.Chat.Type != "GROUP" {
		t.Fatalf("millisecond date or chat type lost: %+v", m)
	}
}

// tokenSafe fails if err (or anything it wraps) mentions the token or its
// secret half.
func tokenSafe(t *testing.T, token string, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error")
	}
	_, secret, _ := strings.Cut(token, ":")
	for e := err; e != nil; e = errors.Unwrap(e) {
		if s := e.Error(); strings.Contains(s, token) || strings.Contains(s, secret) {
			t.Fatalf("error leaks the token: %q", s)
		}
	}
}

func TestTokenNeverInErrors(t *testing.T) {
	const token = "1459232241454765289:SuperSecretAccessToken-abc_123"
	ctx := context.Background()

	// A proxy error page that echoes the request path (which holds the token).
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "<html>upstream failed for %s</html>", r.URL.Path)
	}))
	defer echo.Close()
	_, err := zalo.NewClient(token, echo.URL, nil).SendMessage(ctx, "c", "x")
	tokenSafe(t, token, err)
	var ae *zalo.APIError
	if !errors.As(err, &ae) || ae.Code != 502 || !strings.Contains(ae.Description, "<token>") {
		t.Fatalf("502 page: %#v", err)
	}

	// An API error whose description echoes the token.
	leaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"ok":false,"error_code":401,"description":"invalid token %s"}`, token)
	}))
	defer leaky.Close()
	_, err = zalo.NewClient(token, leaky.URL, nil).GetMe(ctx)
	tokenSafe(t, token, err)

	// A 200 answer that is not the API's JSON, echoing the token.
	odd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "welcome "+r.URL.Path)
	}))
	defer odd.Close()
	_, err = zalo.NewClient(token, odd.URL, nil).SendMessage(ctx, "c", "x")
	tokenSafe(t, token, err)

	// Nothing listening: the transport error normally carries the URL.
	closed := httptest.NewServer(http.NotFoundHandler())
	addr := closed.URL
	closed.Close()
	_, err = zalo.NewClient(token, addr, nil).SendMessage(ctx, "c", "x")
	tokenSafe(t, token, err)

	// A cancelled call stays recognisable as such.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = zalo.NewClient(token, echo.URL, nil).GetUpdates(cctx, time.Second)
	tokenSafe(t, token, err)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled poll: %v is not context.Canceled", err)
	}

	// A base URL that does not parse: the parse error quotes the URL.
	_, err = zalo.NewClient(token, "http://bad host", nil).GetMe(ctx)
	tokenSafe(t, token, err)

	// A malformed result.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": map[string]any{"message_id": []string{token}}})
	}))
	defer bad.Close()
	_, err = zalo.NewClient(token, bad.URL, nil).SendMessage(ctx, "c", "x")
	tokenSafe(t, token, err)
}

func TestAPIErrorsCarryCodeAndRetryAfter(t *testing.T) {
	fake := zalotest.New(t)
	c := zalo.NewClient(fake.Token(), fake.URL(), nil)
	ctx := context.Background()
	fake.AddChat("c", zalotest.Private)
	fake.Throttle(1)
	_, err := c.SendMessage(ctx, "c", "x")
	var ae *zalo.APIError
	if !errors.As(err, &ae) || ae.Code != 429 || ae.RetryAfter != time.Second || !ae.RateLimited() || ae.Method != "sendMessage" {
		t.Fatalf("429: %#v", err)
	}
	// error_code in an HTTP 200 answer, retry time only in the description.
	fake.FailNext("sendMessage", 200, 429, "Too Many Requests: retry after 7")
	_, err = c.SendMessage(ctx, "c", "x")
	if !errors.As(err, &ae) || ae.Status != 200 || ae.Code != 429 || ae.RetryAfter != 7*time.Second {
		t.Fatalf("429 in a 200: %#v", err)
	}
	_, err = c.SendMessage(ctx, "nobody", "x")
	if !errors.As(err, &ae) || ae.Code != 400 || !strings.Contains(ae.Description, "chat not found") {
		t.Fatalf("unknown chat: %#v", err)
	}
}
