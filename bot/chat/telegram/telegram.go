// Package telegram connects irbot to Telegram through the Bot API, using
// github.com/go-telegram/bot for outbound calls.
//
// The Adapter is a chat.Sender, chat.Editor, chat.FileSender and
// chat.Limiter for the delivery layer, a chat.Receiver (long polling) and an http.Handler
// (webhook mode). Messages go out as MarkdownV2 with every character of
// the bot's plain text escaped, so nothing a responder types (a title full
// of punctuation, a file path with backslashes) can break or restyle a
// message. Inbound updates are confirmed to Telegram only after the handler
// (the engine) committed them; the offset is kept in the store, so a crash
// re-delivers at most the update in flight and the engine's deduplication
// by update id makes that harmless.
//
// The adapter keeps its own small state in the store's key-value area:
//
//	telegram:offset                     next getUpdates offset
//	telegram:migrated:<old>             group <old> became supergroup <new>
//	telegram:migrated-from:<new>        … and back, for inbound updates
//	telegram:forum:<chat>               "1" when the supergroup is a forum
//	telegram:topic:<chat>:<incident>    the incident's forum topic thread id
//	telegram:cb:<hash>                  callback data over 64 bytes, sent as "tgcb:<hash>"
package telegram

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

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/irbot/irbot/bot/chat"
)

// Platform is Telegram's platform name in chat references.
const Platform = "telegram"

// Modes of receiving updates.
const (
	ModePolling = "polling" // Receive long-polls getUpdates
	ModeWebhook = "webhook" // Telegram posts updates to the Adapter's ServeHTTP
)

// DefaultAPIURL is the Bot API's address.
const DefaultAPIURL = "https://api.telegram.org"

// Keys of the adapter's state in the store's key-value area.
const (
	keyOffset       = "telegram:offset"
	keyMigrated     = "telegram:migrated:"
	keyMigratedFrom = "telegram:migrated-from:"
	keyForum        = "telegram:forum:"
	keyTopic        = "telegram:topic:"
	keyCallback     = "telegram:cb:"
	// callbackPrefix marks callback data that stands for longer data kept
	// under keyCallback.
	callbackPrefix = "tgcb:"
)

// Config configures the adapter.
type Config struct {
	// Token is the bot token from @BotFather. The caller reads it (from
	// TELEGRAM_BOT_TOKEN or a file); the adapter never logs it.
	Token string
	// APIURL is the Bot API's base URL; "" means https://api.telegram.org
	// (set it for a local Bot API server or a test fake).
	APIURL string
	// Mode is ModePolling (default) or ModeWebhook.
	Mode string
	// WebhookSecret is the secret_token Telegram sends in the
	// X-Telegram-Bot-Api-Secret-Token header; required in webhook mode
	// (1–256 of A-Z a-z 0-9 _ -).
	WebhookSecret string
	// OnForged, if set, is told of every webhook request refused for a
	// missing or wrong secret, with the request's remote address (the serve
	// command records it in the audit log, rate limited by a
	// chat.RefusalAudit). It is called in the request's goroutine.
	OnForged func(remote string)
	// BotName is the bot's username without '@'; "" asks getMe.
	BotName string
	// Limits are the delivery limits; the zero value means Telegram's
	// (see DefaultLimits). MaxLen is capped at Telegram's 4096.
	Limits chat.Limits
	// PollTimeout is the long-poll timeout of getUpdates (default 25s).
	PollTimeout time.Duration
	// TopicPrefix names the forum topics of incidents, "<prefix>-<n>"
	// (default "IR", as the engine's default incident prefix).
	TopicPrefix string
	// HTTPClient makes the API calls (default: a client with a 30s
	// timeout; long polls use their own deadline).
	HTTPClient *http.Client
}

// MaxMessageLen is Telegram's longest message, in characters after
// entity parsing.
const MaxMessageLen = 4096

// DefaultLimits are Telegram's documented limits: about one message a
// second to a chat, 20 a minute to a group, 30 a second overall. A chat
// may take a burst of 3 (a declaration with its replies) and the bot a
// burst of 5; Telegram tolerates such short bursts and answers 429 with
// retry_after if it does not, which the delivery layer obeys.
func DefaultLimits() chat.Limits {
	return chat.Limits{MaxLen: MaxMessageLen, Chat: chat.Rate{N: 1, Per: time.Second},
		Group: chat.Rate{N: 20, Per: time.Minute}, Global: chat.Rate{N: 30, Per: time.Second}}
}

// Adapter is the Telegram platform. It is safe for concurrent use.
type Adapter struct {
	cfg     Config
	kv      chat.KV
	log     *slog.Logger
	api     *tgbot.Bot
	poll    *http.Client // getUpdates, without a client timeout
	base    string
	name    string
	limits  chat.Limits
	scrubRe *regexp.Regexp

	mu       sync.Mutex
	handler  chat.Handler
	cbStored map[string]bool // callback keys known to be in the store
	forum    map[string]bool // forums seen (cache of telegram:forum:<chat> = "1")
	noTopic  map[string]bool // chats where the bot may not create topics
	migrated map[string]bool // migrations already recorded

	topicMu sync.Mutex // one topic creation at a time
}

