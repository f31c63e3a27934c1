// Package telegramtest is a loopback Telegram Bot API server for tests. It
// speaks the API as documented — URLs /bot<token>/<method>, JSON,
// urlencoded and multipart requests, {"ok":…} envelopes with error_code,
// description and parameters — and keeps the state a bot can observe:
// chats, messages and their edits, callback queries, commands, forum
// topics, webhooks and the update queue. It enforces what the real API
// enforces where bots usually get it wrong: MarkdownV2 escaping, the 4096
// character limit, 64-byte callback data, unknown and blocked chats,
// group→supergroup migration and (when configured) rate limits.
//
// Tests script users with SendText and PressButton, change the world with
// Migrate and Block, and inspect the result with Messages, Edits,
// CallbackAnswers, Commands and Count429.
package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Chat types, as the API names them.
const (
	Private    = "private"
	Group      = "group"
	Supergroup = "supergroup"
	Channel    = "channel"
)

// MaxMessageLen is the longest message text, in characters after entity
// parsing. The fake counts Unicode code points.
const MaxMessageLen = 4096

// Chat is a chat the fake knows.
type Chat struct {
	ID       int64
	Type     string // Private, Group, Supergroup or Channel
	Title    string // groups; private chats use the user's name
	Username string
	IsForum  bool
}

// Button is one inline keyboard button.
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// Document is a file sent with sendDocument.
type Document struct {
	FileID   string
	FileName string
	Data     []byte
	Caption  string
}

// Message is a message in a chat as the fake holds it: its current text
// after edits.
type Message struct {
	ID        int
	ChatID    int64
	Thread    int    // message_thread_id (forum topic), 0 = none
	From      int64  // sender's user id (the bot's id for bot messages)
	FromBot   bool   // sent by the bot under test
	Text      string // the text users see: entities parsed, trimmed
	Raw       string // the text as the bot sent it
	ParseMode string
	Entities  []Entity
	Buttons   [][]Button
	ReplyTo   int // message_id this one replies to, 0 = none
	Edits     int // times edited
	Document  *Document
	Service   string // service message kind ("forum_topic_created", "migrate_to_chat_id", …), "" = ordinary
	Date      int64
	At        time.Time // when the server took it (Date to the nanosecond)
}

// Edit is one successful editMessageText.
type Edit struct {
	ChatID    int64
	MessageID int
	Text      string // as users see it
	Raw       string
	Buttons   [][]Button
}

// CallbackAnswer is one answerCallbackQuery.
type CallbackAnswer struct {
	QueryID   string
	Text      string
	ShowAlert bool
}

// BotCommand is one command of a setMyCommands list.
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// CommandSet is the command list set for one scope and language.
type CommandSet struct {
	Scope        string // scope type: "default", "all_private_chats", …
	LanguageCode string // "" = all languages
	Commands     []BotCommand
}

// WebhookInfo is the webhook the bot set.
type WebhookInfo struct {
	URL            string
	SecretToken    string
	AllowedUpdates []string
	MaxConnections int // 0 = not given (Telegram's default is 40)
}

// Option configures a Server.
type Option func(*config)

type config struct {
	token      string
	botID      int64
	botName    string
	perChat    int
	window     time.Duration
	global     int
	retryDelay time.Duration
	telegram   bool // Telegram's documented limits
}

// WithToken sets the bot token the server accepts (default
// "123456:TEST-fake-token-for-telegramtest").
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithBot sets the bot's user id and username (default 123456, "IrBot").
func WithBot(id int64, username string) Option {
	return func(c *config) { c.botID, c.botName = id, username }
}

// WithRateLimit makes the server answer 429 with retry_after when the bot
// sends (sendMessage, editMessageText, sendDocument) more than perChat
// messages to one chat within window, or more than globalPerSecond
// messages in any second over all chats. Zero disables a limit.
func WithRateLimit(perChat int, window time.Duration, globalPerSecond int) Option {
	return func(c *config) { c.perChat, c.window, c.global = perChat, window, globalPerSecond }
}

// WithTelegramLimits makes the server enforce Telegram's documented
// limits as sliding windows, answering 429 with retry_after past them: one
// message a second to any chat, 20 a minute to a group, 30 a second over
// all chats.
func WithTelegramLimits() Option { return func(c *config) { c.telegram = true } }

// WithWebhookRetry sets the pause before the server re-posts an update its
// webhook refused (default 50ms; the real API backs off much longer).
func WithWebhookRetry(d time.Duration) Option { return func(c *config) { c.retryDelay = d } }

type fchat struct {
	Chat
	msgs       []*Message
	byID       map[int]*Message
	nextMsg    int
	migratedTo int64
	blocked    bool
	topics     map[int]string
	sends      []time.Time
}

type queued struct {
	id  int64
	raw json.RawMessage
}

type user struct {
	first, last, username string
}

type failure struct {
	code   int
	desc   string
	params map[string]any
}

// Server is the fake Bot API. Its methods are safe for concurrent use.
type Server struct {
	t   testing.TB
	cfg config
	srv *httptest.Server

	closed chan struct{}
	wg     sync.WaitGroup

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced on every change
	queue      []queued
	nextUpdate int64
	deliveries map[int64]int
	pollGen    int64
	chats      map[int64]*fchat
	users      map[int64]user
	edits      []Edit
	answers    []CallbackAnswer
	pendingCQ  map[string]bool
	nextCQ     int
	commands   map[[2]string][]BotCommand
	count429   int
	global     []time.Time
	requests   map[string]int
	webhook    *WebhookInfo
	hookGen    int
	failNext   map[string][]failure
	nextFile   int
	failures   []Failure
	pinned     map[int64]int
}

