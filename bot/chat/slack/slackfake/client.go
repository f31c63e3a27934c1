package slackfake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Sign returns the X-Slack-Request-Timestamp and X-Slack-Signature
// headers Slack sends with body at time ts.
func Sign(secret string, ts time.Time, body []byte) (timestamp, signature string) {
	timestamp = strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", timestamp)
	mac.Write(body)
	return timestamp, "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// EscapeText escapes user text the way Slack does in the events and
// commands it sends (&, < and > as entities).
func EscapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Client posts signed requests, as Slack does, to an adapter served at
// URL. It is safe for concurrent use.
type Client struct {
	URL    string       // where the adapter is served
	Secret string       // the app's signing secret
	HTTP   *http.Client // default http.DefaultClient

	mu  sync.Mutex
	seq int
}

// Response is the adapter's answer.
type Response struct {
	Status int
	Body   string
}

// Request is one request to post.
type Request struct {
	ContentType string
	Body        []byte
	Header      http.Header // extra headers (X-Slack-Retry-Num…)
	SignedAt    time.Time   // default now
	Signature   string      // overrides the computed signature
	Unsigned    bool        // send no signature headers
}

// Do posts r.
func (c *Client) Do(r Request) (Response, error) {
	req, err := http.NewRequest(http.MethodPost, c.URL, bytes.NewReader(r.Body))
	if err != nil {
		return Response{}, err
	}
	req.Header.Set("Content-Type", r.ContentType)
	for k, vs := range r.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if !r.Unsigned {
		at := r.SignedAt
		if at.IsZero() {
			at = time.Now()
		}
		ts, sig := Sign(c.Secret, at, r.Body)
		if r.Signature != "" {
			sig = r.Signature
		}
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", sig)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Body: string(b)}, nil
}

// Next returns a new number for ids and timestamps of made-up requests.
func (c *Client) Next() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	return c.seq
}

// TS returns a new message timestamp for a user's message.
func (c *Client) TS() string { return fmt.Sprintf("1767200000.%06d", c.Next()) }

// EventCallback wraps an inner event in the Events API's envelope.
func EventCallback(eventID string, event any) []byte {
	b, _ := json.Marshal(map[string]any{"token": "deprecated-verification-token", "team_id": TeamID,
		"api_app_id": "A0IRBOT", "type": "event_callback", "event_id": eventID, "event_time": 1767225600,
		"event": event, "authed_users": []string{BotUserID}})
	return b
}

// AppMention is an app_mention event; text is as Slack sends it (escape
// user text with EscapeText, mention the bot as "<@U0IRBOT>").
func AppMention(user, channel, ts, text string) map[string]any {
	return map[string]any{"type": "app_mention", "user": user, "channel": channel, "ts": ts, "event_ts": ts, "text": text}
}

// MessageEvent is a message event in channel of type channelType ("im",
// "channel", "group").
func MessageEvent(user, channel, channelType, ts, text string) map[string]any {
	return map[string]any{"type": "message", "user": user, "channel": channel, "channel_type": channelType,
		"ts": ts, "event_ts": ts, "text": text}
}

// Event posts an event callback; retry > 0 adds X-Slack-Retry-Num as
// Slack does when it sends an event again.
func (c *Client) Event(eventID string, event any, retry int) (Response, error) {
	r := Request{ContentType: "application/json", Body: EventCallback(eventID, event)}
	if retry > 0 {
		r.Header = http.Header{"X-Slack-Retry-Num": {strconv.Itoa(retry)}, "X-Slack-Retry-Reason": {"http_timeout"}}
	}
	return c.Do(r)
}

// SlashCommand is a slash command invocation.
type SlashCommand struct {
	Command     string // default "/ir"
	Text        string // as typed; escaped as Slack does when sent
	ChannelID   string
	ChannelName string
	UserID      string
	UserName    string
	TriggerID   string // default a new one
}

func (s SlashCommand) fields() map[string]string {
	cmd := s.Command
	if cmd == "" {
		cmd = "/ir"
	}
	return map[string]string{"token": "deprecated-verification-token", "team_id": TeamID, "team_domain": "irbot-test",
		"channel_id": s.ChannelID, "channel_name": s.ChannelName, "user_id": s.UserID, "user_name": s.UserName,
		"command": cmd, "text": EscapeText(s.Text), "api_app_id": "A0IRBOT", "is_enterprise_install": "false",
		"response_url": "https://hooks.slack.invalid/commands/T0IRBOT/1/x", "trigger_id": s.TriggerID}
}

// Form is the command as Slack posts it over HTTP.
func (s SlashCommand) Form() url.Values {
	v := url.Values{}
	for k, x := range s.fields() {
		v.Set(k, x)
	}
	return v
}

// JSON is the command as Slack sends it over Socket Mode.
func (s SlashCommand) JSON() []byte {
	b, _ := json.Marshal(s.fields())
	return b
}

// SlashCommand posts a slash command.
func (c *Client) SlashCommand(s SlashCommand) (Response, error) {
	if s.TriggerID == "" {
		s.TriggerID = fmt.Sprintf("trigger-%d", c.Next())
	}
	return c.Do(Request{ContentType: "application/x-www-form-urlencoded", Body: []byte(s.Form().Encode())})
}

// Press is a press of a message's button.
type Press struct {
	User, UserName string
	Channel        string
	MessageTS      string
	ThreadTS       string // the pressed message's thread, if it is in one
	Button         Button
	ActionTS       string // default a new one
}

// Payload is the block_actions payload Slack sends for the press.
func (p Press) Payload() []byte {
	container := map[string]any{"type": "message", "message_ts": p.MessageTS, "channel_id": p.Channel, "is_ephemeral": false}
	message := map[string]any{"type": "message", "ts": p.MessageTS, "bot_id": BotID, "text": "…"}
	if p.ThreadTS != "" {
		container["thread_ts"], message["thread_ts"] = p.ThreadTS, p.ThreadTS
	}
	b, _ := json.Marshal(map[string]any{
		"type": "block_actions", "api_app_id": "A0IRBOT", "token": "deprecated-verification-token",
		"trigger_id": "trigger-" + p.ActionTS, "response_url": "https://hooks.slack.invalid/actions/x",
		"team":      map[string]any{"id": TeamID, "domain": "irbot-test"},
		"user":      map[string]any{"id": p.User, "username": p.UserName, "name": p.UserName, "team_id": TeamID},
		"channel":   map[string]any{"id": p.Channel, "name": "irbot-test"},
		"container": container,
		"message":   message,
		"actions": []map[string]any{{"type": "button", "action_id": p.Button.ActionID, "block_id": "b1",
			"text":  map[string]any{"type": "plain_text", "text": p.Button.Label, "emoji": true},
			"value": p.Button.Value, "action_ts": p.ActionTS}},
		"state": map[string]any{"values": map[string]any{}},
	})
	return b
}

// Press posts a button press.
func (c *Client) Press(p Press) (Response, error) {
	if p.ActionTS == "" {
		p.ActionTS = fmt.Sprintf("1767210000.%06d", c.Next())
	}
	form := url.Values{"payload": {string(p.Payload())}}
	return c.Do(Request{ContentType: "application/x-www-form-urlencoded", Body: []byte(form.Encode())})
}