var (
	_ chat.Sender     = (*Adapter)(nil)
	_ chat.Editor     = (*Adapter)(nil)
	_ chat.FileSender = (*Adapter)(nil)
	_ chat.Limiter    = (*Adapter)(nil)
	_ chat.Receiver   = (*Adapter)(nil)
	_ http.Handler    = (*Adapter)(nil)
)

var secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// New returns an adapter for the bot with cfg.Token, keeping its state in
// kv. Unless cfg.BotName is set it calls getMe (with ctx) to learn the
// bot's username, which also checks the token.
func New(ctx context.Context, cfg Config, kv chat.KV, log *slog.Logger) (*Adapter, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("telegram: no bot token")
	}
	if kv == nil {
		return nil, errors.New("telegram: no store")
	}
	if log == nil {
		log = slog.Default()
	}
	switch cfg.Mode {
	case "":
		cfg.Mode = ModePolling
	case ModePolling:
	case ModeWebhook:
		if !secretPattern.MatchString(cfg.WebhookSecret) {
			return nil, errors.New("telegram: webhook mode needs a WebhookSecret of 1-256 characters A-Z a-z 0-9 _ -")
		}
	default:
		return nil, fmt.Errorf("telegram: unknown mode %q (want %q or %q)", cfg.Mode, ModePolling, ModeWebhook)
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	cfg.APIURL = strings.TrimRight(cfg.APIURL, "/")
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 25 * time.Second
	}
	if cfg.TopicPrefix == "" {
		cfg.TopicPrefix = "IR"
	}
	limits := cfg.Limits
	if limits == (chat.Limits{}) {
		limits = DefaultLimits()
	}
	if limits.MaxLen <= 0 || limits.MaxLen > MaxMessageLen {
		limits.MaxLen = MaxMessageLen
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	a := &Adapter{cfg: cfg, kv: kv, log: log.With("platform", Platform), base: cfg.APIURL, limits: limits,
		poll:     &http.Client{Transport: hc.Transport},
		scrubRe:  regexp.MustCompile(regexp.QuoteMeta(cfg.Token) + `|\b\d{5,}:[A-Za-z0-9_-]{30,}\b`),
		cbStored: map[string]bool{}, forum: map[string]bool{}, noTopic: map[string]bool{}, migrated: map[string]bool{}}
	api, err := tgbot.New(cfg.Token,
		tgbot.WithServerURL(cfg.APIURL),
		tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(cfg.PollTimeout, hc),
		tgbot.WithErrorsHandler(func(err error) { a.log.Warn("telegram client error", "err", a.scrub(err.Error())) }),
		tgbot.WithDefaultHandler(func(context.Context, *tgbot.Bot, *models.Update) {}),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram: %s", a.scrub(err.Error()))
	}
	a.api = api
	a.name = strings.TrimPrefix(strings.TrimSpace(cfg.BotName), "@")
	if a.name == "" {
		me, err := api.GetMe(ctx)
		if err != nil {
			return nil, fmt.Errorf("telegram: getMe (is the token right?): %s", a.scrub(err.Error()))
		}
		a.name = me.Username
	}
	return a, nil
}

// Platform implements chat.Sender.
func (a *Adapter) Platform() string { return Platform }

// BotName returns the bot's username (without '@'), for the engine's
// "/cmd@BotName" handling.
func (a *Adapter) BotName() string { return a.name }

// Limits implements chat.Limiter.
func (a *Adapter) Limits() chat.Limits { return a.limits }

// scrub removes the bot token (and anything shaped like a bot token) from
// s: the client library puts request URLs, which hold the token, into
// some of its errors.
func (a *Adapter) scrub(s string) string { return a.scrubRe.ReplaceAllString(s, "<token>") }

// classify turns a client error into the chat contract's: 429 becomes
// *chat.RetryAfterError; 400 and 403 wrap chat.ErrPermanent; anything else
// (network, 5xx, 401/404 from a bad token or URL) is transient. The
// message is scrubbed of the token.
func (a *Adapter) classify(op string, err error) error {
	var tmr *tgbot.TooManyRequestsError
	if errors.As(err, &tmr) {
		return &chat.RetryAfterError{After: max(time.Duration(tmr.RetryAfter)*time.Second, time.Second)}
	}
	for _, c := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, c) {
			return fmt.Errorf("telegram %s: %w", op, c)
		}
	}
	msg := a.scrub(err.Error())
	var me *tgbot.MigrateError
	if errors.Is(err, tgbot.ErrorForbidden) || errors.Is(err, tgbot.ErrorBadRequest) || errors.As(err, &me) {
		return fmt.Errorf("%w: telegram %s: %s", chat.ErrPermanent, op, msg)
	}
	return fmt.Errorf("telegram %s: %s", op, msg)
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