// Failure is one unsuccessful API answer the server gave.
type Failure struct {
	Method      string
	Code        int
	Description string
}

// New starts a fake Bot API on 127.0.0.1, closed when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{token: "123456:TEST-fake-token-for-telegramtest", botID: 123456, botName: "IrBot",
		retryDelay: 50 * time.Millisecond}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{t: t, cfg: cfg, closed: make(chan struct{}), changed: make(chan struct{}),
		nextUpdate: 1, deliveries: map[int64]int{}, chats: map[int64]*fchat{}, users: map[int64]user{},
		pendingCQ: map[string]bool{}, commands: map[[2]string][]BotCommand{}, requests: map[string]int{},
		failNext: map[string][]failure{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Close stops the server; pending long polls return at once.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.closed:
		s.mu.Unlock()
		return
	default:
	}
	close(s.closed)
	s.mu.Unlock()
	s.wg.Wait()
	s.srv.Close()
}

// URL returns the API base URL, e.g. http://127.0.0.1:4711 (requests go
// to URL()+"/bot"+Token()+"/"+method).
func (s *Server) URL() string { return s.srv.URL }

// Token returns the bot token the server accepts.
func (s *Server) Token() string { return s.cfg.token }

// BotID returns the bot's user id.
func (s *Server) BotID() int64 { return s.cfg.botID }

// BotUsername returns the bot's username.
func (s *Server) BotUsername() string { return s.cfg.botName }

// notify wakes everyone waiting for a change. Call with s.mu held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// WaitFor calls cond until it returns true or timeout passes, waking on
// every change of the server's state; it reports whether cond held. cond
// may call the server's inspection methods.
func (s *Server) WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return cond()
		case <-s.closed:
			return cond()
		}
	}
}

// WaitMessage waits up to timeout for a bot message in chatID that match
// accepts (checked against current texts, so edits count) and returns it.
func (s *Server) WaitMessage(chatID int64, timeout time.Duration, match func(Message) bool) (Message, bool) {
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

// ---- scripting ----

// defaultType guesses a chat's type from its id the way Telegram numbers
// them: positive ids are users, -100… are supergroups and channels, other
// negative ids basic groups.
func defaultType(id int64) string {
	switch {
	case id > 0:
		return Private
	case id <= -1000000000000:
		return Supergroup
	default:
		return Group
	}
}

// AddChat makes a chat known to the server (the bot is a member). Chats
// that users write in with SendText are added on the fly.
func (s *Server) AddChat(c Chat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addChatLocked(c)
}

func (s *Server) addChatLocked(c Chat) *fchat {
	if c.Type == "" {
		c.Type = defaultType(c.ID)
	}
	if c.Title == "" && c.Type != Private {
		c.Title = fmt.Sprintf("Chat %d", c.ID)
	}
	if fc, ok := s.chats[c.ID]; ok {
		fc.Chat = c
		return fc
	}
	fc := &fchat{Chat: c, byID: map[int]*Message{}, nextMsg: 1, topics: map[int]string{}}
	s.chats[c.ID] = fc
	s.notify()
	return fc
}

func (s *Server) chatLocked(id int64) *fchat {
	if fc, ok := s.chats[id]; ok {
		return fc
	}
	return s.addChatLocked(Chat{ID: id})
}

// AddUser sets a user's name (default first name "User<id>").
func (s *Server) AddUser(id int64, first, last, username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[id] = user{first: first, last: last, username: username}
}

func (s *Server) userJSON(id int64) map[string]any {
	u, ok := s.users[id]
	if !ok {
		u.first = fmt.Sprintf("User%d", id)
	}
	m := map[string]any{"id": id, "is_bot": false, "first_name": u.first}
	if u.last != "" {
		m["last_name"] = u.last
	}
	if u.username != "" {
		m["username"] = u.username
	}
	return m
}

func (s *Server) botJSON() map[string]any {
	return map[string]any{"id": s.cfg.botID, "is_bot": true, "first_name": s.cfg.botName, "username": s.cfg.botName}
}

func (s *Server) chatJSON(fc *fchat) map[string]any {
	m := map[string]any{"id": fc.ID, "type": fc.Type}
	if fc.Type == Private {
		u := s.userJSON(fc.ID)
		m["first_name"] = u["first_name"]
		if l, ok := u["last_name"]; ok {
			m["last_name"] = l
		}
	} else {
		m["title"] = fc.Title
	}
	if fc.Username != "" {
		m["username"] = fc.Username
	}
	if fc.IsForum {
		m["is_forum"] = true
	}
	return m
}

func (s *Server) messageJSON(fc *fchat, m *Message) map[string]any {
	j := map[string]any{"message_id": m.ID, "date": m.Date, "chat": s.chatJSON(fc)}
	if m.FromBot {
		j["from"] = s.botJSON()
	} else if m.From != 0 {
		j["from"] = s.userJSON(m.From)
	}
	if m.Thread != 0 {
		j["message_thread_id"] = m.Thread
		if fc.IsForum {
			j["is_topic_message"] = true
		}
	}
	if m.Document != nil {
		j["document"] = map[string]any{"file_id": m.Document.FileID, "file_unique_id": "u" + m.Document.FileID,
			"file_name": m.Document.FileName, "file_size": len(m.Document.Data)}
		if m.Text != "" {
			j["caption"] = m.Text
		}
	} else if m.Text != "" {
		j["text"] = m.Text
	}
	if len(m.Entities) > 0 {
		key := "entities"
		if m.Document != nil {
			key = "caption_entities"
		}
		j[key] = m.Entities
	}
	if len(m.Buttons) > 0 {
		j["reply_markup"] = map[string]any{"inline_keyboard": m.Buttons}
	}
	if m.ReplyTo != 0 {
		if r, ok := fc.byID[m.ReplyTo]; ok {
			j["reply_to_message"] = s.messageJSON(fc, &Message{ID: r.ID, Date: r.Date, From: r.From, FromBot: r.FromBot, Text: r.Text, Thread: r.Thread})
		}
	}
	return j
}

func (s *Server) addMessageLocked(fc *fchat, m *Message) *Message {
	m.ID = fc.nextMsg
	fc.nextMsg++
	m.ChatID = fc.ID
	m.At = time.Now()
	m.Date = m.At.Unix()
	fc.msgs = append(fc.msgs, m)
	fc.byID[m.ID] = m
	return m
}

func (s *Server) enqueueLocked(id int64, raw json.RawMessage) int64 {
	if id == 0 {
		id = s.nextUpdate
	}
	if id >= s.nextUpdate {
		s.nextUpdate = id + 1
	}
	s.queue = append(s.queue, queued{id: id, raw: raw})
	s.notify()
	return id
}

func (s *Server) pushLocked(u map[string]any) int64 {
	id := s.nextUpdate
	u["update_id"] = id
	raw, err := json.Marshal(u)
	if err != nil {
		panic(err)
	}
	return s.enqueueLocked(id, raw)
}

// PushUpdate queues an update for getUpdates (or the webhook) and returns
// its update_id. u is anything that marshals to an Update object (a
// models.Update, a map, json.RawMessage, []byte or a JSON string); an
// update_id it lacks is assigned. Pushing an update_id again queues the
// same update twice, as a re-delivery.
func (s *Server) PushUpdate(u any) int64 {
	ids := s.PushUpdates(u)
	return ids[0]
}

// PushUpdates queues several updates at once (a getUpdates call sees all
// or none of them) and returns their update_ids.
func (s *Server) PushUpdates(us ...any) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int64
	for _, u := range us {
		var raw []byte
		switch v := u.(type) {
		case json.RawMessage:
			raw = v
		case []byte:
			raw = v
		case string:
			raw = []byte(v)
		default:
			var err error
			if raw, err = json.Marshal(v); err != nil {
				s.t.Errorf("telegramtest: PushUpdate: %v", err)
				return nil
			}
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			s.t.Errorf("telegramtest: PushUpdate: not an object: %v", err)
			return nil
		}
		var id int64
		if v, ok := obj["update_id"]; ok {
			json.Unmarshal(v, &id)
		}
		if id == 0 {
			id = s.nextUpdate
			obj["update_id"], _ = json.Marshal(id)
			raw, _ = json.Marshal(obj)
		}
		ids = append(ids, s.enqueueLocked(id, append(json.RawMessage(nil), raw...)))
	}
	return ids
}

