package zalo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultAPIURL is the Zalo Bot API's address.
const DefaultAPIURL = "https://bot-api.zaloplatforms.com"

// Event names of updates, as the Bot API names them.
const (
	EventText        = "message.text.received"
	EventImage       = "message.image.received"
	EventSticker     = "message.sticker.received"
	EventUnsupported = "message.unsupported.received"
)

// Chat types, as the Bot API names them.
const (
	ChatPrivate = "PRIVATE"
	ChatGroup   = "GROUP"
)

// Chat actions for SendChatAction.
const (
	ActionTyping      = "typing"
	ActionUploadPhoto = "upload_photo"
)

// Client calls the Zalo Bot API: POST <base>/bot<token>/<method> with a
// JSON body. It is safe for concurrent use. Errors never contain the
// token: the request URL holds it, so transport errors are rebuilt without
// the URL and every text taken from a response is scrubbed.
type Client struct {
	token string
	base  string
	hc    *http.Client // ordinary calls
	poll  *http.Client // getUpdates: no client timeout, a per-call deadline instead
	scrub *strings.Replacer
}

// NewClient returns a client for the bot with token. baseURL "" means
// DefaultAPIURL; hc nil means a client with a 30-second timeout (long
// polls use the same transport without the client timeout, bounded by
// their own deadline).
func NewClient(token, baseURL string, hc *http.Client) *Client {
	if baseURL == "" {
		baseURL = DefaultAPIURL
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	poll := *hc
	poll.Timeout = 0
	var pairs []string
	for _, s := range []string{token, url.PathEscape(token), url.QueryEscape(token)} {
		if len(s) >= 4 {
			pairs = append(pairs, s, "<token>")
		}
	}
	// The secret half of "<bot_id>:<access_token>" alone is a secret too.
	if _, secret, ok := strings.Cut(token, ":"); ok && len(secret) >= 8 {
		pairs = append(pairs, secret, "<token>")
	}
	return &Client{token: token, base: strings.TrimRight(baseURL, "/"), hc: hc, poll: &poll,
		scrub: strings.NewReplacer(pairs...)}
}

// Scrub removes the client's token from s.
func (c *Client) Scrub(s string) string { return c.scrub.Replace(s) }

// APIError is an unsuccessful answer of the Bot API: {"ok":false,
// "error_code":…, "description":…}, or an HTTP error status without such a
// body (Code is then the HTTP status).
type APIError struct {
	Method      string        // API method, e.g. "sendMessage"
	Status      int           // HTTP status of the answer
	Code        int           // error_code (the HTTP status when the body has none)
	Description string        // description, scrubbed of the token
	RetryAfter  time.Duration // how long the API asked to wait (rate limits), 0 if it did not say
}

// Error implements error.
func (e *APIError) Error() string {
	return fmt.Sprintf("zalo %s: error %d: %s", e.Method, e.Code, e.Description)
}

// RateLimited reports whether the API asked the bot to slow down.
func (e *APIError) RateLimited() bool {
	if e.Code == http.StatusTooManyRequests || e.Status == http.StatusTooManyRequests {
		return true
	}
	d := strings.ToLower(e.Description)
	return strings.Contains(d, "too many requests") || strings.Contains(d, "rate limit") ||
		strings.Contains(d, "retry after") || strings.Contains(d, "quota exceeded")
}

// requestError is a transport failure, its text rebuilt without the
// request URL; it unwraps to the cause (context.Canceled, a net.Error…).
type requestError struct {
	msg string
	err error
}

// Error implements error.
func (e *requestError) Error() string { return e.msg }

// Unwrap returns the cause.
func (e *requestError) Unwrap() error { return e.err }

// Bot is what getMe says about the bot.
type Bot struct {
	ID            string
	AccountName   string
	AccountType   string
	DisplayName   string
	CanJoinGroups bool
}

// WebhookInfo is the webhook setting (URL "" when none).
type WebhookInfo struct {
	URL       string
	UpdatedAt time.Time
}

// Update is one event for the bot.
type Update struct {
	EventName string
	Message   *Message        // nil when the update has no message
	Raw       json.RawMessage // the update as received
}

// Message is an inbound message.
type Message struct {
	ID       string
	Date     time.Time
	Chat     Chat
	From     User
	Text     string
	Caption  string
	PhotoURL string
	Sticker  string
}

// Chat is where a message was written.
type Chat struct {
	ID   string
	Type string // ChatPrivate or ChatGroup
}

// User is a message's sender.
type User struct {
	ID    string
	Name  string // display_name (or name, first_name)
	IsBot bool
}

// envelope is every answer's shape.
type envelope struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// maxResponse bounds a response body.
const maxResponse = 8 << 20

var retryAfterText = regexp.MustCompile(`(?i)retry (?:after|in) (\d+)`)

// call posts params to method and decodes the result into out (if not
// nil).
func (c *Client) call(ctx context.Context, hc *http.Client, method string, params, out any) error {
	body := []byte("{}")
	if params != nil {
		b, err := json.Marshal(params)
		if err != nil {
			return fmt.Errorf("zalo %s: encode request: %w", method, err)
		}
		body = b
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/bot"+c.token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return &requestError{msg: c.Scrub(fmt.Sprintf("zalo %s: bad request: %v", method, err)), err: errors.Unwrap(err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		cause := err
		var ue *url.Error
		if errors.As(err, &ue) {
			cause = ue.Err // url.Error's text holds the URL, and so the token
		}
		return &requestError{msg: c.Scrub(fmt.Sprintf("zalo %s: %v", method, cause)), err: cause}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return &requestError{msg: c.Scrub(fmt.Sprintf("zalo %s: read response: %v", method, err)), err: err}
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil || (!env.OK && env.ErrorCode == 0 && env.Description == "") {
		// Not the API's envelope: a proxy's error page, an empty body.
		if resp.StatusCode/100 == 2 {
			return fmt.Errorf("zalo %s: answer is not the API's JSON: %s", method, c.Scrub(snippet(data)))
		}
		desc := http.StatusText(resp.StatusCode)
		if s := snippet(data); s != "" {
			desc += ": " + s
		}
		return &APIError{Method: method, Status: resp.StatusCode, Code: resp.StatusCode,
			Description: c.Scrub(desc), RetryAfter: retryAfter(resp, 0, "")}
	}
	if !env.OK {
		code := env.ErrorCode
		if code == 0 {
			code = resp.StatusCode
		}
		return &APIError{Method: method, Status: resp.StatusCode, Code: code, Description: c.Scrub(env.Description),
			RetryAfter: retryAfter(resp, env.Parameters.RetryAfter, env.Description)}
	}
	if out != nil && len(env.Result) > 0 && string(env.Result) != "null" {
		if err := json.Unmarshal(env.Result, out); err != nil {
			return fmt.Errorf("zalo %s: decode result: %s", method, c.Scrub(err.Error()))
		}
	}
	return nil
}

// retryAfter reads how long the API asked to wait: parameters.retry_after,
// the Retry-After header, or "retry after N" in the description.
func retryAfter(resp *http.Response, param int, desc string) time.Duration {
	if param > 0 {
		return time.Duration(param) * time.Second
	}
	if v := resp.Header.Get("Retry-After"); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
	}
	if m := retryAfterText.FindStringSubmatch(desc); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
	}
	return 0
}

