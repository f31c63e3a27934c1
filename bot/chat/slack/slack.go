// Package slack connects irbot to Slack, using github.com/slack-go/slack
// for the Web API and Socket Mode.
//
// The Adapter is a chat.Sender, chat.Editor, chat.FileSender and
// chat.Limiter for the delivery layer, a chat.Receiver (Socket Mode, with
// the app-level token) and an http.Handler (Events API, slash commands and
// interactivity on one handler, told apart by their content).
//
// Messages go out as Block Kit: a section of mrkdwn text with &, < and >
// escaped everywhere (the engine's text is plain text, and a title such as
// "Title & <b>" must show as typed) and the first line bold, then an
// actions block with one button per bot.Button. Every message of an
// incident to a shared channel goes into the incident's thread, started by
// the first such message; the live status card (a message with an EditKey
// or EditOnly) stays top-level and is edited with chat.update. A chat whose
// id is a user id (U…, W…) is that person's direct chat with the bot,
// opened with conversations.open; inbound direct messages carry the user
// id as their chat id, so a page and the button pressed under it name the
// same chat.
//
// HTTP requests are checked against the signing secret before their body
// is parsed; a request with a bad or missing signature, or one signed more
// than five minutes from now, is refused with 401. Accepted work is
// answered at once (Slack wants an answer within three seconds) and handed
// to the handler afterwards, in arrival order per chat; Drain waits for it.
// The engine deduplicates by the inbound id (the event_id for events), so
// an event Slack retries is acted on once.
//
// The adapter keeps its own small state in the store's key-value area:
//
//	slack:thread:<channel>:<incident>   ts of the incident's thread in a channel
//	slack:btn:<hash>                    button data over Slack's 2000 characters
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/irbot/irbot/bot/chat"
)

// Platform is Slack's platform name in chat references.
const Platform = "slack"

// Modes of receiving events.
const (
	ModeSocket = "socket" // Receive holds a Socket Mode connection (needs AppToken)
	ModeEvents = "events" // Slack posts to the Adapter's ServeHTTP (needs SigningSecret)
)

// DefaultAPIURL is the Web API's address.
const DefaultAPIURL = "https://slack.com/api/"

// MaxSectionText is the longest text of one Block Kit section, in
// characters.
const MaxSectionText = 3000

// Keys of the adapter's state in the store's key-value area.
const (
	keyThread = "slack:thread:" // + channel + ":" + incident
	keyButton = "slack:btn:"    // + hash
)

// Config configures the adapter.
type Config struct {
	// BotToken is the bot user OAuth token (xoxb-…). The caller reads it
	// (from the environment or a file); the adapter never logs it.
	BotToken string
	// AppToken is the app-level token (xapp-…) Socket Mode connects with.
	AppToken string
	// SigningSecret verifies the requests Slack posts (Events API, slash
	// commands, interactivity). Required in events mode.
	SigningSecret string
	// APIURL is the Web API's base URL; "" means https://slack.com/api/.
	APIURL string
	// Mode is ModeSocket or ModeEvents; "" means socket when AppToken is
	// set, else events.
	Mode string
	// Limits are the delivery limits; the zero value means Slack's (see
	// DefaultLimits). MaxLen is capped at MaxSectionText.
	Limits chat.Limits
	// ChannelMessages makes the bot act on every message in the channels
	// it is in (message.channels, message.groups), not only on mentions of
	// it and direct messages. A message that mentions the bot is left to
	// the app_mention event.
	ChannelMessages bool
	// OnRejected, when set, is told of each HTTP request refused for its
	// signature (reason in a few words, remote address), e.g. to record
	// an audit entry.
	OnRejected func(reason, remote string)
	// SyncWait is how long an HTTP answer waits for its work to be handled
	// (default 2.5s, inside Slack's 3 seconds). Answering after the engine
	// committed means a crash before then leaves Slack without its 200, so
	// the event comes again and nothing accepted is lost. Negative: answer
	// at once.
	SyncWait time.Duration
	// HTTPClient makes the Web API calls (default: a client with a 30s
	// timeout).
	HTTPClient *http.Client
	// Commands are the bot's command names ("ack", "done", …). A command
	// hint at one of them in the bot's text (bot.Command("/ack")) is
	// shown the way Slack users type it, "/ir ack": in Slack a message
	// beginning with "/ack" would be taken as a slash command of its own.
	// cmd/irbot passes the names bot/command parses; with none, hints
	// show as written.
	Commands []string
}