var commandWord = regexp.MustCompile(`^/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?`)

// SendText makes user userID write text in chat chatID and queues the
// message update; it returns the message's id.
func (s *Server) SendText(chatID, userID int64, text string) int {
	return s.SendTextInTopic(chatID, 0, userID, text)
}

// SendTextInTopic is SendText in a forum topic (thread 0 = General).
func (s *Server) SendTextInTopic(chatID int64, thread int, userID int64, text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	fc := s.chatLocked(chatID)
	m := s.addMessageLocked(fc, &Message{From: userID, Text: text, Raw: text, Thread: thread})
	if loc := commandWord.FindStringIndex(text); loc != nil {
		m.Entities = []Entity{{Type: "bot_command", Offset: 0, Length: UTF16Len(text[:loc[1]])}}
	}
	s.pushLocked(map[string]any{"message": s.messageJSON(fc, m)})
	return m.ID
}

// PressButton makes user userID tap the inline button with callback data
// data under message messageID in chat chatID: it queues a callback_query
// update and returns the query's id. The bot should answer it with
// answerCallbackQuery.
func (s *Server) PressButton(chatID, userID int64, messageID int, data string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	fc := s.chatLocked(chatID)
	s.nextCQ++
	id := fmt.Sprintf("cq%d", s.nextCQ)
	cq := map[string]any{"id": id, "from": s.userJSON(userID), "chat_instance": fmt.Sprintf("ci%d", chatID), "data": data}
	if m, ok := fc.byID[messageID]; ok {
		cq["message"] = s.messageJSON(fc, m)
	} else {
		// An inaccessible message: date 0.
		cq["message"] = map[string]any{"chat": s.chatJSON(fc), "message_id": messageID, "date": 0}
	}
	s.pendingCQ[id] = true
	s.pushLocked(map[string]any{"callback_query": cq})
	return id
}

// PressButtonLabeled taps the button whose text is label under message
// messageID, failing the test if there is none; it returns the query id.
func (s *Server) PressButtonLabeled(chatID, userID int64, messageID int, label string) string {
	s.t.Helper()
	for _, m := range s.History(chatID) {
		if m.ID != messageID {
			continue
		}
		for _, row := range m.Buttons {
			for _, b := range row {
				if b.Text == label {
					return s.PressButton(chatID, userID, messageID, b.CallbackData)
				}
			}
		}
	}
	s.t.Fatalf("telegramtest: no button %q under message %d in chat %d", label, messageID, chatID)
	return ""
}