// snippet is the start of a body, on one line, for error messages.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

// GetMe checks the token and returns the bot's account.
func (c *Client) GetMe(ctx context.Context) (*Bot, error) {
	var r struct {
		ID            flexString `json:"id"`
		AccountName   string     `json:"account_name"`
		AccountType   string     `json:"account_type"`
		DisplayName   string     `json:"display_name"`
		Name          string     `json:"name"`
		CanJoinGroups bool       `json:"can_join_groups"`
	}
	if err := c.call(ctx, c.hc, "getMe", nil, &r); err != nil {
		return nil, err
	}
	return &Bot{ID: string(r.ID), AccountName: r.AccountName, AccountType: r.AccountType,
		DisplayName: firstNonEmpty(r.DisplayName, r.Name), CanJoinGroups: r.CanJoinGroups}, nil
}

// GetUpdates long-polls for updates for up to timeout (whole seconds, at
// least 1; the documented default is 30s). Zalo has no offset: what it
// returns is gone from its queue. The result may be one update object (as
// documented) or an array; both are accepted. A poll that found nothing
// (error_code 408 "Request timeout") returns no updates and no error.
// Updates that do not decode are skipped and reported in the error next
// to the ones that did.
func (c *Client) GetUpdates(ctx context.Context, timeout time.Duration) ([]Update, error) {
	secs := max(int((timeout+time.Second-1)/time.Second), 1)
	pctx, cancel := context.WithTimeout(ctx, time.Duration(secs)*time.Second+15*time.Second)
	defer cancel()
	var raw json.RawMessage
	// The documentation types timeout as a String.
	err := c.call(pctx, c.poll, "getUpdates", map[string]string{"timeout": strconv.Itoa(secs)}, &raw)
	var ae *APIError
	if errors.As(err, &ae) && (ae.Code == http.StatusRequestTimeout ||
		strings.EqualFold(strings.TrimSpace(ae.Description), "request timeout")) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseUpdates(raw)
}

// SetWebhook asks Zalo to POST updates to url (HTTPS) with secret (8–256
// characters) in the X-Bot-Api-Secret-Token header.
func (c *Client) SetWebhook(ctx context.Context, url, secret string) (*WebhookInfo, error) {
	return c.webhookCall(ctx, "setWebhook", map[string]string{"url": url, "secret_token": secret})
}

// DeleteWebhook removes the webhook (getUpdates works only without one).
func (c *Client) DeleteWebhook(ctx context.Context) (*WebhookInfo, error) {
	return c.webhookCall(ctx, "deleteWebhook", nil)
}

// GetWebhookInfo returns the current webhook setting.
func (c *Client) GetWebhookInfo(ctx context.Context) (*WebhookInfo, error) {
	return c.webhookCall(ctx, "getWebhookInfo", nil)
}

