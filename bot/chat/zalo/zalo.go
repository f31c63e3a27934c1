// Package zalo connects irbot to Zalo through the Zalo Bot Platform's Bot
// API (https://bot.zaloplatforms.com): a small client for the API and an
// adapter for the chat layer.
//
// The Adapter is a chat.Sender and chat.Limiter for the delivery layer, a
// chat.Receiver (long polling with getUpdates) and an http.Handler
// (webhook mode). Zalo shows plain text only and has neither buttons nor
// message edits, so the buttons of a message become one short line of
// reply codes under it ("↩ 12a xác nhận · 12d3 xong bước 3 · 12n tiếp")
// that the command parser understands when typed back.
//
// Zalo's getUpdates has no offset: an update is gone from Zalo once it has
// been handed out, and nothing in the documentation promises it comes only
// once (nor says whether a refused webhook post is retried). So the adapter
// passes each
// message's message_id as the inbound id (the engine records it with its
// reply, in the same commit, and acts on a message once, across restarts
// too), and journals the updates it fetched in the store ("zalo:inbox")
// until the handler has taken them, so that a crash between fetching and
// handling does not lose a command. In webhook mode the answer is 200 only
// after the handler returned nil, and 500 otherwise, so that Zalo may post
// again.
package zalo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/irbot/irbot/bot/chat"
)

// Platform is Zalo's platform name in chat references and person ids.
const Platform = "zalo"

// Modes of receiving updates.
const (
	ModePolling = "polling" // Receive long-polls getUpdates
	ModeWebhook = "webhook" // Zalo posts updates to the Adapter's ServeHTTP
)

// SecretHeader is the header in which Zalo sends the webhook's secret.
const SecretHeader = "X-Bot-Api-Secret-Token"

// MaxMessageLen is the longest text sendMessage takes ("1 to 2000
// characters"). The adapter counts UTF-16 code units, the stricter reading
// of "characters", so that emoji never push a message over.
const MaxMessageLen = 2000

// Key of the adapter's state in the store's key-value area: the updates
// fetched by getUpdates and not yet taken by the handler.
const keyInbox = "zalo:inbox"

// seenPrefix is the engine's idempotency key of an inbound message,
// "in:<platform>:<id>" (see engine.Handle).
const seenPrefix = "in:" + Platform + ":"

// Config configures the adapter.
type Config struct {
	// Token is the bot token from the Zalo Bot Creator, "<bot_id>:<secret>".
	// The caller reads it (from ZALO_BOT_TOKEN or a file); the adapter
	// never logs it.
	Token string
	// APIURL is the Bot API's base URL; "" means DefaultAPIURL.
	APIURL string
	// Mode is ModePolling (default) or ModeWebhook.
	Mode string
	// WebhookSecret is the secret Zalo sends in SecretHeader; required in
	// webhook mode, 8–256 characters.
	WebhookSecret string
	// Limits are the delivery limits; the zero value means DefaultLimits.
	// MaxLen is capped at MaxMessageLen.
	Limits chat.Limits
	// PollTimeout is the long-poll timeout of getUpdates (default 30s, the
	// API's default; whole seconds).
	PollTimeout time.Duration
	// OnForged, if set, is told of every webhook request refused for a
	// missing or wrong secret, with the request's remote address (the serve
	// command records it in the audit log).
	OnForged func(remote string)
	// Language of the reply-code hints, "vi" (default) or "en".
	Language string
	// HTTPClient makes the API calls (default: a 30s timeout; long polls
	// use its transport with their own deadline).
	HTTPClient *http.Client
}

// DefaultLimits are conservative delivery limits. The Bot API documents
// none; these follow Telegram's (about one message a second to a chat,
// twenty a minute to a group), with a short burst for a declaration and
// its replies, and 429 answers are obeyed on top.
func DefaultLimits() chat.Limits {
	return chat.Limits{MaxLen: MaxMessageLen, Chat: chat.Rate{N: 1, Per: time.Second},
		Group: chat.Rate{N: 20, Per: time.Minute}, Global: chat.Rate{N: 10, Per: time.Second}}
}

// Stats counts what the adapter received; read it with Adapter.Stats.
type Stats struct {
	Received   int64 // text messages handed to the handler
	Duplicates int64 // messages already handled (same message_id), skipped
	Ignored    int64 // updates that are no text message, or from a bot
	Forged     int64 // webhook requests refused for a wrong or missing secret
	Failed     int64 // handler failures (retried)
}

// Adapter is the Zalo platform. It is safe for concurrent use.
type Adapter struct {
	cfg    Config
	kv     chat.KV
	log    *slog.Logger
	client *Client
	me     *Bot
	limits chat.Limits
	labels labels

	retryBase time.Duration // first pause after a handler or poll failure

	mu      sync.Mutex
	handler chat.Handler

	stats struct{ received, duplicates, ignored, forged, failed atomic.Int64 }
}

