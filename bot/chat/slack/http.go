package slack

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/irbot/irbot/bot"
)

// maxBody bounds a request body from Slack.
const maxBody = 1 << 20

// Reasons given to Config.OnRejected.
const (
	RejectMissing   = "missing signature"
	RejectStale     = "stale timestamp"
	RejectMalformed = "malformed signature"
	RejectBad       = "bad signature"
)

// ServeHTTP receives what Slack posts, on any path: Events API callbacks
// (JSON), slash commands and interactivity payloads (forms). Every request
// is checked against the signing secret before its body is parsed: a
// missing, malformed or wrong signature, or a timestamp more than five
// minutes away, is refused with 401 (and told to Config.OnRejected). The
// url_verification challenge is answered. Accepted events, commands and
// button presses are answered 200 at once, with an empty body, and handed
// to the handler set with SetHandler afterwards, in arrival order per
// chat; the engine's replies reach the chat through the delivery layer.
//
// Each inbound message carries an id the engine deduplicates by: the
// event_id of an event, the trigger_id of a slash command, the action_ts
// and user of a button press; and when Slack sent none of these, an id
// made from the signed request itself (see requestID), so that the same
// signed request posted twice within its five minutes acts once.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	if reason := a.verify(r.Header, body); reason != "" {
		a.log.Warn("slack: request refused", "reason", reason, "remote", r.RemoteAddr)
		if a.cfg.OnRejected != nil {
			a.cfg.OnRejected(reason, r.RemoteAddr)
		}
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	reqID := requestID(r.Header, body)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		a.serveEvent(w, r, body, reqID)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	switch {
	case form.Get("ssl_check") != "":
		w.WriteHeader(http.StatusOK)
	case form.Has("payload"):
		a.serveInteraction(w, r, form.Get("payload"), reqID)
	case form.Has("command"):
		a.serveCommand(w, r, form, reqID)
	default:
		http.Error(w, "not a Slack request", http.StatusBadRequest)
	}
}

// verify checks the request's signature with the signing secret and
// returns why it is refused, "" when it is good.
func (a *Adapter) verify(h http.Header, body []byte) string {
	if a.cfg.SigningSecret == "" {
		return RejectMissing
	}
	sv, err := slackapi.NewSecretsVerifier(h, a.cfg.SigningSecret)
	switch {
	case errors.Is(err, slackapi.ErrMissingHeaders):
		return RejectMissing
	case errors.Is(err, slackapi.ErrExpiredTimestamp):
		return RejectStale
	case err != nil:
		return RejectMalformed
	}
	if _, err := sv.Write(body); err != nil {
		return RejectMalformed
	}
	if sv.Ensure() != nil {
		return RejectBad
	}
	return ""
}

// requestID names a verified request by what its signature covers, the
// timestamp and the body: "req:" and 32 hex digits of their SHA-256. It is
// the inbound id of work that carries no id of Slack's (a slash command
// without trigger_id, an event without event_id, a button press without
// action_ts). A replay of the request — the same signed bytes, within the
// five minutes the signature is accepted — gets the same id, and the
// engine acts on it once; a command typed again is signed at another
// time, and is a new request. (Two identical requests signed in the same
// second would be taken as one: Slack sends its ids, so this is only the
// fallback.)
func requestID(h http.Header, body []byte) string {
	sum := sha256.New()
	io.WriteString(sum, "v0:"+h.Get("X-Slack-Request-Timestamp")+":")
	sum.Write(body)
	return "req:" + hex.EncodeToString(sum.Sum(nil)[:16])
}

// serveEvent answers an Events API request.
func (a *Adapter) serveEvent(w http.ResponseWriter, r *http.Request, body []byte, reqID string) {
	var outer struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
	}
	if err := json.Unmarshal(body, &outer); err != nil {
		http.Error(w, "bad JSON", http.StatusBadRequest)
		return
	}
	switch outer.Type {
	case slackevents.URLVerification:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"challenge": outer.Challenge})
		return
	case slackevents.AppRateLimited:
		a.log.Warn("slack: Slack is rate limiting the app's events")
		w.WriteHeader(http.StatusOK)
		return
	case slackevents.CallbackEvent:
	default:
		w.WriteHeader(http.StatusOK)
		return
	}
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		// An event type the library does not know: nothing for us.
		a.log.Debug("slack: event not understood", "err", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	cb, _ := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if cb == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	in, ok := a.fromEvent(cb.EventID, ev.InnerEvent.Data)
	if !ok {
		w.WriteHeader(http.StatusOK)
		return
	}
	if in.ID == "" {
		in.ID = reqID
	}
	if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
		a.log.Info("slack: event retried by Slack", "event", cb.EventID, "retry", n,
			"reason", r.Header.Get("X-Slack-Retry-Reason"))
	}
	a.accept(w, r, in)
}

// serveCommand answers a slash command.
func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request, form url.Values, reqID string) {
	c := slackapi.SlashCommand{ChannelID: form.Get("channel_id"), ChannelName: form.Get("channel_name"),
		UserID: form.Get("user_id"), UserName: form.Get("user_name"), Command: form.Get("command"),
		Text: form.Get("text"), TriggerID: form.Get("trigger_id"), TeamID: form.Get("team_id")}
	in, ok := a.fromCommand(c)
	if !ok {
		http.Error(w, "incomplete command", http.StatusBadRequest)
		return
	}
	if in.ID == "" {
		in.ID = reqID
	}
	a.accept(w, r, in)
}

// serveInteraction answers an interactivity payload (button presses).
func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request, payload, reqID string) {
	var ic slackapi.InteractionCallback
	if err := json.Unmarshal([]byte(payload), &ic); err != nil {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	ins, err := a.fromInteraction(r.Context(), &ic)
	if err != nil {
		a.log.Error("slack: reading a button press failed", "err", err)
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	var last <-chan struct{}
	for i, in := range ins {
		if in.ID == "" {
			in.ID = reqID + ":" + strconv.Itoa(i)
		}
		done, err := a.enqueue(in)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		last = done
	}
	a.await(r, last)
	w.WriteHeader(http.StatusOK)
}

// accept queues in for the handler and answers 200 with an empty body
// (503 when there is no handler or the adapter is closing).
func (a *Adapter) accept(w http.ResponseWriter, r *http.Request, in bot.Inbound) {
	done, err := a.enqueue(in)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	a.await(r, done)
	w.WriteHeader(http.StatusOK)
}

// defaultSyncWait is Config.SyncWait's default: Slack wants an answer
// within 3 seconds. Work slower than this is answered anyway and finishes
// after.
const defaultSyncWait = 2500 * time.Millisecond

// await waits for done, up to Config.SyncWait.
func (a *Adapter) await(r *http.Request, done <-chan struct{}) {
	wait := a.cfg.SyncWait
	if wait == 0 {
		wait = defaultSyncWait
	}
	if done == nil || wait < 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-r.Context().Done():
	}
}

// enqueue hands in to the handler, behind the work already queued for the
// same chat.
func (a *Adapter) enqueue(in bot.Inbound) (<-chan struct{}, error) {
	h := a.currentHandler()
	if h == nil {
		return nil, errors.New("not ready")
	}
	return a.queue.add(in.Chat.String(), in, h)
}