func (c *Client) webhookCall(ctx context.Context, method string, params any) (*WebhookInfo, error) {
	var r struct {
		URL       string    `json:"url"`
		UpdatedAt flexInt64 `json:"updated_at"`
	}
	if err := c.call(ctx, c.hc, method, params, &r); err != nil {
		return nil, err
	}
	return &WebhookInfo{URL: r.URL, UpdatedAt: epoch(int64(r.UpdatedAt))}, nil
}

// SendMessage sends text (1–2000 characters, plain text) to chatID and
// returns the new message's id.
func (c *Client) SendMessage(ctx context.Context, chatID, text string) (string, error) {
	var r struct {
		MessageID flexString `json:"message_id"`
	}
	if err := c.call(ctx, c.hc, "sendMessage", map[string]string{"chat_id": chatID, "text": text}, &r); err != nil {
		return "", err
	}
	return string(r.MessageID), nil
}

// SendChatAction shows a passing status such as ActionTyping in chatID.
func (c *Client) SendChatAction(ctx context.Context, chatID, action string) error {
	return c.call(ctx, c.hc, "sendChatAction", map[string]string{"chat_id": chatID, "action": action}, nil)
}

// ParseUpdates decodes updates as getUpdates returns them or a webhook
// posts them: one update object, an array of them, either wrapped in
// {"ok":true,"result":…}, or nothing (null, {}). Elements that do not
// decode are skipped and reported, joined, in the error; the others are
// still returned. The error is also set when data is not JSON at all.
func ParseUpdates(data []byte) ([]Update, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil, nil
	}
	switch data[0] {
	case '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(data, &elems); err != nil {
			return nil, fmt.Errorf("updates: %w", err)
		}
		var out []Update
		var errs []error
		for i, e := range elems {
			us, err := ParseUpdates(e)
			out = append(out, us...)
			if err != nil {
				errs = append(errs, fmt.Errorf("update %d: %w", i, err))
			}
		}
		return out, errors.Join(errs...)
	case '{':
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(data, &probe); err != nil {
			return nil, fmt.Errorf("update: %w", err)
		}
		if res, ok := probe["result"]; ok {
			if _, hasOK := probe["ok"]; hasOK {
				return ParseUpdates(res)
			}
		}
		if _, ok := probe["message"]; !ok {
			if _, ok := probe["event_name"]; !ok {
				return nil, nil // {} or something that is no update
			}
		}
		u, err := decodeUpdate(data)
		if err != nil {
			return nil, err
		}
		return []Update{u}, nil
	}
	return nil, fmt.Errorf("updates: not a JSON object or array: %s", snippet(data))
}

// wireUpdate is an update as sent, tolerant of ids and dates sent as
// numbers or strings and of the sender's name under any of the names seen
// in the documentation and its samples.
type wireUpdate struct {
	EventName string `json:"event_name"`
	Message   *struct {
		MessageID flexString `json:"message_id"`
		Date      flexInt64  `json:"date"`
		Text      string     `json:"text"`
		Caption   string     `json:"caption"`
		PhotoURL  string     `json:"photo_url"`
		Photo     string     `json:"photo"`
		Sticker   string     `json:"sticker"`
		Chat      struct {
			ID       flexString `json:"id"`
			ChatType string     `json:"chat_type"`
		} `json:"chat"`
		From struct {
			ID          flexString `json:"id"`
			DisplayName string     `json:"display_name"`
			Name        string     `json:"name"`
			FirstName   string     `json:"first_name"`
			IsBot       bool       `json:"is_bot"`
		} `json:"from"`
	} `json:"message"`
}

func decodeUpdate(raw []byte) (Update, error) {
	var w wireUpdate
	if err := json.Unmarshal(raw, &w); err != nil {
		return Update{}, fmt.Errorf("update: %w", err)
	}
	u := Update{EventName: w.EventName, Raw: append(json.RawMessage(nil), raw...)}
	if m := w.Message; m != nil {
		u.Message = &Message{ID: string(m.MessageID), Date: epoch(int64(m.Date)), Text: m.Text, Caption: m.Caption,
			PhotoURL: firstNonEmpty(m.PhotoURL, m.Photo), Sticker: m.Sticker,
			Chat: Chat{ID: string(m.Chat.ID), Type: m.Chat.ChatType},
			From: User{ID: string(m.From.ID), Name: firstNonEmpty(m.From.DisplayName, m.From.Name, m.From.FirstName),
				IsBot: m.From.IsBot}}
	}
	return u, nil
}

// epoch reads a Unix time in milliseconds (as documented) or seconds.
func epoch(n int64) time.Time {
	switch {
	case n <= 0:
		return time.Time{}
	case n < 1e11:
		return time.Unix(n, 0)
	default:
		return time.UnixMilli(n)
	}
}

// flexString is a JSON string that may also arrive as a number.
type flexString string

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number, got %s", snippet(b))
	}
	*f = flexString(n.String())
	return nil
}

// flexInt64 is a JSON integer that may also arrive as a string.
type flexInt64 int64

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexInt64) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	if s == "" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseFloat(string(s), 64)
	if err != nil {
		return fmt.Errorf("want a number, got %q", string(s))
	}
	*f = flexInt64(n)
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