// Migrate upgrades group oldID to supergroup newID as Telegram does: later
// requests for oldID fail with 400 and parameters.migrate_to_chat_id, and
// the two service messages (migrate_to_chat_id in the old chat,
// migrate_from_chat_id in the new one) are queued as updates.
func (s *Server) Migrate(oldID, newID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.chatLocked(oldID)
	nc := s.addChatLocked(Chat{ID: newID, Type: Supergroup, Title: old.Title})
	old.migratedTo = newID
	m1 := s.addMessageLocked(old, &Message{Service: "migrate_to_chat_id"})
	j1 := s.messageJSON(old, m1)
	j1["migrate_to_chat_id"] = newID
	s.pushLocked(map[string]any{"message": j1})
	m2 := s.addMessageLocked(nc, &Message{Service: "migrate_from_chat_id"})
	j2 := s.messageJSON(nc, m2)
	j2["migrate_from_chat_id"] = oldID
	s.pushLocked(map[string]any{"message": j2})
}

// Block makes chatID refuse the bot: sends fail with 403 "Forbidden: bot
// was blocked by the user".
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatLocked(chatID).blocked = true
}

// Unblock undoes Block.
func (s *Server) Unblock(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatLocked(chatID).blocked = false
}

// FailNext makes the next call of method fail with the given error code,
// description and parameters (e.g. 502 "Bad Gateway", or 429 with
// {"retry_after": 3}); calls queue up.
func (s *Server) FailNext(method string, code int, description string, params map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	method = strings.ToLower(method)
	s.failNext[method] = append(s.failNext[method], failure{code: code, desc: description, params: params})
}

// ---- inspection ----

func copyMessage(m *Message) Message {
	c := *m
	c.Entities = append([]Entity(nil), m.Entities...)
	c.Buttons = nil
	for _, row := range m.Buttons {
		c.Buttons = append(c.Buttons, append([]Button(nil), row...))
	}
	return c
}

// Messages returns the bot's messages in chatID, oldest first, each with
// its current text (after edits). Service messages are left out.
func (s *Server) Messages(chatID int64) []Message {
	var out []Message
	for _, m := range s.History(chatID) {
		if m.FromBot && m.Service == "" {
			out = append(out, m)
		}
	}
	return out
}

// History returns every message in chatID, the users' and service
// messages included, oldest first.
func (s *Server) History(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	fc, ok := s.chats[chatID]
	if !ok {
		return nil
	}
	out := make([]Message, 0, len(fc.msgs))
	for _, m := range fc.msgs {
		out = append(out, copyMessage(m))
	}
	return out
}

// Failures returns every error the API answered (scripted ones from
// FailNext excluded), in order.
func (s *Server) Failures() []Failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Failure(nil), s.failures...)
}

// Edits returns every successful editMessageText, in order.
func (s *Server) Edits() []Edit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Edit(nil), s.edits...)
}

// CallbackAnswers returns every answerCallbackQuery, in order.
func (s *Server) CallbackAnswers() []CallbackAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CallbackAnswer(nil), s.answers...)
}

// Commands returns the command lists set with setMyCommands, ordered by
// scope and language.
func (s *Server) Commands() []CommandSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CommandSet
	for k, v := range s.commands {
		out = append(out, CommandSet{Scope: k[0], LanguageCode: k[1], Commands: append([]BotCommand(nil), v...)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Scope != out[j].Scope {
			return out[i].Scope < out[j].Scope
		}
		return out[i].LanguageCode < out[j].LanguageCode
	})
	return out
}

// CommandsFor returns the list set for scope type (e.g. "default") and
// language code ("" = all languages).
func (s *Server) CommandsFor(scope, lang string) []BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]BotCommand(nil), s.commands[[2]string{scope, lang}]...)
}

// Count429 returns how many requests were answered 429 Too Many Requests.
func (s *Server) Count429() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count429
}

// Requests returns how many calls of method the server received.
func (s *Server) Requests(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[strings.ToLower(method)]
}

// Deliveries returns how many times update id was handed to the bot
// (by getUpdates or the webhook).
func (s *Server) Deliveries(id int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deliveries[id]
}

// Pending returns how many updates are queued and not yet confirmed.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Topics returns the forum topics created in chatID, by message_thread_id.
func (s *Server) Topics(chatID int64) map[int]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int]string{}
	if fc, ok := s.chats[chatID]; ok {
		for k, v := range fc.topics {
			out[k] = v
		}
	}
	return out
}

// Webhook returns the webhook set with setWebhook, or nil.
func (s *Server) Webhook() *WebhookInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook == nil {
		return nil
	}
	w := *s.webhook
	return &w
}

// ---- the API ----

// apiError is an unsuccessful API answer.
type apiError struct {
	code   int
	desc   string
	params map[string]any
}

func (e *apiError) Error() string { return e.desc }

func badRequest(format string, args ...any) *apiError {
	return &apiError{code: 400, desc: "Bad Request: " + fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"ok": false, "error_code": e.code, "description": e.desc}
	if len(e.params) > 0 {
		body["parameters"] = e.params
	}
	writeJSON(w, e.code, body)
}

// params are a request's parameters, from the query string and a JSON,
// urlencoded or multipart body.
type params struct {
	vals  map[string]string
	files map[string]fileUpload
}

type fileUpload struct {
	name string
	data []byte
}

func (p params) str(k string) string { return p.vals[k] }

func (p params) has(k string) bool { _, ok := p.vals[k]; return ok }

func (p params) int(k string) (int64, error) {
	v := strings.TrimSpace(p.vals[k])
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, badRequest("invalid %s specified", k)
	}
	return n, nil
}

func (p params) bool(k string) bool {
	v := strings.TrimSpace(p.vals[k])
	return v == "true" || v == "1" || v == "True"
}

