package telegram

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
)

// markdownV2Special are the characters MarkdownV2 gives a meaning: the
// reserved ones and the backslash (which escapes the character after it).
const markdownV2Special = "_*[]()~`>#+-=|{}.!\\"

// EscapeMarkdownV2 escapes every character of s that MarkdownV2 would
// read as markup, so Telegram shows s exactly. Unlike the client library's
// EscapeMarkdown it escapes the backslash too: "C:\temp" would otherwise
// lose its backslash ("\t" is an escaped "t").
func EscapeMarkdownV2(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for _, r := range s {
		if r < 128 && strings.IndexByte(markdownV2Special, byte(r)) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Render turns text in the bot's markup (bot.ParseBody) into the
// MarkdownV2 sent: the headline bold, every other character escaped, and
// each command hint the way Telegram users take it: a bare command
// ("/help") as text, which Telegram makes tappable, one with arguments
// ("/done 3") as inline code, which copies on a tap. A hint in the bold
// headline is text (code may not be nested in bold).
func Render(text string) string {
	b := bot.ParseBody(text)
	var out strings.Builder
	if b.Title != nil {
		out.WriteByte('*')
		for _, s := range b.Title {
			out.WriteString(EscapeMarkdownV2(s.Text))
		}
		out.WriteString("*\n")
	}
	for i, line := range b.Lines {
		if i > 0 {
			out.WriteByte('\n')
		}
		for _, s := range line {
			if s.Kind == bot.SpanCommand && !bareCommand(s.Text) {
				out.WriteString("`" + escapeCode(s.Text) + "`")
				continue
			}
			out.WriteString(EscapeMarkdownV2(s.Text))
		}
	}
	return out.String()
}

// bareCommand reports whether hint is a command alone, "/help" or
// "/ack@IrBot": a slash, then letters, digits and underscores (at most 32,
// Telegram's limit), with no arguments.
func bareCommand(hint string) bool {
	name, ok := strings.CutPrefix(hint, "/")
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name = name[:i]
	}
	if !ok || name == "" || len(name) > 32 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return !strings.ContainsAny(hint, " \t")
}

// escapeCode escapes s for inside MarkdownV2 inline code, where only `
// and \ are special.
func escapeCode(s string) string {
	return strings.NewReplacer("\\", "\\\\", "`", "\\`").Replace(s)
}

// inlineKeyboard is reply_markup with callback buttons only. The client
// library's InlineKeyboardButton always serialises an empty copy_text
// object; this type sends exactly what the API documents.
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

// buttonsPerRow is how many buttons share a keyboard row.
const buttonsPerRow = 3

// maxCallbackData is Telegram's limit on callback_data, in bytes.
const maxCallbackData = 64

// keyboard builds the inline keyboard for buttons, storing data longer
// than Telegram allows and sending its key instead. It returns nil (no
// reply_markup) when there are no buttons.
func (a *Adapter) keyboard(ctx context.Context, buttons []bot.Button) (models.ReplyMarkup, error) {
	var rows [][]inlineButton
	for _, b := range buttons {
		data := b.Data
		if data == "" {
			continue // nothing to send back; Telegram refuses empty data
		}
		if len(data) > maxCallbackData || strings.HasPrefix(data, callbackPrefix) {
			var err error
			if data, err = a.storeCallback(ctx, data); err != nil {
				return nil, err
			}
		}
		label := b.Label
		if strings.TrimSpace(label) == "" {
			label = b.Data
		}
		if len(rows) == 0 || len(rows[len(rows)-1]) == buttonsPerRow {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], inlineButton{Text: label, CallbackData: data})
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &inlineKeyboard{InlineKeyboard: rows}, nil
}

// storeCallback keeps data in the store and returns the short key sent as
// callback_data instead ("tgcb:" and 16 characters of its SHA-256).
func (a *Adapter) storeCallback(ctx context.Context, data string) (string, error) {
	sum := sha256.Sum256([]byte(data))
	h := base64.RawURLEncoding.EncodeToString(sum[:])[:16]
	a.mu.Lock()
	known := a.cbStored[h]
	a.mu.Unlock()
	if !known {
		if err := a.put(ctx, map[string]string{keyCallback + h: data}); err != nil {
			return "", err
		}
		a.mu.Lock()
		a.cbStored[h] = true
		a.mu.Unlock()
	}
	return callbackPrefix + h, nil
}

// callbackData resolves a button's callback_data to the data the engine
// gave it; ok is false for a key the store does not know.
func (a *Adapter) callbackData(ctx context.Context, data string) (string, bool, error) {
	h, ok := strings.CutPrefix(data, callbackPrefix)
	if !ok {
		return data, true, nil
	}
	v, err := a.getKV(ctx, keyCallback+h)
	if err != nil || v == "" {
		return "", false, err
	}
	return v, true, nil
}

// chatArg is a chat id as the API takes it: a number, or "@channel".
func chatArg(id string) any {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		return n
	}
	return id
}

