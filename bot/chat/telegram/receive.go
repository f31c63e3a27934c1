package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
)

// allowedUpdates are the update kinds the bot asks for.
func allowedUpdates() []string { return []string{"message", "callback_query"} }

// SecretHeader is the header in which Telegram sends the webhook's secret.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// errFatal marks a polling failure retrying cannot fix (a revoked token).
var errFatal = errors.New("fatal")

// Receive implements chat.Receiver by long polling getUpdates. Updates are
// handed to h one at a time, in update_id order; the offset moves past an
// update — in memory and in the store ("telegram:offset") — only after h
// returned nil for it, and Telegram drops an update only when a later
// getUpdates carries that offset. So a crash at any point re-delivers the
// update in flight (the engine deduplicates it by update id), and an error
// from h retries the same update after a pause. Receive returns when ctx
// ends (with ctx's error), or at once on an error retrying cannot fix (a
// revoked token, webhook mode).
//
// getUpdates is called directly over HTTP rather than through the client
// library's polling: the library advances its offset when it reads an
// update, before any handler ran, keeps it only in memory and runs
// handlers concurrently, which would lose an update to a crash and break
// the order of commands.
func (a *Adapter) Receive(ctx context.Context, h chat.Handler) error {
	if a.cfg.Mode == ModeWebhook {
		return errors.New("telegram: Receive is for polling mode; in webhook mode serve the Adapter over HTTP")
	}
	offset, err := a.loadOffset(ctx)
	if err != nil {
		return err
	}
	// getUpdates fails while a webhook is set; keep pending updates.
	if _, err := a.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil && ctx.Err() == nil {
		a.log.Warn("telegram: deleteWebhook failed", "err", a.classify("deleteWebhook", err))
	}
	var pause time.Duration
	for {
		if pause > 0 {
			t := time.NewTimer(pause)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		raws, err := a.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, errFatal) {
				return err
			}
			var ra *chat.RetryAfterError
			if errors.As(err, &ra) {
				pause = ra.After
			} else {
				pause = nextPause(pause)
			}
			a.log.Warn("telegram: getUpdates failed", "err", err, "retry_in", pause)
			continue
		}
		pause = 0
		for _, raw := range raws {
			id, upd, derr := decodeUpdate(raw)
			if id == 0 {
				a.log.Error("telegram: update without update_id", "err", derr)
				pause = nextPause(pause)
				break
			}
			if derr != nil {
				a.log.Warn("telegram: skipping an update that does not decode", "update", id, "err", derr)
			} else if err := a.handle(ctx, upd, h); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				pause = nextPause(pause)
				a.log.Error("telegram: handling an update failed; will retry", "update", id, "err", err, "retry_in", pause)
				break
			}
			offset = id + 1
			if err := a.put(ctx, map[string]string{keyOffset: strconv.FormatInt(offset, 10)}); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				// Not fatal: on a restart the update comes again and is
				// deduplicated.
				a.log.Warn("telegram: saving the offset failed", "err", err)
			}
		}
	}
}

func nextPause(p time.Duration) time.Duration {
	if p <= 0 {
		return 100 * time.Millisecond
	}
	return min(2*p, 5*time.Second)
}

func (a *Adapter) loadOffset(ctx context.Context) (int64, error) {
	v, err := a.getKV(ctx, keyOffset)
	if err != nil || v == "" {
		return 0, err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		a.log.Warn("telegram: ignoring a bad stored offset", "offset", v)
		return 0, nil
	}
	return n, nil
}