func (p params) json(k string, dst any) error {
	v := strings.TrimSpace(p.vals[k])
	if v == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(v), dst); err != nil {
		return badRequest("can't parse %s JSON object", k)
	}
	return nil
}

func parseParams(r *http.Request) (params, error) {
	p := params{vals: map[string]string{}, files: map[string]fileUpload{}}
	for k, v := range r.URL.Query() {
		p.vals[k] = v[0]
	}
	if r.Method != http.MethodPost {
		return p, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		return p, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return p, nil // a method without parameters (clients may still send a multipart type)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return p, badRequest("invalid JSON body")
		}
		for k, raw := range obj {
			var s string
			if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
				p.vals[k] = s
			} else if string(raw) != "null" {
				p.vals[k] = string(raw)
			}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return p, err
		}
		for k, v := range r.PostForm {
			p.vals[k] = v[0]
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(64 << 20); err != nil {
			return p, err
		}
		for k, v := range r.MultipartForm.Value {
			p.vals[k] = v[0]
		}
		for k, fhs := range r.MultipartForm.File {
			f, err := fhs[0].Open()
			if err != nil {
				return p, err
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return p, err
			}
			p.files[k] = fileUpload{name: fhs[0].Filename, data: data}
		}
	}
	return p, nil
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	if !ok {
		writeErr(w, &apiError{code: 404, desc: "Not Found"})
		return
	}
	token, method, _ := strings.Cut(rest, "/")
	if token != s.cfg.token {
		writeErr(w, &apiError{code: 401, desc: "Unauthorized"})
		return
	}
	lm := strings.ToLower(method)
	s.mu.Lock()
	s.requests[lm]++
	var injected *failure
	if q := s.failNext[lm]; len(q) > 0 {
		injected = &q[0]
		s.failNext[lm] = q[1:]
		if injected.code == 429 {
			s.count429++
		}
	}
	s.mu.Unlock()
	if injected != nil {
		writeErr(w, &apiError{code: injected.code, desc: injected.desc, params: injected.params})
		return
	}
	p, err := parseParams(r)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = badRequest("%v", err)
		}
		writeErr(w, ae)
		return
	}
	var result any
	switch lm {
	case "getme":
		result = s.botJSON()
	case "getupdates":
		result, err = s.getUpdates(r.Context(), p)
	case "sendmessage":
		result, err = s.sendMessage(p)
	case "editmessagetext":
		result, err = s.editMessageText(p)
	case "answercallbackquery":
		result, err = s.answerCallbackQuery(p)
	case "setmycommands":
		result, err = s.setMyCommands(p)
	case "deletewebhook":
		result, err = s.deleteWebhook(p)
	case "setwebhook":
		result, err = s.setWebhook(p)
	case "getwebhookinfo":
		result = s.webhookInfo()
	case "createforumtopic":
		result, err = s.createForumTopic(p)
	case "senddocument":
		result, err = s.sendDocument(p)
	case "pinchatmessage":
		result, err = s.pinChatMessage(p)
	default:
		err = &apiError{code: 404, desc: "Not Found"}
	}
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = &apiError{code: 500, desc: "Internal Server Error: " + err.Error()}
		}
		if r.Context().Err() == nil {
			s.mu.Lock()
			s.failures = append(s.failures, Failure{Method: method, Code: ae.code, Description: ae.desc})
			s.mu.Unlock()
		}
		writeErr(w, ae)
		return
	}
	writeJSON(w, 200, map[string]any{"ok": true, "result": result})
}