// target follows recorded group→supergroup migrations from id.
func (a *Adapter) target(ctx context.Context, id string) (string, error) {
	for range 4 {
		v, err := a.getKV(ctx, keyMigrated+id)
		if err != nil {
			return "", err
		}
		if v == "" {
			break
		}
		id = v
	}
	return id, nil
}

// origin follows recorded migrations back from id, so updates from a
// migrated group keep the chat id incidents know.
func (a *Adapter) origin(ctx context.Context, id string) (string, error) {
	for range 4 {
		v, err := a.getKV(ctx, keyMigratedFrom+id)
		if err != nil {
			return "", err
		}
		if v == "" {
			break
		}
		id = v
	}
	return id, nil
}

// recordMigration remembers that group from is now supergroup to.
func (a *Adapter) recordMigration(ctx context.Context, from, to string) error {
	if from == to || from == "" || to == "" {
		return nil
	}
	a.mu.Lock()
	done := a.migrated[from+">"+to]
	a.mu.Unlock()
	if done {
		return nil
	}
	if err := a.put(ctx, map[string]string{keyMigrated + from: to, keyMigratedFrom + to: from}); err != nil {
		return err
	}
	a.mu.Lock()
	a.migrated[from+">"+to] = true
	a.mu.Unlock()
	a.log.Info("telegram group migrated to a supergroup", "old", from, "new", to)
	return nil
}

func isMigrate(err error) (string, bool) {
	var me *tgbot.MigrateError
	if errors.As(err, &me) && me.MigrateToChatID != 0 {
		return strconv.FormatInt(int64(me.MigrateToChatID), 10), true
	}
	return "", false
}

