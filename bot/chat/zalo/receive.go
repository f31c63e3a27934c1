package zalo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
)

// Receive implements chat.Receiver by long polling getUpdates. Messages
// are handed to h one at a time, in the order Zalo gave them. Zalo cannot
// be told that an update was processed (there is no offset), so:
//
//   - the updates of each poll are journalled in the store (key
//     "zalo:inbox") before h sees them and cleared after h took them all;
//     a restarted Receive hands the journalled ones to h first, so a crash
//     between fetching and handling loses nothing;
//   - a message whose message_id the engine has already recorded is
//     skipped (Zalo may deliver one twice; the engine would ignore it too);
//   - an error from h retries the same message after a growing pause.
//
// Receive deletes any webhook first (getUpdates does not work while one is
// set). It returns when ctx ends (with ctx's error), or at once when the
// API refuses the token (401/403).
func (a *Adapter) Receive(ctx context.Context, h chat.Handler) error {
	if a.cfg.Mode == ModeWebhook {
		return errors.New("zalo: Receive is for polling mode; in webhook mode serve the Adapter over HTTP")
	}
	if h == nil {
		return errors.New("zalo: Receive needs a handler")
	}
	if err := a.drainInbox(ctx, h); err != nil {
		return err
	}
	if _, err := a.client.DeleteWebhook(ctx); err != nil && ctx.Err() == nil {
		a.log.Warn("zalo: deleteWebhook failed", "err", err)
	}
	var pause time.Duration
	for {
		if err := sleepCtx(ctx, pause); err != nil {
			return err
		}
		ups, err := a.client.GetUpdates(ctx, a.cfg.PollTimeout)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil && len(ups) == 0 {
			var ae *APIError
			switch {
			case errors.As(err, &ae) && (ae.Code == http.StatusUnauthorized || ae.Code == http.StatusForbidden):
				return fmt.Errorf("zalo: getUpdates refused (is the token right?): %w", err)
			case errors.As(err, &ae) && ae.RateLimited():
				pause = max(ae.RetryAfter, time.Second)
			default:
				pause = nextPause(pause, time.Second)
			}
			a.log.Warn("zalo: getUpdates failed", "err", err, "retry_in", pause)
			continue
		}
		if err != nil {
			a.log.Warn("zalo: skipping updates that do not decode", "err", err)
		}
		pause = 0
		if err := a.handleBatch(ctx, ups, h); err != nil {
			return err
		}
	}
}

// drainInbox hands h the updates a previous run fetched but did not finish.
func (a *Adapter) drainInbox(ctx context.Context, h chat.Handler) error {
	v, err := a.kv.Get(ctx, keyInbox)
	if err == nil && v == "" {
		return nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		a.log.Warn("zalo: reading the journal of fetched updates failed", "err", err)
		return nil
	}
	ups, perr := ParseUpdates([]byte(v))
	if perr != nil {
		a.log.Warn("zalo: skipping journalled updates that do not decode", "err", perr)
	}
	a.log.Info("zalo: handling updates fetched before the last stop", "updates", len(ups))
	if err := a.handleBatch(ctx, ups, h); err != nil {
		return err
	}
	a.journal(ctx, nil)
	return nil
}

// handleBatch gives the text messages among ups to h, each until h took
// it, journalling them meanwhile. It returns only ctx's error.
func (a *Adapter) handleBatch(ctx context.Context, ups []Update, h chat.Handler) error {
	var ins []bot.Inbound
	var raws []json.RawMessage
	for _, u := range ups {
		in, why := a.toInbound(u)
		if why != "" {
			a.stats.ignored.Add(1)
			a.log.Debug("zalo: update ignored", "why", why)
			continue
		}
		ins = append(ins, in)
		raws = append(raws, u.Raw)
	}
	if len(ins) == 0 {
		return nil
	}
	a.journal(ctx, raws)
	for _, in := range ins {
		if err := a.handleRetrying(ctx, in, h); err != nil {
			return err
		}
	}
	a.journal(ctx, nil)
	return nil
}

// journal records the fetched updates not yet handled (nil clears). A
// failure is logged, not fatal: it only reopens the window in which a
// crash loses the updates.
func (a *Adapter) journal(ctx context.Context, raws []json.RawMessage) {
	v := ""
	if len(raws) > 0 {
		b, err := json.Marshal(raws)
		if err != nil {
			a.log.Warn("zalo: encoding the journal failed", "err", err)
			return
		}
		v = string(b)
	}
	if err := a.kv.Put(ctx, map[string]string{keyInbox: v}); err != nil && ctx.Err() == nil {
		a.log.Warn("zalo: saving the journal of fetched updates failed", "err", err)
	}
}

