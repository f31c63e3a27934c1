// Package slackfake is a fake Slack for tests, built on slack-go's own
// slacktest server. slacktest serves a handful of Web API methods with
// canned answers; this package adds, through slacktest's Binder hook, the
// methods the irbot adapter calls, each recorded and checked as Slack
// checks it:
//
//   - auth.test answering with the fake bot's user id;
//   - chat.postMessage and chat.update keeping every message per channel
//     with unique, increasing ts values (slacktest answers with the current
//     second, so two messages share a ts, and relays them to an RTM
//     websocket nobody reads), refusing bad tokens, user ids as channels,
//     unknown threads and blocks beyond Block Kit's limits;
//   - conversations.open for direct messages, conversations.join for
//     public channels the bot is not in (WithNotMember);
//   - files.getUploadURLExternal, the upload URL and
//     files.completeUploadExternal;
//   - apps.connections.open checking the app-level token, and a Socket
//     Mode websocket (hello, envelopes, acknowledgements, pings) in place
//     of slacktest's RTM one;
//   - failures on demand (error codes, 429 with Retry-After, 5xx).
//
// Client posts signed Events API, slash command and interactivity
// requests to an adapter served over HTTP.
package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"
)

// Defaults of a new Server.
const (
	BotToken  = "xoxb-FAKE" // obviously not a real token (and short of what secret scanners flag)
	AppToken  = "xapp-FAKE"
	BotUserID = "U0IRBOT"
	BotID     = "B0IRBOT"
	TeamID    = "T0IRBOT"
)

// Block Kit limits the fake enforces.
const (
	maxSectionText = 3000
	maxButtonText  = 75
	maxButtonValue = 2000
	maxActionID    = 255
	maxElements    = 25
	maxBlocks      = 50
	maxText        = 40000
)

// Message is a message the bot posted, as it stands now.
type Message struct {
	Channel  string
	TS       string
	ThreadTS string   // "" for a top-level message
	Text     string   // the notification text, as sent
	Sections []string // the sections' mrkdwn, as sent
	Buttons  []Button
	Edits    int // chat.update calls on it
}

// Button is a button of a message's actions blocks.
type Button struct {
	ActionID string
	Label    string
	Value    string
}

// Shown is what a reader sees: the sections one after another, with the
// bold marks of the first line and the backticks of inline code dropped
// and &amp; &lt; &gt; decoded.
func (m Message) Shown() string {
	s := strings.Join(m.Sections, "\n")
	if head, rest, ok := strings.Cut(s, "\n"); ok && len(head) > 1 && head[0] == '*' && head[len(head)-1] == '*' {
		s = head[1:len(head)-1] + "\n" + rest
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i], _ = inlineCode(l)
	}
	return decode(strings.Join(lines, "\n"))
}

// Code returns the texts of the inline code (`…`) in the message's
// sections, in order, with &amp; &lt; &gt; decoded.
func (m Message) Code() []string {
	var out []string
	for _, sec := range m.Sections {
		for _, l := range strings.Split(sec, "\n") {
			_, code := inlineCode(l)
			for _, c := range code {
				out = append(out, decode(c))
			}
		}
	}
	return out
}

