// Package zalotest is a loopback Zalo Bot API server for tests. It speaks
// the API as the Zalo Bot Platform documents it — POST
// /bot<token>/<method> with a JSON body, answers {"ok":true,"result":…} or
// {"ok":false,"error_code":…,"description":…} — and keeps what a bot can
// observe: the update queue, the messages the bot sent, its chat actions
// and its webhook.
//
// Like the real service, getUpdates is a long poll with a timeout
// (seconds, sent as a string) and no offset: an update is gone once it has
// been handed out, and a poll that finds nothing answers error_code 408
// "Request timeout". By default each call returns one update object, as
// documented; WithArrayUpdates makes it return every queued update as an
// array instead, and Redeliver hands out an update again (the platform
// cannot be told an update was processed, so duplicates must be harmless).
//
// sendMessage enforces the documented 1–2000 character text limit, and
// refuses unknown chats ("chat not found") and chats that blocked the bot.
// When a webhook is set, queued updates are POSTed to it with the
// X-Bot-Api-Secret-Token header and re-posted after a pause until it
// answers 2xx.
//
// Where the documentation is silent the fake behaves like the Telegram Bot
// API it was modelled on: HTTP status = error_code, 429 "Too Many
// Requests: retry after N" with a Retry-After header when rate limited.
package zalotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Chat types, as the API names them.
const (
	Private = "PRIVATE"
	Group   = "GROUP"
)

// Event names of updates.
const (
	EventText        = "message.text.received"
	EventImage       = "message.image.received"
	EventSticker     = "message.sticker.received"
	EventUnsupported = "message.unsupported.received"
)

// SecretHeader carries the webhook's secret token.
const SecretHeader = "X-Bot-Api-Secret-Token"

// MaxMessageLen is the longest text sendMessage accepts. The documentation
// says "1 to 2000 characters" without saying how they are counted; the
// fake counts UTF-16 code units (as a Java or JavaScript backend would),
// the stricter reading: for Vietnamese, precomposed or decomposed, it is
// the same as counting code points.
const MaxMessageLen = 2000

// DefaultToken is the bot token the server accepts unless WithToken says
// otherwise. It has the documented "<bot_id>:<access_token>" form.
const DefaultToken = "1459232241454765289:ZxTestSecretAccessTokenForZaloBot0123456789"

// Message is a message the bot sent.
type Message struct {
	ID     string
	ChatID string
	Text   string
	Date   time.Time
}

// Failure is one unsuccessful answer the server gave.
type Failure struct {
	Method      string
	Code        int
	Description string
}

// WebhookInfo is the webhook the bot set.
type WebhookInfo struct {
	URL       string
	Secret    string
	UpdatedAt time.Time
}

// From is the sender of an update.
type From struct {
	ID    string
	Name  string
	IsBot bool
}

// Option configures a Server.
type Option func(*config)

type config struct {
	token        string
	botID        string
	botName      string
	canJoin      bool
	array        bool
	webhookRetry time.Duration
}

// WithToken sets the bot token the server accepts (default DefaultToken).
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithBot sets the bot's id, account name and whether it may join groups
// (default "1459232241454765289", "bot.IrBot", true).
func WithBot(id, accountName string, canJoinGroups bool) Option {
	return func(c *config) { c.botID, c.botName, c.canJoin = id, accountName, canJoinGroups }
}

// WithArrayUpdates makes getUpdates answer every queued update as an array
// rather than one update object per call.
func WithArrayUpdates() Option { return func(c *config) { c.array = true } }

// WithWebhookRetry sets the pause before an update the webhook refused is
// posted again (default 50ms).
func WithWebhookRetry(d time.Duration) Option { return func(c *config) { c.webhookRetry = d } }

type injected struct {
	status, code int
	description  string
}

// Server is the fake Bot API. Its methods are safe for concurrent use.
type Server struct {
	cfg config
	srv *httptest.Server

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced on every change
	closed     bool
	nextID     int
	queue      []json.RawMessage
	sent       map[string]json.RawMessage // updates handed out, by message_id
	deliveries map[string]int
	chats      map[string]string // known chats and their types
	blocked    map[string]bool
	msgs       map[string][]Message
	actions    map[string][]string
	webhook    WebhookInfo
	failures   []Failure
	count429   int
	throttle   int // the next throttle sendMessage calls get 429
	perChat    int // rate limit: sendMessage calls per chat per window
	window     time.Duration
	sendTimes  map[string][]time.Time
	failNext   map[string][]injected
	getUpdates int
	waiting    int // long polls waiting for an update

	stop chan struct{}
	wg   sync.WaitGroup
}