// handleRetrying hands in to h until h returns nil or ctx ends.
func (a *Adapter) handleRetrying(ctx context.Context, in bot.Inbound, h chat.Handler) error {
	var pause time.Duration
	for {
		err := a.handleOne(ctx, in, h)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		pause = nextPause(pause, a.retryBase)
		a.log.Error("zalo: handling a message failed; will retry", "message", in.ID, "chat", in.Chat.ID,
			"err", err, "retry_in", pause)
		if err := sleepCtx(ctx, pause); err != nil {
			return err
		}
	}
}

// handleOne hands in to h unless the engine already recorded its id (when
// the adapter's KV can tell: a chat.SeenChecker).
func (a *Adapter) handleOne(ctx context.Context, in bot.Inbound, h chat.Handler) error {
	if sc, ok := a.kv.(chat.SeenChecker); ok && in.ID != "" {
		if seen, err := sc.Seen(ctx, seenPrefix+in.ID); err == nil && seen {
			a.stats.duplicates.Add(1)
			a.log.Debug("zalo: message already handled", "message", in.ID)
			return nil
		}
		// On a store error, let the handler decide (it checks again).
	}
	if err := h(ctx, in); err != nil {
		a.stats.failed.Add(1)
		return err
	}
	a.stats.received.Add(1)
	return nil
}

// toInbound turns an update into an inbound message; why is set when the
// update is not one the bot acts on.
func (a *Adapter) toInbound(u Update) (in bot.Inbound, why string) {
	m := u.Message
	switch {
	case m == nil:
		return in, "no message"
	case u.EventName != EventText && !(u.EventName == "" && m.Text != ""):
		return in, "not a text message: " + u.EventName
	case m.From.IsBot:
		return in, "from a bot"
	case m.From.ID != "" && m.From.ID == a.me.ID:
		return in, "the bot's own message"
	case m.Chat.ID == "":
		return in, "no chat id"
	case strings.TrimSpace(m.Text) == "":
		return in, "empty text"
	}
	direct := strings.EqualFold(m.Chat.Type, ChatPrivate) || (m.Chat.Type == "" && m.Chat.ID == m.From.ID)
	return bot.Inbound{Platform: Platform, Chat: bot.ChatRef{Platform: Platform, ID: m.Chat.ID, Direct: direct},
		User: m.From.ID, UserName: m.From.Name, Text: m.Text, ID: m.ID, MessageID: m.ID}, ""
}

// SetHandler sets the handler ServeHTTP gives webhook messages to.
func (a *Adapter) SetHandler(h chat.Handler) {
	a.mu.Lock()
	a.handler = h
	a.mu.Unlock()
}

// maxWebhookBody bounds a webhook request body.
const maxWebhookBody = 1 << 20

// ServeHTTP receives webhook updates (webhook mode; otherwise 404). A
// request without the right X-Bot-Api-Secret-Token is refused with 401,
// unread, logged at warn and reported to Config.OnForged. A good request
// may carry one update or an array of them (bare, or wrapped in
// {"ok":true,"result":…}); their text messages go to the handler set with
// SetHandler, in order, and the answer is 200 only after the handler
// returned nil for all of them — 500 otherwise, so that Zalo may post
// again (the engine acts on a message once).
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.cfg.Mode != ModeWebhook {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !chat.SecretEqual(r.Header.Get(SecretHeader), a.cfg.WebhookSecret) {
		a.stats.forged.Add(1)
		a.log.Warn("zalo webhook: request with a missing or wrong secret refused", "remote", r.RemoteAddr,
			"secret_sent", r.Header.Get(SecretHeader) != "")
		if a.cfg.OnForged != nil {
			a.cfg.OnForged(r.RemoteAddr)
		}
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	a.mu.Lock()
	h := a.handler
	a.mu.Unlock()
	if h == nil {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	ups, err := ParseUpdates(body)
	if err != nil {
		if len(ups) == 0 {
			a.log.Warn("zalo webhook: body is no update", "err", err)
			http.Error(w, "not an update", http.StatusBadRequest)
			return
		}
		a.log.Warn("zalo webhook: skipping updates that do not decode", "err", err)
	}
	for _, u := range ups {
		in, why := a.toInbound(u)
		if why != "" {
			a.stats.ignored.Add(1)
			a.log.Debug("zalo webhook: update ignored", "why", why)
			continue
		}
		if err := a.handleOne(r.Context(), in, h); err != nil {
			a.log.Error("zalo webhook: handling a message failed", "message", in.ID, "chat", in.Chat.ID, "err", err)
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"ok":true}`)
}