func (s *Server) getUpdates(ctx context.Context, p params) (any, error) {
	offset, err := p.int("offset")
	if err != nil {
		return nil, err
	}
	limit, err := p.int("limit")
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, err := p.int("timeout")
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(time.Duration(timeout) * time.Second)
	s.mu.Lock()
	s.pollGen++
	gen := s.pollGen
	s.notify() // a waiting poll is terminated by this one
	s.mu.Unlock()
	for {
		s.mu.Lock()
		if s.webhook != nil {
			s.mu.Unlock()
			return nil, &apiError{code: 409, desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
		}
		if s.pollGen != gen {
			s.mu.Unlock()
			return nil, &apiError{code: 409, desc: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
		}
		switch {
		case offset > 0:
			kept := s.queue[:0]
			for _, q := range s.queue {
				if q.id >= offset {
					kept = append(kept, q)
				}
			}
			s.queue = kept
		case offset < 0 && int64(len(s.queue)) > -offset:
			s.queue = s.queue[int64(len(s.queue))+offset:]
		}
		var out []json.RawMessage
		for _, q := range s.queue {
			if int64(len(out)) == limit {
				break
			}
			out = append(out, q.raw)
			s.deliveries[q.id]++
		}
		ch := s.changed
		s.mu.Unlock()
		wait := time.Until(deadline)
		if len(out) > 0 || wait <= 0 {
			if out == nil {
				out = []json.RawMessage{}
			}
			return out, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ch:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-s.closed:
			t.Stop()
			return []json.RawMessage{}, nil
		}
		t.Stop()
	}
}

// target resolves chat_id to a chat the bot may write in.
func (s *Server) targetLocked(p params) (*fchat, error) {
	v := strings.TrimSpace(p.str("chat_id"))
	if v == "" {
		return nil, badRequest("chat_id is empty")
	}
	var fc *fchat
	if strings.HasPrefix(v, "@") {
		for _, c := range s.chats {
			if c.Username != "" && strings.EqualFold("@"+c.Username, v) {
				fc = c
			}
		}
	} else {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, badRequest("chat not found")
		}
		fc = s.chats[id]
	}
	if fc == nil {
		return nil, badRequest("chat not found")
	}
	if fc.migratedTo != 0 {
		return nil, &apiError{code: 400, desc: "Bad Request: group chat was upgraded to a supergroup chat",
			params: map[string]any{"migrate_to_chat_id": fc.migratedTo}}
	}
	if fc.blocked {
		if fc.Type == Private {
			return nil, &apiError{code: 403, desc: "Forbidden: bot was blocked by the user"}
		}
		return nil, &apiError{code: 403, desc: "Forbidden: bot was kicked from the group chat"}
	}
	return fc, nil
}

// rateLocked applies the configured rate limits to one more message to fc.
func (s *Server) rateLocked(fc *fchat) error {
	now := time.Now()
	prune := func(ts []time.Time, window time.Duration) []time.Time {
		i := 0
		for i < len(ts) && now.Sub(ts[i]) >= window {
			i++
		}
		return ts[i:]
	}
	retry := func(oldest time.Time, window time.Duration) error {
		s.count429++
		after := int(math.Ceil(oldest.Add(window).Sub(now).Seconds()))
		return &apiError{code: 429, desc: fmt.Sprintf("Too Many Requests: retry after %d", max(after, 1)),
			params: map[string]any{"retry_after": max(after, 1)}}
	}
	if s.cfg.telegram {
		fc.sends = prune(fc.sends, time.Minute)
		if second := prune(fc.sends, time.Second); len(second) >= 1 {
			return retry(second[0], time.Second)
		}
		if fc.Type != Private && len(fc.sends) >= 20 {
			return retry(fc.sends[0], time.Minute)
		}
		s.global = prune(s.global, time.Second)
		if len(s.global) >= 30 {
			return retry(s.global[0], time.Second)
		}
		fc.sends = append(fc.sends, now)
		s.global = append(s.global, now)
		return nil
	}
	if s.cfg.perChat > 0 {
		fc.sends = prune(fc.sends, s.cfg.window)
		if len(fc.sends) >= s.cfg.perChat {
			return retry(fc.sends[0], s.cfg.window)
		}
	}
	if s.cfg.global > 0 {
		s.global = prune(s.global, time.Second)
		if len(s.global) >= s.cfg.global {
			return retry(s.global[0], time.Second)
		}
	}
	if s.cfg.perChat > 0 {
		fc.sends = append(fc.sends, now)
	}
	if s.cfg.global > 0 {
		s.global = append(s.global, now)
	}
	return nil
}

// formatText parses text in parse mode as the API does and checks its
// length: it returns what users see and the entities.
func formatText(text, mode string, maxLen int, tooLong string) (string, []Entity, error) {
	var plain string
	var ents []Entity
	switch mode {
	case "":
		plain = text
	case "MarkdownV2":
		var err error
		if plain, ents, err = ParseMarkdownV2(text); err != nil {
			return "", nil, badRequest("can't parse entities: %v", err)
		}
	case "HTML", "Markdown":
		plain = text // accepted, not parsed by the fake
	default:
		return "", nil, badRequest("unsupported parse_mode")
	}
	trimmed := strings.TrimLeft(plain, " \t\n\r")
	if cut := UTF16Len(plain) - UTF16Len(trimmed); cut > 0 {
		for i := range ents {
			ents[i].Offset = max(ents[i].Offset-cut, 0)
		}
	}
	plain = strings.TrimRight(trimmed, " \t\n\r")
	if utf8.RuneCountInString(plain) > maxLen {
		return "", nil, badRequest("%s", tooLong)
	}
	return plain, ents, nil
}

// keyboard validates reply_markup and returns its inline keyboard.
func keyboard(p params) ([][]Button, error) {
	if !p.has("reply_markup") {
		return nil, nil
	}
	var rm struct {
		InlineKeyboard [][]map[string]json.RawMessage `json:"inline_keyboard"`
	}
	if err := p.json("reply_markup", &rm); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	var out [][]Button
	for _, row := range rm.InlineKeyboard {
		var r []Button
		for _, raw := range row {
			var b Button
			if v, ok := raw["text"]; ok {
				json.Unmarshal(v, &b.Text)
			}
			if b.Text == "" {
				return nil, badRequest("can't parse inline keyboard button: Text must be non-empty")
			}
			kinds := 0
			if v, ok := raw["callback_data"]; ok {
				json.Unmarshal(v, &b.CallbackData)
				if len(b.CallbackData) < 1 || len(b.CallbackData) > 64 {
					return nil, badRequest("BUTTON_DATA_INVALID")
				}
				kinds++
			}
			if v, ok := raw["url"]; ok {
				json.Unmarshal(v, &b.URL)
				if b.URL != "" {
					kinds++
				}
			}
			for _, k := range []string{"web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
				"switch_inline_query_chosen_chat", "callback_game", "pay"} {
				if _, ok := raw[k]; ok {
					kinds++
				}
			}
			if v, ok := raw["copy_text"]; ok {
				var ct struct{ Text string }
				json.Unmarshal(v, &ct)
				if ct.Text != "" {
					kinds++
				}
			}
			if kinds == 0 {
				return nil, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
			}
			r = append(r, b)
		}
		out = append(out, r)
	}
	return out, nil
}

// replyTo reads reply_parameters (or the older reply_to_message_id) and
// checks the message exists.
func replyTo(p params, fc *fchat) (int, error) {
	var rp struct {
		MessageID                int  `json:"message_id"`
		AllowSendingWithoutReply bool `json:"allow_sending_without_reply"`
	}
	if p.has("reply_parameters") {
		if err := p.json("reply_parameters", &rp); err != nil {
			return 0, err
		}
	} else if p.has("reply_to_message_id") {
		n, err := p.int("reply_to_message_id")
		if err != nil {
			return 0, err
		}
		rp.MessageID = int(n)
		rp.AllowSendingWithoutReply = p.bool("allow_sending_without_reply")
	}
	if rp.MessageID == 0 {
		return 0, nil
	}
	if _, ok := fc.byID[rp.MessageID]; !ok {
		if rp.AllowSendingWithoutReply {
			return 0, nil
		}
		return 0, badRequest("message to be replied not found")
	}
	return rp.MessageID, nil
}

func (s *Server) thread(p params, fc *fchat) (int, error) {
	n, err := p.int("message_thread_id")
	if err != nil || n == 0 || !fc.IsForum {
		return int(n), err
	}
	if _, ok := fc.topics[int(n)]; !ok {
		return 0, badRequest("message thread not found")
	}
	return int(n), nil
}

func (s *Server) sendMessage(p params) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fc, err := s.targetLocked(p)
	if err != nil {
		return nil, err
	}
	text := p.str("text")
	if strings.TrimSpace(text) == "" {
		return nil, badRequest("message text is empty")
	}
	plain, ents, err := formatText(text, p.str("parse_mode"), MaxMessageLen, "message is too long")
	if err != nil {
		return nil, err
	}
	if plain == "" {
		return nil, badRequest("message text is empty")
	}
	buttons, err := keyboard(p)
	if err != nil {
		return nil, err
	}
	reply, err := replyTo(p, fc)
	if err != nil {
		return nil, err
	}
	thread, err := s.thread(p, fc)
	if err != nil {
		return nil, err
	}
	if err := s.rateLocked(fc); err != nil {
		return nil, err
	}
	m := s.addMessageLocked(fc, &Message{From: s.cfg.botID, FromBot: true, Text: plain, Raw: text,
		ParseMode: p.str("parse_mode"), Entities: ents, Buttons: buttons, ReplyTo: reply, Thread: thread})
	s.notify()
	return s.messageJSON(fc, m), nil
}