func contains(err error, parts ...string) bool {
	s := err.Error()
	for _, p := range parts {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// maxAttempts bounds the immediate retries of one send (after a
// migration, or when a forum topic has gone).
const maxAttempts = 3

// noPreview turns link previews off: Telegram's servers would otherwise
// fetch every URL in an incident message, internal ones included.
func noPreview() *models.LinkPreviewOptions {
	return &models.LinkPreviewOptions{IsDisabled: tgbot.True()}
}

// Send implements chat.Sender: it posts m (MarkdownV2: see Render) with
// its buttons, in the incident's forum topic where the chat is a forum,
// as a reply to m.ReplyTo when that message still exists. It returns the
// message id.
func (a *Adapter) Send(ctx context.Context, m bot.Outgoing) (string, error) {
	if strings.TrimSpace(bot.StripMarks(m.Text)) == "" {
		return "", fmt.Errorf("%w: telegram: empty message", chat.ErrPermanent)
	}
	markup, err := a.keyboard(ctx, m.Buttons)
	if err != nil {
		return "", err
	}
	p := &tgbot.SendMessageParams{Text: Render(m.Text), ParseMode: models.ParseModeMarkdown,
		ReplyMarkup: markup, LinkPreviewOptions: noPreview(), ReplyParameters: replyParams(m.ReplyTo)}
	var sentTo any
	id, err := a.post(ctx, "sendMessage", m, func(chatID any, thread int) (*models.Message, error) {
		p.ChatID, p.MessageThreadID, sentTo = chatID, thread, chatID
		return a.api.SendMessage(ctx, p)
	})
	if err == nil && m.EditOnly && strings.HasPrefix(m.EditKey, "status:") {
		// The live status card is pinned, so the chat always shows where
		// the incident stands. Pinning needs admin rights; without them the
		// card still works, unpinned.
		if mid, perr := strconv.Atoi(id); perr == nil {
			if _, perr := a.api.PinChatMessage(ctx, &tgbot.PinChatMessageParams{ChatID: sentTo, MessageID: mid, DisableNotification: true}); perr != nil {
				a.log.Info("telegram: status card not pinned", "chat", m.Chat.ID, "err", a.scrub(perr.Error()))
			}
		}
	}
	return id, err
}

// MaxCaptionLen is Telegram's longest document caption, in characters
// after entity parsing.
const MaxCaptionLen = 1024

// SendFile implements chat.FileSender: it posts m.File as a document with
// m.Text as its caption (cut to Telegram's 1024 characters; the file
// carries the content), placed like Send places messages.
func (a *Adapter) SendFile(ctx context.Context, m bot.Outgoing) (string, error) {
	if m.File == nil {
		return a.Send(ctx, m)
	}
	markup, err := a.keyboard(ctx, m.Buttons)
	if err != nil {
		return "", err
	}
	name := m.File.Name
	if strings.TrimSpace(name) == "" {
		name = "file"
	}
	p := &tgbot.SendDocumentParams{Caption: Render(caption(m.Text)), ParseMode: models.ParseModeMarkdown,
		ReplyMarkup: markup, ReplyParameters: replyParams(m.ReplyTo)}
	return a.post(ctx, "sendDocument", m, func(chatID any, thread int) (*models.Message, error) {
		p.ChatID, p.MessageThreadID = chatID, thread
		p.Document = &models.InputFileUpload{Filename: name, Data: bytes.NewReader(m.File.Data)}
		return a.api.SendDocument(ctx, p)
	})
}

// caption cuts text to a document caption.
func caption(text string) string {
	if parts := chat.Split(text, MaxCaptionLen); len(parts) > 1 {
		return chat.Split(text, MaxCaptionLen-1)[0] + "…"
	}
	return text
}

// replyParams answers message id (when it still exists).
func replyParams(id string) *models.ReplyParameters {
	if n, err := strconv.Atoi(id); err == nil && n > 0 {
		return &models.ReplyParameters{MessageID: n, AllowSendingWithoutReply: true}
	}
	return nil
}

// post sends m to its chat with call, following a migration the API
// reports and re-creating a forum topic that was deleted, and returns the
// new message's id.
func (a *Adapter) post(ctx context.Context, op string, m bot.Outgoing,
	call func(chatID any, thread int) (*models.Message, error)) (string, error) {
	chatID, err := a.target(ctx, m.Chat.ID)
	if err != nil {
		return "", err
	}
	for attempt := 1; ; attempt++ {
		thread := 0
		if m.Incident != 0 && !m.Chat.Direct {
			if thread, err = a.topic(ctx, chatID, m.Incident); err != nil {
				return "", err
			}
		}
		msg, err := call(chatArg(chatID), thread)
		if err == nil {
			return strconv.Itoa(msg.ID), nil
		}
		if attempt < maxAttempts {
			if to, ok := isMigrate(err); ok {
				if err := a.recordMigration(ctx, chatID, to); err != nil {
					return "", err
				}
				chatID = to
				continue
			}
			if thread != 0 && contains(err, "message thread not found", "TOPIC_DELETED", "TOPIC_CLOSED") {
				// The incident's topic was deleted or closed by hand:
				// open a new one.
				if err := a.put(ctx, map[string]string{topicKey(chatID, m.Incident): ""}); err != nil {
					return "", err
				}
				continue
			}
		}
		return "", a.classify(op, err)
	}
}

// Edit implements chat.Editor: it replaces the text and buttons of
// message messageID. "Message is not modified" counts as success; a
// message that is gone or too old to edit is a permanent failure (the
// delivery layer then posts anew).
func (a *Adapter) Edit(ctx context.Context, m bot.Outgoing, messageID string) error {
	id, err := strconv.Atoi(messageID)
	if err != nil || id <= 0 {
		return fmt.Errorf("%w: telegram: bad message id %q", chat.ErrPermanent, messageID)
	}
	if strings.TrimSpace(bot.StripMarks(m.Text)) == "" {
		return fmt.Errorf("%w: telegram: empty message", chat.ErrPermanent)
	}
	chatID, err := a.target(ctx, m.Chat.ID)
	if err != nil {
		return err
	}
	markup, err := a.keyboard(ctx, m.Buttons)
	if err != nil {
		return err
	}
	p := &tgbot.EditMessageTextParams{MessageID: id, Text: Render(m.Text), ParseMode: models.ParseModeMarkdown,
		ReplyMarkup: markup, LinkPreviewOptions: noPreview()}
	for attempt := 1; ; attempt++ {
		p.ChatID = chatArg(chatID)
		_, err := a.api.EditMessageText(ctx, p)
		if err == nil || contains(err, "message is not modified") {
			return nil
		}
		if to, ok := isMigrate(err); ok && attempt < maxAttempts {
			if err := a.recordMigration(ctx, chatID, to); err != nil {
				return err
			}
			chatID = to
			continue
		}
		return a.classify("editMessageText", err)
	}
}

func topicKey(chatID string, incident int64) string {
	return keyTopic + chatID + ":" + strconv.FormatInt(incident, 10)
}

// isForum reports whether chatID is a forum supergroup, as last seen on
// an inbound message. Only "yes" is cached: another process sharing the
// store may be the one that sees the chat become a forum.
func (a *Adapter) isForum(ctx context.Context, chatID string) (bool, error) {
	a.mu.Lock()
	f := a.forum[chatID]
	a.mu.Unlock()
	if f {
		return true, nil
	}
	v, err := a.getKV(ctx, keyForum+chatID)
	if err != nil || v != "1" {
		return false, err
	}
	a.setForum(chatID, true)
	return true, nil
}

func (a *Adapter) setForum(chatID string, forum bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if forum {
		a.forum[chatID] = true
	} else {
		delete(a.forum, chatID)
	}
}

// noteForum records whether an inbound message's chat is a forum.
func (a *Adapter) noteForum(ctx context.Context, c models.Chat) error {
	if c.Type != models.ChatTypeSupergroup {
		return nil
	}
	id := strconv.FormatInt(c.ID, 10)
	known, err := a.isForum(ctx, id)
	if err != nil || known == c.IsForum {
		return err
	}
	v := ""
	if c.IsForum {
		v = "1"
	}
	if err := a.put(ctx, map[string]string{keyForum + id: v}); err != nil {
		return err
	}
	a.setForum(id, c.IsForum)
	return nil
}

// topic returns the forum topic (message_thread_id) of incident in
// chatID, creating it on first use; 0 when the chat is not a forum or the
// bot may not create topics there.
func (a *Adapter) topic(ctx context.Context, chatID string, incident int64) (int, error) {
	forum, err := a.isForum(ctx, chatID)
	if err != nil || !forum {
		return 0, err
	}
	a.topicMu.Lock()
	defer a.topicMu.Unlock()
	key := topicKey(chatID, incident)
	v, err := a.getKV(ctx, key)
	if err != nil {
		return 0, err
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return n, nil
	}
	a.mu.Lock()
	refused := a.noTopic[chatID]
	a.mu.Unlock()
	if refused {
		return 0, nil
	}
	ft, err := a.api.CreateForumTopic(ctx, &tgbot.CreateForumTopicParams{ChatID: chatArg(chatID),
		Name: fmt.Sprintf("%s-%d", a.cfg.TopicPrefix, incident)})
	if err != nil {
		cerr := a.classify("createForumTopic", err)
		if !errors.Is(cerr, chat.ErrPermanent) {
			return 0, cerr // rate limit, network: try again later
		}
		if contains(err, "not a forum") {
			// Topics were switched off: post in the chat.
			a.setForum(chatID, false)
			return 0, a.put(ctx, map[string]string{keyForum + chatID: ""})
		}
		a.log.Warn("telegram: cannot create a forum topic; posting in the chat", "chat", chatID, "err", cerr)
		a.mu.Lock()
		a.noTopic[chatID] = true
		a.mu.Unlock()
		return 0, nil
	}
	if err := a.put(ctx, map[string]string{key: strconv.Itoa(ft.MessageThreadID)}); err != nil {
		return 0, err
	}
	return ft.MessageThreadID, nil
}
