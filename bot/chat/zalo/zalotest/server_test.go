package zalotest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/irbot/irbot/bot/chat/zalo/zalotest"
)

// answer is the API's envelope.
type answer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
}

// call posts params to method with the server's token and decodes the
// answer.
func call(t *testing.T, s *zalotest.Server, method string, params any) (int, answer) {
	t.Helper()
	return callToken(t, s, s.Token(), method, params)
}

func callToken(t *testing.T, s *zalotest.Server, token, method string, params any) (int, answer) {
	t.Helper()
	body, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(s.URL()+"/bot"+token+"/"+method, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("%s: answer is not JSON: %s", method, raw)
	}
	return resp.StatusCode, a
}

func TestGetMeAndToken(t *testing.T) {
	s := zalotest.New(t, zalotest.WithBot("42", "bot.Test", false))
	code, a := call(t, s, "getMe", map[string]any{})
	if code != 200 || !a.OK {
		t.Fatalf("getMe: %d %+v", code, a)
	}
	var me map[string]any
	json.Unmarshal(a.Result, &me)
	if me["id"] != "42" || me["account_name"] != "bot.Test" || me["can_join_groups"] != false {
		t.Fatalf("getMe result %v", me)
	}
	code, a = callToken(t, s, "1:wrong", "getMe", map[string]any{})
	if code != 401 || a.OK || a.ErrorCode != 401 {
		t.Fatalf("wrong token: %d %+v", code, a)
	}
	if code, a = call(t, s, "frobnicate", map[string]any{}); code != 404 || a.ErrorCode != 404 {
		t.Fatalf("unknown method: %d %+v", code, a)
	}
}

func TestGetUpdatesSingleObjectByDefault(t *testing.T) {
	s := zalotest.New(t)
	id1 := s.SendText("u1", zalotest.Private, "u1", "Nguyễn Văn An", "xin chào")
	id2 := s.SendText("g1", zalotest.Group, "u1", "Nguyễn Văn An", "trạng thái")
	code, a := call(t, s, "getUpdates", map[string]string{"timeout": "1"})
	if code != 200 || !a.OK || !bytes.HasPrefix(bytes.TrimSpace(a.Result), []byte("{")) {
		t.Fatalf("getUpdates: %d %+v", code, a)
	}
	var u struct {
		EventName string `json:"event_name"`
		Message   struct {
			ID   string `json:"message_id"`
			Text string `json:"text"`
			Chat struct {
				ID   string `json:"id"`
				Type string `json:"chat_type"`
			} `json:"chat"`
			From struct {
				ID    string `json:"id"`
				Name  string `json:"display_name"`
				IsBot bool   `json:"is_bot"`
			} `json:"from"`
			Date int64 `json:"date"`
		} `json:"message"`
	}
	if err := json.Unmarshal(a.Result, &u); err != nil {
		t.Fatal(err)
	}
	if u.EventName != zalotest.EventText || u.Message.ID != id1 || u.Message.Text != "xin chào" ||
		u.Message.Chat.Type != zalotest.Private || u.Message.From.Name != "Nguyễn Văn An" || u.Message.Date < 1e12 {
		t.Fatalf("first update %+v", u)
	}
	_, a = call(t, s, "getUpdates", map[string]string{"timeout": "1"})
	json.Unmarshal(a.Result, &u)
	if u.Message.ID != id2 || u.Message.Chat.Type != zalotest.Group {
		t.Fatalf("second update %+v", u)
	}
	if s.Deliveries(id1) != 1 || s.Deliveries(id2) != 1 || s.Pending() != 0 {
		t.Fatalf("deliveries %d %d, pending %d", s.Deliveries(id1), s.Deliveries(id2), s.Pending())
	}
}

func TestGetUpdatesArrayKnob(t *testing.T) {
	s := zalotest.New(t, zalotest.WithArrayUpdates())
	s.SendText("u1", zalotest.Private, "u1", "A", "một")
	s.SendText("u1", zalotest.Private, "u1", "A", "hai")
	_, a := call(t, s, "getUpdates", map[string]any{"timeout": 1})
	var us []json.RawMessage
	if err := json.Unmarshal(a.Result, &us); err != nil || len(us) != 2 {
		t.Fatalf("array result: %s (%v)", a.Result, err)
	}
}

