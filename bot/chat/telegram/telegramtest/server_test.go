package telegramtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
)

type answer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
	status int
}

// call posts params to method, encoded as "json", "form" or "multipart".
func call(t *testing.T, s *telegramtest.Server, enc, method string, params map[string]any) answer {
	t.Helper()
	u := s.URL() + "/bot" + s.Token() + "/" + method
	var body bytes.Buffer
	var ct string
	str := func(v any) string {
		if s, ok := v.(string); ok {
			return s
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	switch enc {
	case "json":
		json.NewEncoder(&body).Encode(params)
		ct = "application/json"
	case "form":
		vals := url.Values{}
		for k, v := range params {
			vals.Set(k, str(v))
		}
		body.WriteString(vals.Encode())
		ct = "application/x-www-form-urlencoded"
	case "multipart":
		w := multipart.NewWriter(&body)
		for k, v := range params {
			if f, ok := v.(fileParam); ok {
				fw, _ := w.CreateFormFile(k, f.name)
				fw.Write(f.data)
				continue
			}
			w.WriteField(k, str(v))
		}
		w.Close()
		ct = w.FormDataContentType()
	}
	resp, err := http.Post(u, ct, &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	a.status = resp.StatusCode
	return a
}

type fileParam struct {
	name string
	data []byte
}

func mustOK(t *testing.T, a answer) json.RawMessage {
	t.Helper()
	if !a.OK {
		t.Fatalf("want ok, got %d %s", a.ErrorCode, a.Description)
	}
	return a.Result
}

func mustFail(t *testing.T, a answer, code int, desc string) {
	t.Helper()
	if a.OK || a.ErrorCode != code || a.status != code || !strings.Contains(a.Description, desc) {
		t.Fatalf("want %d %q, got ok=%v %d (HTTP %d) %q", code, desc, a.OK, a.ErrorCode, a.status, a.Description)
	}
}

func TestSendMessageEveryEncoding(t *testing.T) {
	s := telegramtest.New(t)
	s.AddChat(telegramtest.Chat{ID: -1001})
	for i, enc := range []string{"json", "form", "multipart"} {
		res := mustOK(t, call(t, s, enc, "sendMessage", map[string]any{"chat_id": -1001,
			"text": "*Hi* " + enc + " 1\\.5", "parse_mode": "MarkdownV2",
			"reply_markup": map[string]any{"inline_keyboard": [][]map[string]string{{{"text": "Ack", "callback_data": "/ack IR-1"}}}}}))
		var m struct {
			MessageID int    `json:"message_id"`
			Text      string `json:"text"`
			Chat      struct {
				ID int64 `json:"id"`
			} `json:"chat"`
			Entities []telegramtest.Entity `json:"entities"`
		}
		json.Unmarshal(res, &m)
		if m.MessageID != i+1 || m.Chat.ID != -1001 || m.Text != "Hi "+enc+" 1.5" {
			t.Fatalf("%s: got %+v", enc, m)
		}
		if len(m.Entities) != 1 || m.Entities[0].Type != "bold" || m.Entities[0].Length != 2 {
			t.Fatalf("%s: entities %+v", enc, m.Entities)
		}
	}
	msgs := s.Messages(-1001)
	if len(msgs) != 3 || msgs[2].Buttons[0][0].CallbackData != "/ack IR-1" || msgs[2].Raw != "*Hi* multipart 1\\.5" {
		t.Fatalf("stored %+v", msgs)
	}
}

func TestValidation(t *testing.T) {
	s := telegramtest.New(t)
	s.AddChat(telegramtest.Chat{ID: 42, Type: telegramtest.Private})
	send := func(p map[string]any) answer {
		if _, ok := p["chat_id"]; !ok {
			p["chat_id"] = 42
		}
		return call(t, s, "json", "sendMessage", p)
	}
	// Unescaped reserved characters are refused in MarkdownV2.
	for _, raw := range []string{"Done.", "IR-7", "a (b)", "x = y", "#1", "a|b", "C:\\temp is fine but . is not", "*open bold"} {
		mustFail(t, send(map[string]any{"text": raw, "parse_mode": "MarkdownV2"}), 400, "can't parse entities")
	}
	// … but fine without a parse mode, and fine escaped.
	mustOK(t, send(map[string]any{"text": "Done."}))
	mustOK(t, send(map[string]any{"text": "Done\\. IR\\-7 \\(b\\)", "parse_mode": "MarkdownV2"}))
	mustFail(t, send(map[string]any{"text": strings.Repeat("x", 4097)}), 400, "message is too long")
	mustOK(t, send(map[string]any{"text": strings.Repeat("ệ", 4096)}))
	// The limit counts characters after parsing: 4096 escaped dots pass.
	mustOK(t, send(map[string]any{"text": strings.Repeat("\\.", 4096), "parse_mode": "MarkdownV2"}))
	mustFail(t, send(map[string]any{"text": "   "}), 400, "message text is empty")
	kb := func(data string) map[string]any {
		return map[string]any{"inline_keyboard": [][]map[string]string{{{"text": "b", "callback_data": data}}}}
	}
	mustFail(t, send(map[string]any{"text": "x", "reply_markup": kb(strings.Repeat("d", 65))}), 400, "BUTTON_DATA_INVALID")
	mustOK(t, send(map[string]any{"text": "x", "reply_markup": kb(strings.Repeat("d", 64))}))
	mustFail(t, send(map[string]any{"text": "x", "chat_id": 999}), 400, "Bad Request: chat not found")
	s.Block(42)
	mustFail(t, send(map[string]any{"text": "x"}), 403, "Forbidden: bot was blocked by the user")
	resp, err := http.Get(s.URL() + "/bot123:wrong/getMe")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("wrong token: HTTP %d", resp.StatusCode)
	}
	mustFail(t, call(t, s, "json", "noSuchMethod", map[string]any{}), 404, "Not Found")
}

func TestGetUpdatesOffsetTimeoutLimit(t *testing.T) {
	s := telegramtest.New(t)
	get := func(p map[string]any) []map[string]any {
		var ups []map[string]any
		json.Unmarshal(mustOK(t, call(t, s, "json", "getUpdates", p)), &ups)
		return ups
	}
	for i := range 5 {
		s.SendText(-1, 7, fmt.Sprint("m", i))
	}
	if ups := get(map[string]any{"limit": 2}); len(ups) != 2 || ups[0]["update_id"].(float64) != 1 {
		t.Fatalf("limit: %v", ups)
	}
	if ups := get(map[string]any{}); len(ups) != 5 {
		t.Fatalf("unconfirmed updates are returned again: got %d", len(ups))
	}
	if ups := get(map[string]any{"offset": 4}); len(ups) != 2 || ups[0]["update_id"].(float64) != 4 {
		t.Fatalf("offset: %v", ups)
	}
	if ups := get(map[string]any{}); len(ups) != 2 {
		t.Fatalf("offset 4 confirmed 1-3: got %d", len(ups))
	}
	if s.Pending() != 2 {
		t.Fatalf("pending %d", s.Pending())
	}
	// A long poll returns as soon as an update arrives …
	go func() {
		s.WaitFor(5*time.Second, func() bool { return s.Requests("getUpdates") >= 5 })
		s.SendText(-1, 7, "late")
	}()
	start := time.Now()
	ups := get(map[string]any{"offset": 6, "timeout": 10})
	if len(ups) != 1 || time.Since(start) > 8*time.Second {
		t.Fatalf("long poll: %v after %s", ups, time.Since(start))
	}
	// … and empty-handed when its timeout passes.
	if ups := get(map[string]any{"offset": 7, "timeout": 1}); len(ups) != 0 {
		t.Fatalf("timeout: %v", ups)
	}
	if s.Deliveries(6) != 1 {
		t.Fatalf("deliveries of 6: %d", s.Deliveries(6))
	}
}

func TestRateLimits(t *testing.T) {
	s := telegramtest.New(t, telegramtest.WithRateLimit(2, time.Minute, 0))
	s.AddChat(telegramtest.Chat{ID: -5})
	s.AddChat(telegramtest.Chat{ID: -6})
	for range 2 {
		mustOK(t, call(t, s, "json", "sendMessage", map[string]any{"chat_id": -5, "text": "x"}))
	}
	a := call(t, s, "json", "sendMessage", map[string]any{"chat_id": -5, "text": "x"})
	mustFail(t, a, 429, "Too Many Requests: retry after")
	if a.Parameters.RetryAfter < 59 || a.Parameters.RetryAfter > 60 {
		t.Fatalf("retry_after %d", a.Parameters.RetryAfter)
	}
	mustOK(t, call(t, s, "json", "sendMessage", map[string]any{"chat_id": -6, "text": "other chat"}))
	if s.Count429() != 1 {
		t.Fatalf("Count429 = %d", s.Count429())
	}
	g := telegramtest.New(t, telegramtest.WithRateLimit(0, 0, 3))
	for i := range 4 {
		g.AddChat(telegramtest.Chat{ID: int64(-10 - i)})
		a := call(t, g, "json", "sendMessage", map[string]any{"chat_id": -10 - i, "text": "x"})
		if i < 3 {
			mustOK(t, a)
		} else {
			mustFail(t, a, 429, "retry after 1")
		}
	}
}

func TestMigrateEditAnswerCommands(t *testing.T) {
	s := telegramtest.New(t)
	s.SendText(-1001, 7, "hello")
	var m struct {
		MessageID int `json:"message_id"`
	}
	json.Unmarshal(mustOK(t, call(t, s, "form", "sendMessage", map[string]any{"chat_id": -1001, "text": "card",
		"reply_markup": `{"inline_keyboard":[[{"text":"Ack","callback_data":"/ack"}]]}`})), &m)
	edit := map[string]any{"chat_id": -1001, "message_id": m.MessageID, "text": "card"}
	mustOK(t, call(t, s, "json", "editMessageText", edit)) // the keyboard goes: a change
	mustFail(t, call(t, s, "json", "editMessageText", edit), 400, "message is not modified")
	edit["text"] = "acked"
	mustOK(t, call(t, s, "json", "editMessageText", edit))
	mustFail(t, call(t, s, "json", "editMessageText", map[string]any{"chat_id": -1001, "message_id": 99, "text": "x"}), 400, "message to edit not found")
	mustFail(t, call(t, s, "json", "editMessageText", map[string]any{"chat_id": -1001, "message_id": 1, "text": "x"}), 400, "message can't be edited")
	if got := s.Messages(-1001); len(got) != 1 || got[0].Text != "acked" || got[0].Edits != 2 || len(got[0].Buttons) != 0 {
		t.Fatalf("after edits: %+v", got)
	}
	if len(s.Edits()) != 2 {
		t.Fatalf("edits %+v", s.Edits())
	}

	q := s.PressButton(-1001, 7, m.MessageID, "/ack")
	mustOK(t, call(t, s, "json", "answerCallbackQuery", map[string]any{"callback_query_id": q, "text": "✓"}))
	mustFail(t, call(t, s, "json", "answerCallbackQuery", map[string]any{"callback_query_id": q}), 400, "query is too old")
	if a := s.CallbackAnswers(); len(a) != 1 || a[0].QueryID != q || a[0].Text != "✓" {
		t.Fatalf("answers %+v", a)
	}

	s.Migrate(-1001, -1009)
	a := call(t, s, "json", "sendMessage", map[string]any{"chat_id": -1001, "text": "x"})
	mustFail(t, a, 400, "upgraded to a supergroup")
	if a.Parameters.MigrateToChatID != -1009 {
		t.Fatalf("migrate_to_chat_id %d", a.Parameters.MigrateToChatID)
	}
	mustOK(t, call(t, s, "json", "sendMessage", map[string]any{"chat_id": -1009, "text": "x"}))
	var ups []struct {
		Message struct {
			MigrateTo   int64 `json:"migrate_to_chat_id"`
			MigrateFrom int64 `json:"migrate_from_chat_id"`
		} `json:"message"`
	}
	json.Unmarshal(mustOK(t, call(t, s, "json", "getUpdates", map[string]any{"offset": -2})), &ups)
	if len(ups) != 2 || ups[0].Message.MigrateTo != -1009 || ups[1].Message.MigrateFrom != -1001 {
		t.Fatalf("migration service messages: %+v", ups)
	}

	for _, lang := range []string{"", "vi", "en"} {
		mustOK(t, call(t, s, "multipart", "setMyCommands", map[string]any{"language_code": lang,
			"commands": []map[string]string{{"command": "ack", "description": "ack " + lang}}}))
	}
	mustFail(t, call(t, s, "json", "setMyCommands", map[string]any{"commands": []map[string]string{{"command": "Bad-Name", "description": "x"}}}), 400, "BOT_COMMAND_INVALID")
	if got := s.CommandsFor("default", "vi"); len(got) != 1 || got[0].Description != "ack vi" || len(s.Commands()) != 3 {
		t.Fatalf("commands %+v", s.Commands())
	}
}

func TestForumTopicsAndDocuments(t *testing.T) {
	s := telegramtest.New(t)
	s.AddChat(telegramtest.Chat{ID: -1002, Type: telegramtest.Supergroup, IsForum: true})
	s.AddChat(telegramtest.Chat{ID: -3})
	mustFail(t, call(t, s, "json", "createForumTopic", map[string]any{"chat_id": -3, "name": "IR-1"}), 400, "not a forum")
	var topic struct {
		ThreadID int `json:"message_thread_id"`
	}
	json.Unmarshal(mustOK(t, call(t, s, "json", "createForumTopic", map[string]any{"chat_id": -1002, "name": "IR-1"})), &topic)
	if topic.ThreadID == 0 || s.Topics(-1002)[topic.ThreadID] != "IR-1" {
		t.Fatalf("topic %+v, %v", topic, s.Topics(-1002))
	}
	mustOK(t, call(t, s, "json", "sendMessage", map[string]any{"chat_id": -1002, "message_thread_id": topic.ThreadID, "text": "in topic"}))
	mustFail(t, call(t, s, "json", "sendMessage", map[string]any{"chat_id": -1002, "message_thread_id": 999, "text": "x"}), 400, "message thread not found")
	if m := s.Messages(-1002); len(m) != 1 || m[0].Thread != topic.ThreadID {
		t.Fatalf("topic message %+v", m)
	}
	mustOK(t, call(t, s, "multipart", "sendDocument", map[string]any{"chat_id": -1002,
		"document": fileParam{name: "report.pdf", data: []byte("%PDF-1.7")}, "caption": "Báo cáo IR\\-1", "parse_mode": "MarkdownV2"}))
	m := s.Messages(-1002)
	if len(m) != 2 || m[1].Document == nil || m[1].Document.FileName != "report.pdf" || string(m[1].Document.Data) != "%PDF-1.7" || m[1].Text != "Báo cáo IR-1" {
		t.Fatalf("document %+v", m)
	}
	mustFail(t, call(t, s, "multipart", "sendDocument", map[string]any{"chat_id": -1002}), 400, "no document")
}

func TestWebhookDelivery(t *testing.T) {
	var got, refused atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Telegram-Bot-Api-Secret-Token") != "s3cret" {
			w.WriteHeader(401)
			return
		}
		io.Copy(io.Discard, r.Body)
		if refused.Add(1) == 1 {
			w.WriteHeader(500) // the first try fails: the fake posts again
			return
		}
		got.Add(1)
	}))
	defer hook.Close()
	s := telegramtest.New(t, telegramtest.WithWebhookRetry(10*time.Millisecond))
	mustOK(t, call(t, s, "json", "setWebhook", map[string]any{"url": hook.URL, "secret_token": "s3cret"}))
	mustFail(t, call(t, s, "json", "getUpdates", map[string]any{}), 409, "webhook is active")
	id := s.SendText(-1, 7, "/status")
	_ = id
	if !s.WaitFor(5*time.Second, func() bool { return got.Load() == 1 && s.Pending() == 0 }) {
		t.Fatalf("webhook got %d updates, %d pending", got.Load(), s.Pending())
	}
	if s.Deliveries(1) != 2 {
		t.Fatalf("deliveries %d, want 2 (one refused)", s.Deliveries(1))
	}
	mustOK(t, call(t, s, "json", "deleteWebhook", map[string]any{}))
	if s.Webhook() != nil {
		t.Fatal("webhook still set")
	}
}