// New starts a fake Bot API on 127.0.0.1, closed when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	cfg := config{token: DefaultToken, botID: "1459232241454765289", botName: "bot.IrBot", canJoin: true,
		webhookRetry: 50 * time.Millisecond}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{cfg: cfg, changed: make(chan struct{}), sent: map[string]json.RawMessage{},
		deliveries: map[string]int{}, chats: map[string]string{}, blocked: map[string]bool{},
		msgs: map[string][]Message{}, actions: map[string][]string{}, sendTimes: map[string][]time.Time{},
		failNext: map[string][]injected{}, stop: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.wg.Add(1)
	go s.pushWebhooks()
	t.Cleanup(s.Close)
	return s
}

// Close stops the server; pending long polls return at once.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.stop)
	s.notifyLocked()
	s.mu.Unlock()
	s.wg.Wait()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// URL returns the API base URL, e.g. http://127.0.0.1:4711; requests go to
// URL()+"/bot"+Token()+"/<method>".
func (s *Server) URL() string { return s.srv.URL }

// Token returns the bot token the server accepts.
func (s *Server) Token() string { return s.cfg.token }

// BotID returns the bot's id.
func (s *Server) BotID() string { return s.cfg.botID }

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// WaitFor calls cond until it returns true or timeout passes, waking
// whenever the server's state changes (and every 20ms, for conditions on
// other state). It reports whether cond held.
func (s *Server) WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-tick.C:
		case <-deadline.C:
			return cond()
		}
	}
}

// WaitMessage waits up to timeout for a message the bot sent to chatID
// that satisfies match, and returns the first such message.
func (s *Server) WaitMessage(chatID string, timeout time.Duration, match func(Message) bool) (Message, bool) {
	var found Message
	ok := s.WaitFor(timeout, func() bool {
		for _, m := range s.Messages(chatID) {
			if match(m) {
				found = m
				return true
			}
		}
		return false
	})
	return found, ok
}

// AddChat makes a chat known, as if it had written to the bot before (the
// bot can only message chats it knows).
func (s *Server) AddChat(id, chatType string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chats[id] = chatType
}

// Block makes sendMessage to chatID fail with 403, as when a user blocked
// the bot.
func (s *Server) Block(chatID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chatID] = true
}

// NewUpdate builds an update as Zalo sends it, with a fresh message_id,
// without queueing it; the chat becomes known. text is the message text
// (or the caption of an image).
func (s *Server) NewUpdate(event, chatID, chatType string, from From, text string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chats[chatID] = chatType
	s.nextID++
	msg := map[string]any{
		"message_id": fmt.Sprintf("%020x", 0x5a10000000+s.nextID),
		"date":       time.Now().UnixMilli(),
		"chat":       map[string]any{"id": chatID, "chat_type": chatType},
		"from":       map[string]any{"id": from.ID, "display_name": from.Name, "is_bot": from.IsBot},
	}
	switch event {
	case EventText:
		msg["text"] = text
	case EventImage:
		msg["photo_url"] = "https://example.invalid/photo.jpg"
		if text != "" {
			msg["caption"] = text
		}
	case EventSticker:
		msg["sticker"] = "0e078a2fb66a5f34067b"
	}
	raw, _ := json.Marshal(map[string]any{"event_name": event, "message": msg})
	return raw
}

// Push queues an update for getUpdates (or the webhook).
func (s *Server) Push(update json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, append(json.RawMessage(nil), update...))
	s.notifyLocked()
}

// SendText makes user userID (display name name) write text in chat
// chatID of type chatType (Private or Group), queues the update and
// returns its message_id. In a private chat the chat id is the user's id.
func (s *Server) SendText(chatID, chatType, userID, name, text string) string {
	u := s.NewUpdate(EventText, chatID, chatType, From{ID: userID, Name: name}, text)
	s.Push(u)
	return MessageID(u)
}

// MessageID returns the message_id of an update built by NewUpdate.
func MessageID(update json.RawMessage) string {
	var u struct {
		Message struct {
			ID string `json:"message_id"`
		} `json:"message"`
	}
	_ = json.Unmarshal(update, &u)
	return u.Message.ID
}

// Redeliver queues again an update already handed out (Zalo has no
// offset, so an update may come twice). It reports whether the update was
// found.
func (s *Server) Redeliver(messageID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw, ok := s.sent[messageID]
	if !ok {
		return false
	}
	s.queue = append(s.queue, raw)
	s.notifyLocked()
	return true
}