func TestLongPollTimesOutWith408AndWakesOnUpdate(t *testing.T) {
	s := zalotest.New(t)
	code, a := call(t, s, "getUpdates", map[string]string{"timeout": "0.05"})
	if code != 200 || a.OK || a.ErrorCode != 408 || a.Description != "Request timeout" {
		t.Fatalf("empty poll: %d %+v", code, a)
	}
	done := make(chan answer, 1)
	go func() {
		_, a := call(t, s, "getUpdates", map[string]string{"timeout": "10"})
		done <- a
	}()
	// The poll is waiting; an update arriving wakes it.
	if !s.WaitFor(5*time.Second, func() bool { return s.Waiting() == 1 }) {
		t.Fatal("the second poll is not waiting")
	}
	s.SendText("u1", zalotest.Private, "u1", "A", "dậy đi")
	select {
	case a := <-done:
		if !a.OK || !strings.Contains(string(a.Result), "dậy đi") {
			t.Fatalf("woken poll: %+v", a)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the long poll did not wake on the update")
	}
}

func TestRedeliverHandsOutAnUpdateAgain(t *testing.T) {
	s := zalotest.New(t)
	id := s.SendText("u1", zalotest.Private, "u1", "A", "12a")
	call(t, s, "getUpdates", map[string]string{"timeout": "1"})
	if !s.Redeliver(id) || s.Redeliver("nope") {
		t.Fatal("Redeliver found the wrong updates")
	}
	_, a := call(t, s, "getUpdates", map[string]string{"timeout": "1"})
	if zalotest.MessageID(a.Result) != id || s.Deliveries(id) != 2 {
		t.Fatalf("redelivery: %s, deliveries %d", a.Result, s.Deliveries(id))
	}
}

func TestSendMessageLimitsAndChats(t *testing.T) {
	s := zalotest.New(t)
	s.AddChat("g1", zalotest.Group)
	code, a := call(t, s, "sendMessage", map[string]string{"chat_id": "g1", "text": "Máy chủ kế toán bị mã hoá"})
	if code != 200 || !a.OK {
		t.Fatalf("send: %d %+v", code, a)
	}
	var r struct {
		ID   string `json:"message_id"`
		Date int64  `json:"date"`
	}
	json.Unmarshal(a.Result, &r)
	ms := s.Messages("g1")
	if len(ms) != 1 || ms[0].ID != r.ID || ms[0].Text != "Máy chủ kế toán bị mã hoá" || r.Date == 0 {
		t.Fatalf("recorded %+v, answered %+v", ms, r)
	}
	ok := strings.Repeat("ệ", zalotest.MaxMessageLen)
	if code, _ := call(t, s, "sendMessage", map[string]string{"chat_id": "g1", "text": ok}); code != 200 {
		t.Fatalf("2000 characters refused: %d", code)
	}
	for name, c := range map[string]struct {
		chat, text string
		code       int
		desc       string
	}{
		"too long":      {"g1", ok + "e", 400, "too long"},
		"emoji count 2": {"g1", strings.Repeat("🚨", 1001), 400, "too long"},
		"empty":         {"g1", "", 400, "text is required"},
		"unknown chat":  {"nobody", "hi", 400, "chat not found"},
		"missing chat":  {"", "hi", 400, "chat_id is required"},
	} {
		code, a := call(t, s, "sendMessage", map[string]string{"chat_id": c.chat, "text": c.text})
		if code != c.code || a.ErrorCode != c.code || !strings.Contains(a.Description, c.desc) {
			t.Errorf("%s: %d %+v", name, code, a)
		}
	}
	s.Block("g1")
	if code, a := call(t, s, "sendMessage", map[string]string{"chat_id": "g1", "text": "hi"}); code != 403 || !strings.Contains(a.Description, "blocked") {
		t.Fatalf("blocked chat: %d %+v", code, a)
	}
	if len(s.Failures()) == 0 {
		t.Fatal("failures not recorded")
	}
}

func TestRateLimitAnd429(t *testing.T) {
	s := zalotest.New(t)
	s.AddChat("u1", zalotest.Private)
	s.Throttle(1)
	code, a := call(t, s, "sendMessage", map[string]string{"chat_id": "u1", "text": "1"})
	if code != 429 || a.ErrorCode != 429 || !strings.Contains(a.Description, "retry after 1") {
		t.Fatalf("throttled: %d %+v", code, a)
	}
	s.SetRateLimit(2, time.Hour)
	for i := 0; i < 2; i++ {
		if code, _ := call(t, s, "sendMessage", map[string]string{"chat_id": "u1", "text": "ok"}); code != 200 {
			t.Fatalf("message %d within the limit: %d", i, code)
		}
	}
	if code, _ := call(t, s, "sendMessage", map[string]string{"chat_id": "u1", "text": "over"}); code != 429 {
		t.Fatalf("over the limit: %d", code)
	}
	if s.Count429() != 2 {
		t.Fatalf("Count429 = %d, want 2", s.Count429())
	}
}

func TestFailNextAndChatAction(t *testing.T) {
	s := zalotest.New(t)
	s.AddChat("u1", zalotest.Private)
	s.FailNext("sendChatAction", 502, 502, "Bad Gateway")
	if code, _ := call(t, s, "sendChatAction", map[string]string{"chat_id": "u1", "action": "typing"}); code != 502 {
		t.Fatalf("injected failure: %d", code)
	}
	if code, a := call(t, s, "sendChatAction", map[string]string{"chat_id": "u1", "action": "typing"}); code != 200 || !a.OK {
		t.Fatalf("chat action: %d %+v", code, a)
	}
	if code, _ := call(t, s, "sendChatAction", map[string]string{"chat_id": "u1", "action": "dancing"}); code != 400 {
		t.Fatalf("unknown action: %d", code)
	}
	if got := s.ChatActions("u1"); len(got) != 1 || got[0] != "typing" {
		t.Fatalf("actions %q", got)
	}
}

func TestWebhookSetAndPushedWithSecret(t *testing.T) {
	s := zalotest.New(t, zalotest.WithWebhookRetry(10*time.Millisecond))
	var got atomic.Int32
	var fails atomic.Int32
	fails.Store(1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(zalotest.SecretHeader) != "s3cret-token" {
			w.WriteHeader(401)
			return
		}
		if fails.Add(-1) >= 0 {
			w.WriteHeader(500) // the first post fails: the fake posts again
			return
		}
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), "qua webhook") {
			got.Add(1)
		}
	}))
	defer hook.Close()
	if code, a := call(t, s, "setWebhook", map[string]string{"url": hook.URL, "secret_token": "short"}); code != 400 {
		t.Fatalf("short secret accepted: %d %+v", code, a)
	}
	if code, a := call(t, s, "setWebhook", map[string]string{"url": "http://example.com/x", "secret_token": "s3cret-token"}); code != 400 {
		t.Fatalf("plain-HTTP non-loopback url accepted: %d %+v", code, a)
	}
	if code, a := call(t, s, "setWebhook", map[string]string{"url": hook.URL, "secret_token": "s3cret-token"}); code != 200 || !a.OK {
		t.Fatalf("setWebhook: %d %+v", code, a)
	}
	_, a := call(t, s, "getWebhookInfo", map[string]any{})
	if !strings.Contains(string(a.Result), hook.URL) {
		t.Fatalf("getWebhookInfo: %s", a.Result)
	}
	if code, _ := call(t, s, "getUpdates", map[string]string{"timeout": "1"}); code != 409 {
		t.Fatalf("getUpdates with a webhook set: %d", code)
	}
	id := s.SendText("u1", zalotest.Private, "u1", "A", "qua webhook")
	if !s.WaitFor(5*time.Second, func() bool { return got.Load() == 1 }) {
		t.Fatalf("update not pushed; failures %+v", s.Failures())
	}
	if s.Deliveries(id) != 2 {
		t.Fatalf("deliveries %d, want 2 (one refused, one accepted)", s.Deliveries(id))
	}
	if code, _ := call(t, s, "deleteWebhook", map[string]any{}); code != 200 || s.Webhook().URL != "" {
		t.Fatal("deleteWebhook")
	}
}

func TestPostWebhookHelper(t *testing.T) {
	var secret atomic.Value
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret.Store(r.Header.Get(zalotest.SecretHeader))
		w.WriteHeader(204)
	}))
	defer hook.Close()
	s := zalotest.New(t)
	u := s.NewUpdate(zalotest.EventSticker, "u1", zalotest.Private, zalotest.From{ID: "u1", Name: "A"}, "")
	code, err := zalotest.PostWebhook(hook.URL, "abcdefgh", u)
	if err != nil || code != 204 || secret.Load() != "abcdefgh" {
		t.Fatalf("PostWebhook: %d %v %v", code, err, secret.Load())
	}
	if _, err := zalotest.PostWebhook(hook.URL, "", []any{u, u}); err != nil {
		t.Fatal(err)
	}
	if secret.Load() != "" {
		t.Fatal("a secret was sent although none was given")
	}
}