// decode undoes mrkdwn's three escapes.
func decode(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// inlineCode returns line as Slack shows it, without the backticks of its
// inline code (a pair of backticks on one line around text with no
// backtick in it), and the code's texts.
func inlineCode(line string) (string, []string) {
	var b strings.Builder
	var code []string
	for {
		i := strings.IndexByte(line, '`')
		if i < 0 {
			break
		}
		j := strings.IndexByte(line[i+1:], '`')
		if j < 0 {
			break
		}
		if j == 0 { // "``" is no code
			b.WriteString(line[:i+2])
			line = line[i+2:]
			continue
		}
		c := line[i+1 : i+1+j]
		b.WriteString(line[:i] + c)
		code = append(code, c)
		line = line[i+1+j+1:]
	}
	return b.String() + line, code
}

// Button returns the message's button labelled label.
func (m Message) Button(label string) (Button, bool) {
	for _, b := range m.Buttons {
		if b.Label == label {
			return b, true
		}
	}
	return Button{}, false
}

// File is a file shared through the external upload.
type File struct {
	ID       string
	Name     string
	Title    string
	Data     []byte
	Channel  string
	ThreadTS string
	Comment  string
}

// Failure is an injected failure of one Web API call.
type Failure struct {
	Error      string // answer 200 {"ok":false,"error":Error}
	Status     int    // or answer with this HTTP status (429, 500…)
	RetryAfter int    // seconds, sent as Retry-After with a 429
}

// Server is the fake Slack. It is safe for concurrent use.
type Server struct {
	BotToken, AppToken, BotUserID, BotID, TeamID string

	st   *slacktest.Server
	base string

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every change
	seq      int
	msgs     map[string][]*Message
	calls    map[string][]url.Values
	failures map[string][]Failure
	chanErr  map[string]string
	outside  map[string]bool // channels the bot is not in
	dms      map[string]string
	uploads  map[string]*File
	files    []File
	sock     socketState
}

// Option configures a Server.
type Option func(*Server)

// WithChannelError makes posts to channel fail with Slack error code
// (e.g. "channel_not_found", "is_archived").
func WithChannelError(channel, code string) Option {
	return func(s *Server) { s.chanErr[channel] = code }
}

// WithNotMember makes the bot not a member of channels: posts there fail
// with not_in_channel until conversations.join (which fails for private
// channels, G…).
func WithNotMember(channels ...string) Option {
	return func(s *Server) {
		for _, c := range channels {
			s.outside[c] = true
		}
	}
}

// New starts a fake Slack, stopped when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{BotToken: BotToken, AppToken: AppToken, BotUserID: BotUserID, BotID: BotID, TeamID: TeamID,
		changed: make(chan struct{}), msgs: map[string][]*Message{}, calls: map[string][]url.Values{},
		failures: map[string][]Failure{}, chanErr: map[string]string{}, outside: map[string]bool{}, dms: map[string]string{},
		uploads: map[string]*File{}, sock: newSocketState()}
	for _, o := range opts {
		o(s)
	}
	s.st = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/auth.test", s.authTest)
		c.Handle("/chat.postMessage", s.postMessage)
		c.Handle("/chat.update", s.update)
		c.Handle("/conversations.open", s.openConversation)
		c.Handle("/conversations.join", s.joinConversation)
		c.Handle("/files.getUploadURLExternal", s.uploadURL)
		c.Handle("/upload/", s.upload)
		c.Handle("/files.completeUploadExternal", s.completeUpload)
		c.Handle("/apps.connections.open", s.connectionsOpen)
		c.Handle("/ws", s.socket)
	})
	s.base = s.st.GetAPIURL()
	s.st.Start()
	t.Cleanup(s.close)
	return s
}

// URL returns the Web API's base URL (for slack.OptionAPIURL).
func (s *Server) URL() string { return s.base }

func (s *Server) close() {
	s.closeSockets()
	s.st.Stop()
}

// notify wakes the waiters; s.mu is held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// WaitFor waits until cond holds, re-checking it on every change to the
// fake, and reports whether it did within timeout. cond may call the
// Server's methods.
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
		}
	}
}

// Messages returns the bot's messages in channel, in the order posted.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.msgs[channel]))
	for _, m := range s.msgs[channel] {
		out = append(out, copyMsg(m))
	}
	return out
}

func copyMsg(m *Message) Message {
	c := *m
	c.Sections = append([]string(nil), m.Sections...)
	c.Buttons = append([]Button(nil), m.Buttons...)
	return c
}

// WaitMessage waits for a message in channel that satisfies pred and
// returns it.
func (s *Server) WaitMessage(channel string, timeout time.Duration, pred func(Message) bool) (Message, bool) {
	var got Message
	ok := s.WaitFor(timeout, func() bool {
		for _, m := range s.Messages(channel) {
			if pred(m) {
				got = m
				return true
			}
		}
		return false
	})
	return got, ok
}

// Calls returns the parameters of every call of a Web API method, in
// order (the body of a JSON call is under "json").
func (s *Server) Calls(method string) []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.calls[method]...)
}

// Files returns the files shared so far.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]File(nil), s.files...)
}

// DMChannel returns the direct message channel conversations.open gives
// for user.
func (s *Server) DMChannel(user string) string { return "D" + strings.TrimLeft(user, "UW") }

// Fail makes the next calls of method fail, one failure per call.
func (s *Server) Fail(method string, fs ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = append(s.failures[method], fs...)
}

// begin records a call of method and answers an injected failure; it
// returns the call's parameters and false when the call was answered.
// beginBot is begin for Web API methods that need the bot token: a wrong
// one is answered invalid_auth.
func (s *Server) beginBot(w http.ResponseWriter, r *http.Request, method string) (url.Values, bool) {
	p, ok := s.begin(w, r, method)
	if ok && tokenOf(r, p) != s.BotToken {
		fail(w, "invalid_auth")
		return nil, false
	}
	return p, ok
}