func TestConcurrentPollIsTerminated(t *testing.T) {
	s := telegramtest.New(t)
	done := make(chan answer, 1)
	go func() { done <- call(t, s, "json", "getUpdates", map[string]any{"timeout": 10}) }()
	s.WaitFor(5*time.Second, func() bool { return s.Requests("getUpdates") == 1 })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", s.URL()+"/bot"+s.Token()+"/getUpdates?timeout=10", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	select {
	case a := <-done:
		mustFail(t, a, 409, "terminated by other getUpdates request")
	case <-time.After(8 * time.Second):
		t.Fatal("the first poll was not terminated")
	}
}

func TestPushModelsUpdate(t *testing.T) {
	s := telegramtest.New(t)
	id := s.PushUpdate(&models.Update{Message: &models.Message{ID: 5, Date: 1, Text: "/status",
		Chat: models.Chat{ID: -77, Type: models.ChatTypeGroup}, From: &models.User{ID: 9, FirstName: "An"}}})
	again := s.PushUpdate(fmt.Sprintf(`{"update_id":%d,"message":{"message_id":5,"date":1,"chat":{"id":-77,"type":"group"},"text":"/status"}}`, id))
	if again != id {
		t.Fatalf("explicit update_id %d not kept: %d", id, again)
	}
	var ups []models.Update
	json.Unmarshal(mustOK(t, call(t, s, "json", "getUpdates", map[string]any{})), &ups)
	if len(ups) != 2 || ups[0].ID != id || ups[1].ID != id || ups[0].Message.Text != "/status" || ups[0].Message.From.ID != 9 {
		t.Fatalf("updates %+v", ups)
	}
}