var (
	_ chat.Sender   = (*Adapter)(nil)
	_ chat.Limiter  = (*Adapter)(nil)
	_ chat.Receiver = (*Adapter)(nil)
	_ http.Handler  = (*Adapter)(nil)
)

// New returns an adapter for the bot with cfg.Token, keeping its small
// state in kv. It calls getMe (with ctx), which checks the token and tells
// the bot's own id (its messages are ignored).
func New(ctx context.Context, cfg Config, kv chat.KV, log *slog.Logger) (*Adapter, error) {
	cfg.Token = strings.TrimSpace(cfg.Token)
	if cfg.Token == "" {
		return nil, errors.New("zalo: no bot token")
	}
	if kv == nil {
		return nil, errors.New("zalo: no store")
	}
	if log == nil {
		log = slog.Default()
	}
	switch cfg.Mode {
	case "":
		cfg.Mode = ModePolling
	case ModePolling:
	case ModeWebhook:
		if n := len([]rune(cfg.WebhookSecret)); n < 8 || n > 256 || strings.IndexFunc(cfg.WebhookSecret, unicode.IsControl) >= 0 {
			return nil, errors.New("zalo: webhook mode needs a WebhookSecret of 8-256 printable characters")
		}
	default:
		return nil, fmt.Errorf("zalo: unknown mode %q (want %q or %q)", cfg.Mode, ModePolling, ModeWebhook)
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 30 * time.Second
	}
	lb, ok := hintLabels(cfg.Language)
	if !ok {
		return nil, fmt.Errorf("zalo: no reply-code labels for language %q (want vi or en)", cfg.Language)
	}
	limits := cfg.Limits
	if limits == (chat.Limits{}) {
		limits = DefaultLimits()
	}
	if limits.MaxLen <= 0 || limits.MaxLen > MaxMessageLen {
		limits.MaxLen = MaxMessageLen
	}
	a := &Adapter{cfg: cfg, kv: kv, log: log.With("platform", Platform), limits: limits, labels: lb,
		client: NewClient(cfg.Token, cfg.APIURL, cfg.HTTPClient), retryBase: 250 * time.Millisecond}
	me, err := a.client.GetMe(ctx)
	if err != nil {
		return nil, fmt.Errorf("zalo: getMe (is the token right?): %w", err)
	}
	a.me = me
	if !me.CanJoinGroups {
		a.log.Info("zalo: this bot cannot join groups (can_join_groups=false); only direct chats will reach it",
			"bot", me.AccountName)
	}
	return a, nil
}

// Platform implements chat.Sender.
func (a *Adapter) Platform() string { return Platform }

// Limits implements chat.Limiter.
func (a *Adapter) Limits() chat.Limits { return a.limits }

// Bot returns what getMe said about the bot.
func (a *Adapter) Bot() Bot { return *a.me }

// Client returns the adapter's API client.
func (a *Adapter) Client() *Client { return a.client }

// Stats returns counts since the adapter was made.
func (a *Adapter) Stats() Stats {
	return Stats{Received: a.stats.received.Load(), Duplicates: a.stats.duplicates.Load(),
		Ignored: a.stats.ignored.Load(), Forged: a.stats.forged.Load(), Failed: a.stats.failed.Load()}
}

// SetWebhook asks Zalo to post updates to url with the configured secret
// (webhook mode).
func (a *Adapter) SetWebhook(ctx context.Context, url string) error {
	if a.cfg.Mode != ModeWebhook {
		return errors.New("zalo: SetWebhook needs webhook mode")
	}
	if _, err := a.client.SetWebhook(ctx, url, a.cfg.WebhookSecret); err != nil {
		return err
	}
	return nil
}

// classify turns a client error into the chat contract's: a rate limit
// becomes *chat.RetryAfterError; 400, 401, 403, "chat not found" and
// "blocked" wrap chat.ErrPermanent (retrying the same request cannot
// help); anything else — 5xx, network, timeouts — stays transient.
func classify(err error) error {
	var ae *APIError
	if !errors.As(err, &ae) {
		return err
	}
	if ae.RateLimited() {
		return &chat.RetryAfterError{After: max(ae.RetryAfter, time.Second)}
	}
	if permanent(ae) {
		return fmt.Errorf("%w: %w", chat.ErrPermanent, err)
	}
	return err
}

// permanent reports whether retrying the request cannot help.
func permanent(ae *APIError) bool {
	d := strings.ToLower(ae.Description)
	if strings.Contains(d, "chat not found") || strings.Contains(d, "user not found") || strings.Contains(d, "blocked") {
		return true
	}
	switch ae.Code {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
		return true
	}
	return ae.Code == 0 && (ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden)
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// nextPause doubles a retry pause from base, up to 30 seconds.
func nextPause(p, base time.Duration) time.Duration {
	if p <= 0 {
		return base
	}
	return min(2*p, 30*time.Second)
}