func (s *Server) begin(w http.ResponseWriter, r *http.Request, method string) (url.Values, bool) {
	var params url.Values
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/json") {
		b, _ := io.ReadAll(r.Body)
		params = url.Values{"json": {string(b)}}
	} else if strings.HasPrefix(ct, "multipart/") {
		params = url.Values{}
	} else {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return nil, false
		}
		params = r.PostForm
	}
	s.mu.Lock()
	s.calls[method] = append(s.calls[method], params)
	var f *Failure
	if q := s.failures[method]; len(q) > 0 {
		f = &q[0]
		s.failures[method] = q[1:]
	}
	s.notify()
	s.mu.Unlock()
	if f == nil {
		return params, true
	}
	switch {
	case f.Status == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(max(f.RetryAfter, 0)))
		w.WriteHeader(f.Status)
	case f.Status != 0:
		http.Error(w, "<html>server error</html>", f.Status)
	default:
		fail(w, f.Error)
	}
	return nil, false
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code string) {
	writeJSON(w, map[string]any{"ok": false, "error": code})
}

// tokenOf returns the token a call was made with.
func tokenOf(r *http.Request, params url.Values) string {
	if t := params.Get("token"); t != "" {
		return t
	}
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

func (s *Server) authTest(w http.ResponseWriter, r *http.Request) {
	_, ok := s.beginBot(w, r, "auth.test")
	if !ok {
		return
	}
	writeJSON(w, map[string]any{"ok": true, "url": "https://irbot-test.slack.com/", "team": "irbot test",
		"user": "irbot", "team_id": s.TeamID, "user_id": s.BotUserID, "bot_id": s.BotID})
}

func isUserID(id string) bool { return len(id) > 1 && (id[0] == 'U' || id[0] == 'W') }

// nextTS returns a new message ts; s.mu is held.
func (s *Server) nextTS() string {
	s.seq++
	return fmt.Sprintf("1767225600.%06d", s.seq)
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	p, ok := s.beginBot(w, r, "chat.postMessage")
	if !ok {
		return
	}
	ch := p.Get("channel")
	sections, buttons, code := checkContent(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case ch == "" || isUserID(ch):
		code = "channel_not_found" // a user's direct channel comes from conversations.open
	case s.chanErr[ch] != "":
		code = s.chanErr[ch]
	case s.outside[ch]:
		code = "not_in_channel"
	case code == "" && p.Get("thread_ts") != "" && !s.topLevel(ch, p.Get("thread_ts")):
		code = "thread_not_found"
	}
	if code != "" {
		fail(w, code)
		return
	}
	m := &Message{Channel: ch, TS: s.nextTS(), ThreadTS: p.Get("thread_ts"), Text: p.Get("text"),
		Sections: sections, Buttons: buttons}
	s.msgs[ch] = append(s.msgs[ch], m)
	s.notify()
	writeJSON(w, map[string]any{"ok": true, "channel": ch, "ts": m.TS,
		"message": map[string]any{"type": "message", "text": m.Text, "ts": m.TS, "bot_id": s.BotID}})
}

// topLevel reports whether ts is a top-level message in ch; s.mu is held.
func (s *Server) topLevel(ch, ts string) bool {
	for _, m := range s.msgs[ch] {
		if m.TS == ts {
			return m.ThreadTS == ""
		}
	}
	return false
}

func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	p, ok := s.beginBot(w, r, "chat.update")
	if !ok {
		return
	}
	sections, buttons, code := checkContent(p)
	if code != "" {
		fail(w, code)
		return
	}
	ch, ts := p.Get("channel"), p.Get("ts")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.msgs[ch] {
		if m.TS == ts {
			m.Text, m.Sections, m.Buttons = p.Get("text"), sections, buttons
			m.Edits++
			s.notify()
			writeJSON(w, map[string]any{"ok": true, "channel": ch, "ts": ts, "text": m.Text})
			return
		}
	}
	fail(w, "message_not_found")
}