func sameButtons(a, b [][]Button) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func (s *Server) editMessageText(p params) (any, error) {
	if p.str("inline_message_id") != "" {
		return nil, badRequest("inline messages are not supported by telegramtest")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fc, err := s.targetLocked(p)
	if err != nil {
		return nil, err
	}
	id, err := p.int("message_id")
	if err != nil {
		return nil, err
	}
	m, ok := fc.byID[int(id)]
	if !ok || m.Service != "" {
		return nil, badRequest("message to edit not found")
	}
	if !m.FromBot || m.Document != nil {
		return nil, badRequest("message can't be edited")
	}
	text := p.str("text")
	if strings.TrimSpace(text) == "" {
		return nil, badRequest("message text is empty")
	}
	plain, ents, err := formatText(text, p.str("parse_mode"), MaxMessageLen, "MESSAGE_TOO_LONG")
	if err != nil {
		return nil, err
	}
	buttons, err := keyboard(p)
	if err != nil {
		return nil, err
	}
	e1, _ := json.Marshal(m.Entities)
	e2, _ := json.Marshal(ents)
	if plain == m.Text && bytes.Equal(e1, e2) && sameButtons(buttons, m.Buttons) {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	if err := s.rateLocked(fc); err != nil {
		return nil, err
	}
	m.Text, m.Raw, m.ParseMode, m.Entities, m.Buttons = plain, text, p.str("parse_mode"), ents, buttons
	m.Edits++
	s.edits = append(s.edits, Edit{ChatID: fc.ID, MessageID: m.ID, Text: plain, Raw: text, Buttons: buttons})
	s.notify()
	j := s.messageJSON(fc, m)
	j["edit_date"] = time.Now().Unix()
	return j, nil
}

// pinChatMessage pins a message the bot can see in a chat it is in.
func (s *Server) pinChatMessage(p params) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	chatID, err := p.int("chat_id")
	if err != nil {
		return nil, badRequest("chat_id: %v", err)
	}
	fc := s.chatLocked(chatID)
	if fc == nil {
		return nil, badRequest("chat not found")
	}
	id, err := p.int("message_id")
	if err != nil || fc.byID[int(id)] == nil {
		return nil, badRequest("message to pin not found")
	}
	if s.pinned == nil {
		s.pinned = map[int64]int{}
	}
	s.pinned[chatID] = int(id)
	s.notify()
	return true, nil
}

// Pinned returns the message pinned in chatID (0 = none).
func (s *Server) Pinned(chatID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pinned[chatID]
}

func (s *Server) answerCallbackQuery(p params) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := p.str("callback_query_id")
	if !s.pendingCQ[id] {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	text := p.str("text")
	if utf8.RuneCountInString(text) > 200 {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	delete(s.pendingCQ, id)
	s.answers = append(s.answers, CallbackAnswer{QueryID: id, Text: text, ShowAlert: p.bool("show_alert")})
	s.notify()
	return true, nil
}

var (
	commandName  = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
	languageCode = regexp.MustCompile(`^[a-z]{2}$`)
	secretToken  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
)

func (s *Server) setMyCommands(p params) (any, error) {
	var cmds []BotCommand
	if err := p.json("commands", &cmds); err != nil {
		return nil, err
	}
	if len(cmds) > 100 {
		return nil, badRequest("too many commands specified")
	}
	for _, c := range cmds {
		if !commandName.MatchString(c.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(c.Description)); n < 1 || n > 256 {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	scope := struct {
		Type string `json:"type"`
	}{Type: "default"}
	if err := p.json("scope", &scope); err != nil {
		return nil, err
	}
	lang := p.str("language_code")
	if lang != "" && !languageCode.MatchString(lang) {
		return nil, badRequest("invalid language code specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(cmds) == 0 {
		delete(s.commands, [2]string{scope.Type, lang})
	} else {
		s.commands[[2]string{scope.Type, lang}] = cmds
	}
	s.notify()
	return true, nil
}

func (s *Server) deleteWebhook(p params) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhook = nil
	s.hookGen++
	if p.bool("drop_pending_updates") {
		s.queue = nil
	}
	s.notify()
	return true, nil
}

func (s *Server) setWebhook(p params) (any, error) {
	u := p.str("url")
	if u == "" {
		return s.deleteWebhook(p)
	}
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://127.0.0.1") && !strings.HasPrefix(u, "http://localhost") {
		return nil, badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	secret := p.str("secret_token")
	if secret != "" && !secretToken.MatchString(secret) {
		return nil, badRequest("secret token contains unallowed characters")
	}
	var allowed []string
	if err := p.json("allowed_updates", &allowed); err != nil {
		return nil, err
	}
	maxConn, err := p.int("max_connections")
	if err != nil || maxConn < 0 || maxConn > 100 {
		return nil, badRequest("bad webhook: invalid max_connections")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.bool("drop_pending_updates") {
		s.queue = nil
	}
	s.webhook = &WebhookInfo{URL: u, SecretToken: secret, AllowedUpdates: allowed, MaxConnections: int(maxConn)}
	s.hookGen++
	gen := s.hookGen
	s.wg.Add(1)
	go s.postUpdates(gen, *s.webhook)
	s.notify()
	return true, nil
}

func (s *Server) webhookInfo() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := map[string]any{"url": "", "has_custom_certificate": false, "pending_update_count": len(s.queue)}
	if s.webhook != nil {
		info["url"] = s.webhook.URL
	}
	return info
}

// postUpdates delivers queued updates to the webhook one at a time, in
// order, re-posting an update until the bot answers 2xx.
func (s *Server) postUpdates(gen int, hook WebhookInfo) {
	defer s.wg.Done()
	client := &http.Client{Timeout: 10 * time.Second}
	for {
		s.mu.Lock()
		if s.hookGen != gen {
			s.mu.Unlock()
			return
		}
		ch := s.changed
		var next *queued
		if len(s.queue) > 0 {
			q := s.queue[0]
			next = &q
			s.deliveries[q.id]++
		}
		s.mu.Unlock()
		if next == nil {
			select {
			case <-ch:
				continue
			case <-s.closed:
				return
			}
		}
		req, err := http.NewRequest(http.MethodPost, hook.URL, bytes.NewReader(next.raw))
		if err != nil {
			s.t.Errorf("telegramtest: webhook: %v", err)
			return
		}
		req.Header.Set("Content-Type", "application/json")
		if hook.SecretToken != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", hook.SecretToken)
		}
		resp, err := client.Do(req)
		ok := err == nil && resp.StatusCode/100 == 2
		if resp != nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		if ok {
			s.mu.Lock()
			if len(s.queue) > 0 && s.queue[0].id == next.id {
				s.queue = s.queue[1:]
			}
			s.notify()
			s.mu.Unlock()
			continue
		}
		select {
		case <-time.After(s.cfg.retryDelay):
		case <-s.closed:
			return
		}
	}
}

func (s *Server) createForumTopic(p params) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fc, err := s.targetLocked(p)
	if err != nil {
		return nil, err
	}
	if !fc.IsForum {
		return nil, badRequest("the chat is not a forum")
	}
	name := p.str("name")
	if n := utf8.RuneCountInString(name); n < 1 || n > 128 {
		return nil, badRequest("TOPIC_NAME_INVALID")
	}
	// As in Telegram, a topic's thread id is the id of the service message
	// that created it.
	m := s.addMessageLocked(fc, &Message{From: s.cfg.botID, FromBot: true, Service: "forum_topic_created"})
	m.Thread = m.ID
	fc.topics[m.ID] = name
	s.notify()
	return map[string]any{"message_thread_id": m.ID, "name": name, "icon_color": 7322096}, nil
}

func (s *Server) sendDocument(p params) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fc, err := s.targetLocked(p)
	if err != nil {
		return nil, err
	}
	doc := &Document{}
	if f, ok := p.files["document"]; ok {
		doc.FileName, doc.Data = f.name, f.data
	} else if v := p.str("document"); strings.HasPrefix(v, "attach://") {
		f, ok := p.files[strings.TrimPrefix(v, "attach://")]
		if !ok {
			return nil, badRequest("wrong HTTP URL specified")
		}
		doc.FileName, doc.Data = f.name, f.data
	} else if v != "" {
		doc.FileName = v
	} else {
		return nil, badRequest("there is no document in the request")
	}
	s.nextFile++
	doc.FileID = fmt.Sprintf("file%d", s.nextFile)
	caption, ents, err := formatText(p.str("caption"), p.str("parse_mode"), 1024, "message caption is too long")
	if err != nil {
		return nil, err
	}
	doc.Caption = caption
	buttons, err := keyboard(p)
	if err != nil {
		return nil, err
	}
	thread, err := s.thread(p, fc)
	if err != nil {
		return nil, err
	}
	if err := s.rateLocked(fc); err != nil {
		return nil, err
	}
	m := s.addMessageLocked(fc, &Message{From: s.cfg.botID, FromBot: true, Text: caption, Raw: p.str("caption"),
		ParseMode: p.str("parse_mode"), Entities: ents, Buttons: buttons, Thread: thread, Document: doc})
	s.notify()
	return s.messageJSON(fc, m), nil
}