// DefaultLimits are Slack's: about one message a second to a channel
// (short bursts tolerated; Slack answers 429 with Retry-After, which the
// delivery layer obeys) and sections of at most 3000 characters.
func DefaultLimits() chat.Limits {
	return chat.Limits{MaxLen: MaxSectionText, Chat: chat.Rate{N: 1, Per: time.Second}}
}

// Adapter is the Slack platform. It is safe for concurrent use.
type Adapter struct {
	cfg     Config
	kv      chat.KV
	log     *slog.Logger
	api     *slackapi.Client
	limits  chat.Limits
	scrubRe *regexp.Regexp
	botUser string // the bot's user id (U…), from auth.test
	botID   string // the bot's bot id (B…), from auth.test

	mu      sync.Mutex
	handler chat.Handler
	dms     map[string]string // user id -> direct message channel
	threads map[string]string // channel + "/" + ts of an inbound message -> its thread
	btnSeen map[string]bool   // long button data known to be stored

	commands map[string]bool // Config.Commands

	rootMu sync.Mutex // one incident thread started at a time

	queue *dispatcher
}

var (
	_ chat.Sender     = (*Adapter)(nil)
	_ chat.Editor     = (*Adapter)(nil)
	_ chat.FileSender = (*Adapter)(nil)
	_ chat.Limiter    = (*Adapter)(nil)
	_ chat.Receiver   = (*Adapter)(nil)
	_ http.Handler    = (*Adapter)(nil)
)