// checkContent checks a message's text and blocks as Slack would and
// returns the sections' texts and the buttons, or an error code.
func checkContent(p url.Values) ([]string, []Button, string) {
	text, raw := p.Get("text"), p.Get("blocks")
	if len([]rune(text)) > maxText {
		return nil, nil, "msg_too_long"
	}
	if raw == "" {
		if strings.TrimSpace(text) == "" {
			return nil, nil, "no_text"
		}
		return nil, nil, ""
	}
	var blocks slackapi.Blocks
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		return nil, nil, "invalid_blocks_format"
	}
	if len(blocks.BlockSet) > maxBlocks {
		return nil, nil, "invalid_blocks"
	}
	var sections []string
	var buttons []Button
	ids := map[string]bool{}
	for _, b := range blocks.BlockSet {
		switch b := b.(type) {
		case *slackapi.SectionBlock:
			if b.Text == nil || strings.TrimSpace(b.Text.Text) == "" || len([]rune(b.Text.Text)) > maxSectionText {
				return nil, nil, "invalid_blocks"
			}
			sections = append(sections, b.Text.Text)
		case *slackapi.ActionBlock:
			if b.Elements == nil || len(b.Elements.ElementSet) == 0 || len(b.Elements.ElementSet) > maxElements {
				return nil, nil, "invalid_blocks"
			}
			for _, e := range b.Elements.ElementSet {
				btn, ok := e.(*slackapi.ButtonBlockElement)
				if !ok || btn.Text == nil || btn.Text.Type != slackapi.PlainTextType ||
					len([]rune(btn.Text.Text)) > maxButtonText || btn.Text.Text == "" ||
					len(btn.Value) > maxButtonValue || btn.ActionID == "" || len(btn.ActionID) > maxActionID ||
					ids[btn.ActionID] {
					return nil, nil, "invalid_blocks"
				}
				ids[btn.ActionID] = true
				buttons = append(buttons, Button{ActionID: btn.ActionID, Label: btn.Text.Text, Value: btn.Value})
			}
		default:
			return nil, nil, "invalid_blocks"
		}
	}
	return sections, buttons, ""
}

func (s *Server) openConversation(w http.ResponseWriter, r *http.Request) {
	p, ok := s.beginBot(w, r, "conversations.open")
	if !ok {
		return
	}
	users := strings.Split(p.Get("users"), ",")
	if len(users) != 1 || !isUserID(users[0]) {
		fail(w, "user_not_found")
		return
	}
	ch := s.DMChannel(users[0])
	s.mu.Lock()
	s.dms[users[0]] = ch
	s.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": ch}})
}

func (s *Server) joinConversation(w http.ResponseWriter, r *http.Request) {
	p, ok := s.beginBot(w, r, "conversations.join")
	if !ok {
		return
	}
	ch := p.Get("channel")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.chanErr[ch] != "":
		fail(w, s.chanErr[ch])
	case !strings.HasPrefix(ch, "C"):
		fail(w, "method_not_supported_for_channel_type")
	default:
		delete(s.outside, ch)
		s.notify()
		writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": ch}})
	}
}

func (s *Server) uploadURL(w http.ResponseWriter, r *http.Request) {
	p, ok := s.beginBot(w, r, "files.getUploadURLExternal")
	if !ok {
		return
	}
	n, err := strconv.Atoi(p.Get("length"))
	if p.Get("filename") == "" || err != nil || n <= 0 {
		fail(w, "invalid_arguments")
		return
	}
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("F%06d", s.seq)
	s.uploads[id] = &File{ID: id, Name: p.Get("filename"), Data: nil}
	s.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "upload_url": s.base + "upload/" + id, "file_id": id})
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/")
	if _, ok := s.begin(w, r, "upload"); !ok {
		return
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		http.Error(w, "no file", http.StatusBadRequest)
		return
	}
	data, err := io.ReadAll(f)
	if err != nil {
		http.Error(w, "bad upload", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	up, ok := s.uploads[id]
	if !ok {
		http.Error(w, "unknown upload", http.StatusNotFound)
		return
	}
	up.Data = data
	fmt.Fprintf(w, "OK - %d", len(data))
}

func (s *Server) completeUpload(w http.ResponseWriter, r *http.Request) {
	p, ok := s.beginBot(w, r, "files.completeUploadExternal")
	if !ok {
		return
	}
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(p.Get("files")), &files); err != nil || len(files) == 0 {
		fail(w, "invalid_arguments")
		return
	}
	ch := p.Get("channel_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	if code := s.chanErr[ch]; code != "" {
		fail(w, code)
		return
	}
	var out []map[string]any
	for _, f := range files {
		up, ok := s.uploads[f.ID]
		if !ok || up.Data == nil {
			fail(w, "file_not_found")
			return
		}
		delete(s.uploads, f.ID)
		s.files = append(s.files, File{ID: f.ID, Name: up.Name, Title: f.Title, Data: up.Data, Channel: ch,
			ThreadTS: p.Get("thread_ts"), Comment: p.Get("initial_comment")})
		out = append(out, map[string]any{"id": f.ID, "title": f.Title})
	}
	s.notify()
	writeJSON(w, map[string]any{"ok": true, "files": out})
}

// upgrader accepts the Socket Mode websocket.
func upgrader() *websocket.Upgrader {
	return &websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
}