// apiResponse is the Bot API's envelope.
type apiResponse struct {
	OK          bool              `json:"ok"`
	Result      []json.RawMessage `json:"result"`
	ErrorCode   int               `json:"error_code"`
	Description string            `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// getUpdates long-polls for the updates from offset on.
func (a *Adapter) getUpdates(ctx context.Context, offset int64) ([]json.RawMessage, error) {
	body, err := json.Marshal(map[string]any{"offset": offset, "limit": 100,
		"timeout": max(int(a.cfg.PollTimeout/time.Second), 1), "allowed_updates": allowedUpdates()})
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, a.cfg.PollTimeout+15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, a.base+"/bot"+a.cfg.Token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("telegram getUpdates: %s", a.scrub(err.Error()))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.poll.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL holds the token
		}
		return nil, fmt.Errorf("telegram getUpdates: %s", a.scrub(err.Error()))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("telegram getUpdates: read: %s", a.scrub(err.Error()))
	}
	var r apiResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("telegram getUpdates: HTTP %d, undecodable answer", resp.StatusCode)
	}
	if !r.OK {
		desc := a.scrub(r.Description)
		switch r.ErrorCode {
		case http.StatusTooManyRequests:
			return nil, &chat.RetryAfterError{After: max(time.Duration(r.Parameters.RetryAfter)*time.Second, time.Second)}
		case http.StatusUnauthorized, http.StatusNotFound:
			return nil, fmt.Errorf("telegram getUpdates: %w: %d %s (check the token and API URL)", errFatal, r.ErrorCode, desc)
		}
		return nil, fmt.Errorf("telegram getUpdates: %d %s", r.ErrorCode, desc)
	}
	return r.Result, nil
}

// decodeUpdate decodes one update. id is 0 only when even update_id is
// unreadable; err says the rest did not decode.
func decodeUpdate(raw []byte) (int64, *models.Update, error) {
	var head struct {
		ID int64 `json:"update_id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return 0, nil, err
	}
	var u models.Update
	if err := json.Unmarshal(raw, &u); err != nil {
		return head.ID, nil, err
	}
	return head.ID, &u, nil
}

// handle turns one update into an inbound message and hands it to h.
func (a *Adapter) handle(ctx context.Context, u *models.Update, h chat.Handler) error {
	in, ok, err := a.inbound(ctx, u)
	if err != nil || !ok {
		return err
	}
	return h(ctx, in)
}

// inbound converts an update; ok is false for updates the bot ignores
// (service messages, edits, non-text messages). It answers callback
// queries at once and records forum and migration facts on the way.
func (a *Adapter) inbound(ctx context.Context, u *models.Update) (bot.Inbound, bool, error) {
	switch {
	case u.Message != nil:
		return a.fromMessage(ctx, u.ID, u.Message)
	case u.CallbackQuery != nil:
		return a.fromCallback(ctx, u.ID, u.CallbackQuery)
	}
	return bot.Inbound{}, false, nil
}