// New returns an adapter for the bot with cfg.BotToken, keeping its state
// in kv. It calls auth.test (with ctx) to learn the bot's user id, which
// also checks the token.
func New(ctx context.Context, cfg Config, kv chat.KV, log *slog.Logger) (*Adapter, error) {
	if strings.TrimSpace(cfg.BotToken) == "" {
		return nil, errors.New("slack: no bot token")
	}
	if kv == nil {
		return nil, errors.New("slack: no store")
	}
	if log == nil {
		log = slog.Default()
	}
	switch cfg.Mode {
	case "":
		cfg.Mode = ModeEvents
		if cfg.AppToken != "" {
			cfg.Mode = ModeSocket
		}
	case ModeSocket, ModeEvents:
	default:
		return nil, fmt.Errorf("slack: unknown mode %q (want %q or %q)", cfg.Mode, ModeSocket, ModeEvents)
	}
	if cfg.Mode == ModeSocket && strings.TrimSpace(cfg.AppToken) == "" {
		return nil, errors.New("slack: socket mode needs an app-level token (xapp-…)")
	}
	if cfg.Mode == ModeEvents && strings.TrimSpace(cfg.SigningSecret) == "" {
		return nil, errors.New("slack: events mode needs the signing secret")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	limits := cfg.Limits
	if limits == (chat.Limits{}) {
		limits = DefaultLimits()
	}
	if limits.MaxLen <= 0 || limits.MaxLen > MaxSectionText {
		limits.MaxLen = MaxSectionText
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	secrets := []string{`\bxox[a-z]-[0-9A-Za-z-]+`, `\bxapp-[0-9A-Za-z-]+`}
	for _, s := range []string{cfg.BotToken, cfg.AppToken, cfg.SigningSecret} {
		if s != "" {
			secrets = append([]string{regexp.QuoteMeta(s)}, secrets...)
		}
	}
	a := &Adapter{cfg: cfg, kv: kv, log: log.With("platform", Platform), limits: limits,
		scrubRe: regexp.MustCompile(strings.Join(secrets, "|")),
		dms:     map[string]string{}, threads: map[string]string{}, btnSeen: map[string]bool{},
		commands: map[string]bool{}}
	for _, c := range cfg.Commands {
		a.commands[c] = true
	}
	a.api = a.client(false)
	a.queue = newDispatcher(a.log)
	auth, err := a.api.AuthTestContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("slack: auth.test (is the bot token right?): %w", a.classify("auth.test", err))
	}
	a.botUser, a.botID = auth.UserID, auth.BotID
	return a, nil
}

// client returns a Web API client; withApp adds the app-level token
// (Socket Mode's apps.connections.open).
func (a *Adapter) client(withApp bool) *slackapi.Client {
	opts := []slackapi.Option{slackapi.OptionAPIURL(a.cfg.APIURL), slackapi.OptionHTTPClient(a.cfg.HTTPClient)}
	if withApp {
		opts = append(opts, slackapi.OptionAppLevelToken(a.cfg.AppToken))
	}
	return slackapi.New(a.cfg.BotToken, opts...)
}

// Platform implements chat.Sender.
func (a *Adapter) Platform() string { return Platform }

// Limits implements chat.Limiter.
func (a *Adapter) Limits() chat.Limits { return a.limits }

// BotUserID returns the bot's user id (as in "<@U…>" mentions of it).
func (a *Adapter) BotUserID() string { return a.botUser }

// Mode returns the adapter's mode, ModeSocket or ModeEvents.
func (a *Adapter) Mode() string { return a.cfg.Mode }

// scrub removes the tokens and the signing secret (and anything shaped
// like a Slack token) from s.
func (a *Adapter) scrub(s string) string { return a.scrubRe.ReplaceAllString(s, "<token>") }

// permanentError reports whether a Web API error code is one retrying
// cannot fix.
func permanentError(code string) bool {
	switch code {
	case "channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "account_inactive",
		"msg_too_long", "token_revoked", "token_expired", "not_authed", "no_permission", "missing_scope",
		"restricted_action", "cannot_dm_bot", "user_not_found", "users_not_found", "user_disabled",
		"message_not_found", "cant_update_message", "edit_window_closed", "invalid_blocks",
		"invalid_blocks_format", "invalid_arguments", "invalid_form_data", "no_text",
		"too_many_attachments", "team_access_not_granted", "ekm_access_denied", "channel_is_archived":
		return true
	}
	return false
}

// classify turns a client error into the chat contract's: 429 and
// "ratelimited" become *chat.RetryAfterError; the error codes of
// permanentError wrap chat.ErrPermanent; anything else (network, 5xx,
// internal_error) is transient. The message is scrubbed of secrets.
func (a *Adapter) classify(op string, err error) error {
	var rl *slackapi.RateLimitedError
	if errors.As(err, &rl) {
		return &chat.RetryAfterError{After: max(rl.RetryAfter, time.Second)}
	}
	for _, c := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, c) {
			return fmt.Errorf("slack %s: %w", op, c)
		}
	}
	var se slackapi.SlackErrorResponse
	if errors.As(err, &se) {
		switch {
		case se.Err == "ratelimited":
			return &chat.RetryAfterError{After: time.Second}
		case permanentError(se.Err):
			return fmt.Errorf("%w: slack %s: %s", chat.ErrPermanent, op, a.scrub(se.Err))
		}
		return fmt.Errorf("slack %s: %s", op, a.scrub(se.Err))
	}
	var sc slackapi.StatusCodeError
	if errors.As(err, &sc) && sc.Code == http.StatusTooManyRequests {
		return &chat.RetryAfterError{After: time.Second}
	}
	return fmt.Errorf("slack %s: %s", op, a.scrub(err.Error()))
}

// getKV reads a key, "" when it is not set (keys name the platform).
func (a *Adapter) getKV(ctx context.Context, key string) (string, error) {
	v, err := a.kv.Get(ctx, key)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", key, err)
	}
	return v, nil
}

// put writes keys (an empty value deletes).
func (a *Adapter) put(ctx context.Context, kv map[string]string) error {
	if err := a.kv.Put(ctx, kv); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}

// SetHandler sets the handler ServeHTTP gives accepted events, commands
// and button presses to.
func (a *Adapter) SetHandler(h chat.Handler) {
	a.mu.Lock()
	a.handler = h
	a.mu.Unlock()
}

func (a *Adapter) currentHandler() chat.Handler {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.handler
}

// Drain waits until everything ServeHTTP accepted so far has been handed
// to the handler and handled, or ctx ends.
func (a *Adapter) Drain(ctx context.Context) error { return a.queue.drain(ctx) }

// Close stops accepting HTTP work (ServeHTTP answers 503 from then on),
// waits for the work already accepted until ctx ends, then stops. Sending
// keeps working.
func (a *Adapter) Close(ctx context.Context) error { return a.queue.close(ctx) }