// Deliveries returns how many times the update with messageID was handed
// out (by getUpdates or to the webhook).
func (s *Server) Deliveries(messageID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deliveries[messageID]
}

// Pending returns how many updates wait in the queue.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// GetUpdatesCalls returns how many getUpdates calls the server answered.
func (s *Server) GetUpdatesCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.getUpdates
}

// Waiting returns how many getUpdates long polls are waiting for an update.
func (s *Server) Waiting() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waiting
}

// Messages returns the messages the bot sent to chatID, oldest first.
func (s *Server) Messages(chatID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs[chatID]...)
}

// ChatActions returns the chat actions the bot sent to chatID.
func (s *Server) ChatActions(chatID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.actions[chatID]...)
}

// Webhook returns the webhook the bot set (zero when none).
func (s *Server) Webhook() WebhookInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook
}

// Failures returns every unsuccessful answer, oldest first (long-poll
// timeouts excepted).
func (s *Server) Failures() []Failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Failure(nil), s.failures...)
}

// Count429 returns how many 429 answers the server gave.
func (s *Server) Count429() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count429
}

// SetRateLimit makes sendMessage answer 429 when more than perChat
// messages go to one chat within window (0 turns the limit off).
func (s *Server) SetRateLimit(perChat int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.perChat, s.window = perChat, window
}

// Throttle makes the next n sendMessage calls answer 429 (retry after 1
// second).
func (s *Server) Throttle(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = n
}

// FailNext makes the next call of method answer with HTTP status status
// and {"ok":false,"error_code":code,"description":description}.
func (s *Server) FailNext(method string, status, code int, description string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext[method] = append(s.failNext[method], injected{status, code, description})
}