func displayName(u *models.User) string {
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

func (a *Adapter) chatRef(ctx context.Context, c models.Chat) (bot.ChatRef, error) {
	id, err := a.origin(ctx, strconv.FormatInt(c.ID, 10))
	if err != nil {
		return bot.ChatRef{}, err
	}
	return bot.ChatRef{Platform: Platform, ID: id, Direct: c.Type == models.ChatTypePrivate}, nil
}

func (a *Adapter) fromMessage(ctx context.Context, updateID int64, m *models.Message) (bot.Inbound, bool, error) {
	id := strconv.FormatInt(m.Chat.ID, 10)
	switch {
	case m.MigrateToChatID != 0:
		return bot.Inbound{}, false, a.recordMigration(ctx, id, strconv.FormatInt(m.MigrateToChatID, 10))
	case m.MigrateFromChatID != 0:
		return bot.Inbound{}, false, a.recordMigration(ctx, strconv.FormatInt(m.MigrateFromChatID, 10), id)
	}
	if err := a.noteForum(ctx, m.Chat); err != nil {
		return bot.Inbound{}, false, err
	}
	if m.Text == "" || m.From == nil || m.From.IsBot {
		return bot.Inbound{}, false, nil
	}
	ref, err := a.chatRef(ctx, m.Chat)
	if err != nil {
		return bot.Inbound{}, false, err
	}
	return bot.Inbound{Platform: Platform, Chat: ref, User: strconv.FormatInt(m.From.ID, 10),
		UserName: displayName(m.From), Text: m.Text, ID: strconv.FormatInt(updateID, 10),
		MessageID: strconv.Itoa(m.ID)}, true, nil
}

// answerTimeout bounds answerCallbackQuery, which only stops the
// button's spinner.
const answerTimeout = 5 * time.Second

func (a *Adapter) fromCallback(ctx context.Context, updateID int64, q *models.CallbackQuery) (bot.Inbound, bool, error) {
	actx, cancel := context.WithTimeout(ctx, answerTimeout)
	_, err := a.api.AnswerCallbackQuery(actx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: q.ID, Text: "✓"})
	cancel()
	if err != nil && ctx.Err() == nil {
		// Expected for a re-delivered update: the query is answered or old.
		a.log.Debug("telegram: answerCallbackQuery failed", "err", a.classify("answerCallbackQuery", err))
	}
	var c models.Chat
	var msgID int
	switch {
	case q.Message.Message != nil:
		c, msgID = q.Message.Message.Chat, q.Message.Message.ID
	case q.Message.InaccessibleMessage != nil:
		c, msgID = q.Message.InaccessibleMessage.Chat, q.Message.InaccessibleMessage.MessageID
	default:
		return bot.Inbound{}, false, nil // a button under an inline-mode message
	}
	data, ok, err := a.callbackData(ctx, q.Data)
	if err != nil {
		return bot.Inbound{}, false, err
	}
	if !ok || data == "" {
		a.log.Warn("telegram: button with unknown callback data ignored", "update", updateID)
		return bot.Inbound{}, false, nil
	}
	ref, err := a.chatRef(ctx, c)
	if err != nil {
		return bot.Inbound{}, false, err
	}
	return bot.Inbound{Platform: Platform, Chat: ref, User: strconv.FormatInt(q.From.ID, 10),
		UserName: displayName(&q.From), Text: data, Button: true, ID: strconv.FormatInt(updateID, 10),
		MessageID: strconv.Itoa(msgID)}, true, nil
}

// SetHandler sets the handler ServeHTTP gives webhook updates to.
func (a *Adapter) SetHandler(h chat.Handler) {
	a.mu.Lock()
	a.handler = h
	a.mu.Unlock()
}

// maxWebhookBody bounds a webhook request body.
const maxWebhookBody = 1 << 20

// ServeHTTP receives webhook updates. A request without the right
// X-Telegram-Bot-Api-Secret-Token is refused with 401, unread, logged at
// warn and reported to Config.OnForged. A good update is handed to the
// handler set with SetHandler and answered 200 only after the handler
// returned nil; otherwise 500, and Telegram posts it again (the engine
// deduplicates).
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !chat.SecretEqual(r.Header.Get(SecretHeader), a.cfg.WebhookSecret) {
		a.log.Warn("telegram webhook: request with a missing or wrong secret token refused", "remote", r.RemoteAddr,
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
	id, upd, err := decodeUpdate(body)
	switch {
	case id == 0:
		http.Error(w, "not an update", http.StatusBadRequest)
		return
	case err != nil:
		a.log.Warn("telegram webhook: skipping an update that does not decode", "update", id, "err", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	if err := a.handle(r.Context(), upd, h); err != nil {
		a.log.Error("telegram webhook: handling an update failed", "update", id, "err", err)
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// SetWebhook asks Telegram to post updates to url with the configured
// secret (webhook mode). Pending updates are kept. Telegram is asked for
// one connection at a time, so updates arrive — and commands are applied —
// in order, as in polling mode.
func (a *Adapter) SetWebhook(ctx context.Context, url string) error {
	if a.cfg.Mode != ModeWebhook {
		return errors.New("telegram: SetWebhook needs webhook mode")
	}
	_, err := a.api.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: url, SecretToken: a.cfg.WebhookSecret,
		AllowedUpdates: allowedUpdates(), MaxConnections: 1})
	if err != nil {
		return a.classify("setWebhook", err)
	}
	return nil
}