// PostWebhook posts update (a json.RawMessage, []byte, string or any value
// to marshal) to url as Zalo would, with secret in SecretHeader (no header
// when secret is ""), and returns the HTTP status.
func PostWebhook(url, secret string, update any) (int, error) {
	var body []byte
	switch u := update.(type) {
	case json.RawMessage:
		body = u
	case []byte:
		body = u
	case string:
		body = []byte(u)
	default:
		b, err := json.Marshal(u)
		if err != nil {
			return 0, err
		}
		body = b
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set(SecretHeader, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// pushWebhooks posts queued updates to the webhook while one is set.
func (s *Server) pushWebhooks() {
	defer s.wg.Done()
	client := &http.Client{Timeout: 10 * time.Second}
	for {
		s.mu.Lock()
		ch := s.changed
		hook := s.webhook
		var next json.RawMessage
		if hook.URL != "" && len(s.queue) > 0 {
			next = s.queue[0]
			s.queue = s.queue[1:]
			s.recordDeliveryLocked(next)
		}
		s.mu.Unlock()
		if next == nil {
			select {
			case <-s.stop:
				return
			case <-ch:
				continue
			}
		}
		code, err := post(client, hook, next)
		if err == nil && code/100 == 2 {
			continue
		}
		s.mu.Lock()
		s.queue = append([]json.RawMessage{next}, s.queue...)
		s.failures = append(s.failures, Failure{Method: "webhook", Code: code, Description: fmt.Sprint(err)})
		s.mu.Unlock()
		select {
		case <-s.stop:
			return
		case <-time.After(s.cfg.webhookRetry):
		}
	}
}

func post(client *http.Client, hook WebhookInfo, body json.RawMessage) (int, error) {
	req, err := http.NewRequest(http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SecretHeader, hook.Secret)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func (s *Server) recordDeliveryLocked(raw json.RawMessage) {
	if id := MessageID(raw); id != "" {
		s.sent[id] = raw
		s.deliveries[id]++
	}
}

// apiError is an unsuccessful answer.
type apiError struct {
	status      int
	code        int
	description string
	retryAfter  int
}

func errf(code int, format string, args ...any) *apiError {
	return &apiError{status: code, code: code, description: fmt.Sprintf(format, args...)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || token != s.cfg.token {
		s.answer(w, "", nil, errf(http.StatusUnauthorized, "Unauthorized"))
		return
	}
	if r.Method != http.MethodPost {
		s.answer(w, method, nil, errf(http.StatusMethodNotAllowed, "Method Not Allowed: use POST"))
		return
	}
	var params map[string]json.RawMessage
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil && len(bytes.TrimSpace(body)) > 0 {
		err = json.Unmarshal(body, &params)
	}
	if err != nil {
		s.answer(w, method, nil, errf(http.StatusBadRequest, "Bad Request: body is not a JSON object"))
		return
	}
	s.mu.Lock()
	if inj := s.failNext[method]; len(inj) > 0 {
		s.failNext[method] = inj[1:]
		s.mu.Unlock()
		s.answer(w, method, nil, &apiError{status: inj[0].status, code: inj[0].code, description: inj[0].description})
		return
	}
	s.mu.Unlock()
	var result any
	var aerr *apiError
	switch method {
	case "getMe":
		result = map[string]any{"id": s.cfg.botID, "account_name": s.cfg.botName, "account_type": "BASIC",
			"can_join_groups": s.cfg.canJoin}
	case "getUpdates":
		s.getUpdatesCall(w, r, params)
		return
	case "setWebhook":
		result, aerr = s.setWebhook(params)
	case "deleteWebhook":
		s.mu.Lock()
		s.webhook = WebhookInfo{UpdatedAt: time.Now()}
		result = map[string]any{"url": "", "updated_at": s.webhook.UpdatedAt.UnixMilli()}
		s.notifyLocked()
		s.mu.Unlock()
	case "getWebhookInfo":
		s.mu.Lock()
		result = map[string]any{"url": s.webhook.URL, "updated_at": s.webhook.UpdatedAt.UnixMilli()}
		s.mu.Unlock()
	case "sendMessage":
		result, aerr = s.sendMessage(params)
	case "sendChatAction":
		aerr = s.sendChatAction(params)
	case "sendPhoto", "sendSticker":
		aerr = errf(http.StatusNotImplemented, "Not Implemented: %s is not faked", method)
	default:
		aerr = errf(http.StatusNotFound, "Not Found: no method %q", method)
	}
	s.answer(w, method, result, aerr)
}

// answer writes the envelope and records failures.
func (s *Server) answer(w http.ResponseWriter, method string, result any, aerr *apiError) {
	w.Header().Set("Content-Type", "application/json")
	if aerr == nil {
		env := map[string]any{"ok": true}
		if result != nil {
			env["result"] = result
		}
		_ = json.NewEncoder(w).Encode(env)
		return
	}
	s.mu.Lock()
	if aerr.code != http.StatusRequestTimeout {
		s.failures = append(s.failures, Failure{Method: method, Code: aerr.code, Description: aerr.description})
	}
	if aerr.code == http.StatusTooManyRequests {
		s.count429++
	}
	s.mu.Unlock()
	if aerr.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(aerr.retryAfter))
	}
	w.WriteHeader(aerr.status)
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error_code": aerr.code, "description": aerr.description})
}

// str reads a string parameter that may also be sent as a number.
func str(params map[string]json.RawMessage, key string) (string, bool) {
	raw, ok := params[key]
	if !ok {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, true
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), true
	}
	return "", false
}

func (s *Server) getUpdatesCall(w http.ResponseWriter, r *http.Request, params map[string]json.RawMessage) {
	timeout := 30 * time.Second
	if v, ok := str(params, "timeout"); ok {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 0 {
			s.answer(w, "getUpdates", nil, errf(http.StatusBadRequest, "Bad Request: invalid timeout"))
			return
		}
		timeout = time.Duration(n * float64(time.Second))
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if s.webhook.URL != "" {
			s.mu.Unlock()
			s.answer(w, "getUpdates", nil, errf(http.StatusConflict, "Conflict: webhook is active, call deleteWebhook first"))
			return
		}
		if len(s.queue) > 0 {
			var result any
			if s.cfg.array {
				all := s.queue
				s.queue = nil
				for _, u := range all {
					s.recordDeliveryLocked(u)
				}
				result = all
			} else {
				u := s.queue[0]
				s.queue = s.queue[1:]
				s.recordDeliveryLocked(u)
				result = u
			}
			s.getUpdates++
			s.notifyLocked()
			s.mu.Unlock()
			s.answer(w, "getUpdates", result, nil)
			return
		}
		ch, closed := s.changed, s.closed
		if !closed {
			s.waiting++ // seen by WaitFor's ticker; notifying would wake other polls in a loop
		}
		s.mu.Unlock()
		if closed {
			s.answer(w, "getUpdates", nil, errf(http.StatusServiceUnavailable, "Service Unavailable: shutting down"))
			return
		}
		var timedOut, gone bool
		select {
		case <-ch:
		case <-r.Context().Done():
			gone = true
		case <-timer.C:
			timedOut = true
		}
		s.mu.Lock()
		s.waiting--
		if timedOut {
			s.getUpdates++
		}
		s.mu.Unlock()
		switch {
		case gone:
			return
		case timedOut:
			// As the real service does: HTTP 200 with error_code 408.
			s.answer(w, "getUpdates", nil, &apiError{status: http.StatusOK, code: http.StatusRequestTimeout,
				description: "Request timeout"})
			return
		}
	}
}

func (s *Server) setWebhook(params map[string]json.RawMessage) (any, *apiError) {
	raw, _ := str(params, "url")
	secret, _ := str(params, "secret_token")
	u, err := url.Parse(raw)
	switch {
	case raw == "" || err != nil || u.Host == "":
		return nil, errf(http.StatusBadRequest, "Bad Request: url is required")
	case u.Scheme != "https" && !(u.Scheme == "http" && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost")):
		return nil, errf(http.StatusBadRequest, "Bad Request: url must be HTTPS")
	case len(secret) < 8 || len(secret) > 256:
		return nil, errf(http.StatusBadRequest, "Bad Request: secret_token must be 8 to 256 characters")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhook = WebhookInfo{URL: raw, Secret: secret, UpdatedAt: time.Now()}
	s.notifyLocked()
	return map[string]any{"url": raw, "updated_at": s.webhook.UpdatedAt.UnixMilli()}, nil
}

// utf16Len counts UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func (s *Server) sendMessage(params map[string]json.RawMessage) (any, *apiError) {
	chatID, _ := str(params, "chat_id")
	text, _ := str(params, "text")
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.rateLimitLocked(chatID); e != nil {
		return nil, e
	}
	if e := s.checkChatLocked(chatID); e != nil {
		return nil, e
	}
	switch {
	case text == "":
		return nil, errf(http.StatusBadRequest, "Bad Request: text is required")
	case !utf8.ValidString(text):
		return nil, errf(http.StatusBadRequest, "Bad Request: text is not valid UTF-8")
	case utf16Len(text) > MaxMessageLen:
		return nil, errf(http.StatusBadRequest, "Bad Request: text is too long (%d characters, at most %d)", utf16Len(text), MaxMessageLen)
	}
	s.nextID++
	m := Message{ID: fmt.Sprintf("%020x", 0xb0700000000+s.nextID), ChatID: chatID, Text: text, Date: time.Now()}
	s.msgs[chatID] = append(s.msgs[chatID], m)
	s.notifyLocked()
	return map[string]any{"message_id": m.ID, "date": m.Date.UnixMilli()}, nil
}

func (s *Server) checkChatLocked(chatID string) *apiError {
	switch {
	case chatID == "":
		return errf(http.StatusBadRequest, "Bad Request: chat_id is required")
	case s.blocked[chatID]:
		return errf(http.StatusForbidden, "Forbidden: the user has blocked the bot")
	}
	if _, ok := s.chats[chatID]; !ok {
		return errf(http.StatusBadRequest, "Bad Request: chat not found")
	}
	return nil
}

func (s *Server) rateLimitLocked(chatID string) *apiError {
	if s.throttle > 0 {
		s.throttle--
		return &apiError{status: http.StatusTooManyRequests, code: http.StatusTooManyRequests,
			description: "Too Many Requests: retry after 1", retryAfter: 1}
	}
	if s.perChat <= 0 {
		return nil
	}
	now := time.Now()
	var recent []time.Time
	for _, t := range s.sendTimes[chatID] {
		if now.Sub(t) < s.window {
			recent = append(recent, t)
		}
	}
	if len(recent) >= s.perChat {
		s.sendTimes[chatID] = recent
		wait := int((s.window-now.Sub(recent[0]))/time.Second) + 1
		return &apiError{status: http.StatusTooManyRequests, code: http.StatusTooManyRequests,
			description: fmt.Sprintf("Too Many Requests: retry after %d", wait), retryAfter: wait}
	}
	s.sendTimes[chatID] = append(recent, now)
	return nil
}

func (s *Server) sendChatAction(params map[string]json.RawMessage) *apiError {
	chatID, _ := str(params, "chat_id")
	action, _ := str(params, "action")
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.checkChatLocked(chatID); e != nil {
		return e
	}
	if action != "typing" && action != "upload_photo" {
		return errf(http.StatusBadRequest, "Bad Request: unknown action %q", action)
	}
	s.actions[chatID] = append(s.actions[chatID], action)
	s.notifyLocked()
	return nil
}
