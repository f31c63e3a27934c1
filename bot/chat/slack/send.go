package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
)

// filePrefix marks the message id SendFile returns: a file id, since
// Slack does not tell which message shared an uploaded file.
const filePrefix = "file:"

// Send implements chat.Sender with chat.postMessage: the text as sections
// of mrkdwn, the buttons as an actions block, in the incident's thread
// where the message belongs there. It returns the message's ts.
func (a *Adapter) Send(ctx context.Context, m bot.Outgoing) (string, error) {
	ch, err := a.channel(ctx, m.Chat)
	if err != nil {
		return "", err
	}
	blocks, text, err := a.blocks(ctx, m)
	if err != nil {
		return "", err
	}
	return a.post(ctx, ch, m, true, func(thread string) (string, error) {
		opts := []slackapi.MsgOption{slackapi.MsgOptionText(text, false), slackapi.MsgOptionBlocks(blocks...)}
		if thread != "" {
			opts = append(opts, slackapi.MsgOptionTS(thread))
		}
		_, ts, err := a.api.PostMessageContext(ctx, ch, opts...)
		if slackCode(err) == "not_in_channel" && a.join(ctx, ch) {
			_, ts, err = a.api.PostMessageContext(ctx, ch, opts...)
		}
		if err != nil {
			return "", a.classify("chat.postMessage", err)
		}
		return ts, nil
	})
}

// Edit implements chat.Editor with chat.update: message ts in m's chat
// gets m's text and buttons. A file (SendFile's id) cannot be edited; that
// and a message Slack will not update (deleted, too old) are permanent
// errors, after which the delivery layer posts anew.
func (a *Adapter) Edit(ctx context.Context, m bot.Outgoing, messageID string) error {
	if messageID == "" || strings.HasPrefix(messageID, filePrefix) {
		return fmt.Errorf("%w: slack chat.update: message %q cannot be edited", chat.ErrPermanent, messageID)
	}
	ch, err := a.channel(ctx, m.Chat)
	if err != nil {
		return err
	}
	blocks, text, err := a.blocks(ctx, m)
	if err != nil {
		return err
	}
	_, _, _, err = a.api.UpdateMessageContext(ctx, ch, messageID,
		slackapi.MsgOptionText(text, false), slackapi.MsgOptionBlocks(blocks...))
	if err != nil {
		return a.classify("chat.update", err)
	}
	return nil
}

// SendFile implements chat.FileSender with Slack's external upload
// (files.getUploadURLExternal, the upload, files.completeUploadExternal):
// the file is shared in the chat, in the incident's thread when there is
// one, with the text as its comment. Buttons are not sent with a file.
// The id returned is "file:<file id>".
func (a *Adapter) SendFile(ctx context.Context, m bot.Outgoing) (string, error) {
	if m.File == nil || len(m.File.Data) == 0 {
		return a.Send(ctx, m)
	}
	ch, err := a.channel(ctx, m.Chat)
	if err != nil {
		return "", err
	}
	name := strings.TrimSpace(m.File.Name)
	if name == "" {
		name = "irbot-file"
	}
	comment := Escape(clipRunes(strings.TrimSpace(a.plain(m.Text)), MaxSectionText))
	// A file's message has no ts we learn, so it cannot start a thread.
	return a.post(ctx, ch, m, false, func(thread string) (string, error) {
		f, err := a.api.UploadFileContext(ctx, slackapi.UploadFileParameters{
			Reader: bytes.NewReader(m.File.Data), FileSize: len(m.File.Data), Filename: name, Title: name,
			Channel: ch, InitialComment: comment, ThreadTimestamp: thread,
		})
		if err != nil {
			return "", a.classify("files upload", err)
		}
		return filePrefix + f.ID, nil
	})
}

// slackCode returns the Web API error code of err, "" when it has none.
func slackCode(err error) string {
	var se slackapi.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// join makes the bot a member of public channel ch (a slash command can
// come from a channel the bot is not in), reporting whether it now is.
func (a *Adapter) join(ctx context.Context, ch string) bool {
	if !strings.HasPrefix(ch, "C") {
		return false
	}
	if _, _, _, err := a.api.JoinConversationContext(ctx, ch); err != nil {
		a.log.Warn("slack: could not join the channel to post there", "channel", ch, "err", a.classify("conversations.join", err))
		return false
	}
	a.log.Info("slack: joined a channel to post there", "channel", ch)
	return true
}

// threaded reports whether m goes into its incident's thread: a message of
// an incident to a shared channel, other than the live status card.
func threaded(m bot.Outgoing, ch string) bool {
	return m.Incident != 0 && !m.Chat.Direct && !isUserID(m.Chat.ID) && !strings.HasPrefix(ch, "D") &&
		m.EditKey == "" && !m.EditOnly
}

func threadKey(ch string, incident int64) string {
	return keyThread + ch + ":" + strconv.FormatInt(incident, 10)
}

// post runs call with the thread m belongs in ("" for top-level). The
// first message of an incident to a channel (when canRoot) starts the
// incident's thread there: its ts is remembered for the ones after it.
// Other messages answering a message in a thread go into that thread.
func (a *Adapter) post(ctx context.Context, ch string, m bot.Outgoing, canRoot bool, call func(thread string) (string, error)) (string, error) {
	if !threaded(m, ch) {
		return call(a.replyThread(ch, m.ReplyTo))
	}
	key := threadKey(ch, m.Incident)
	ts, err := a.getKV(ctx, key)
	if err != nil {
		return "", err
	}
	if ts != "" || !canRoot {
		return call(ts)
	}
	a.rootMu.Lock()
	defer a.rootMu.Unlock()
	if ts, err = a.getKV(ctx, key); err != nil {
		return "", err
	}
	if ts != "" {
		return call(ts)
	}
	id, err := call("")
	if err != nil {
		return "", err
	}
	if err := a.put(ctx, map[string]string{key: id}); err != nil {
		// The message is out; failing now would post it twice.
		a.log.Warn("slack: the incident's thread was not remembered; its next message starts another",
			"channel", ch, "incident", m.Incident, "err", err)
	}
	return id, nil
}

// isUserID reports whether id names a user (U…, W…) rather than a
// conversation (C…, G…, D…).
func isUserID(id string) bool {
	if len(id) < 2 || (id[0] != 'U' && id[0] != 'W') {
		return false
	}
	for _, r := range id[1:] {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// channel returns the conversation to post to for c: its id, or for a
// user id the direct message channel with that user (conversations.open,
// remembered).
func (a *Adapter) channel(ctx context.Context, c bot.ChatRef) (string, error) {
	if !isUserID(c.ID) {
		if c.ID == "" {
			return "", fmt.Errorf("%w: slack: message without a chat id", chat.ErrPermanent)
		}
		return c.ID, nil
	}
	a.mu.Lock()
	ch, ok := a.dms[c.ID]
	a.mu.Unlock()
	if ok {
		return ch, nil
	}
	conv, _, _, err := a.api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{c.ID}})
	if err != nil {
		return "", a.classify("conversations.open", err)
	}
	if conv == nil || conv.ID == "" {
		return "", fmt.Errorf("slack conversations.open: no channel for user %s", c.ID)
	}
	a.mu.Lock()
	a.dms[c.ID] = conv.ID
	a.mu.Unlock()
	return conv.ID, nil
}

// maxThreads bounds the inbound messages whose thread is remembered.
const maxThreads = 4096

// rememberThread notes that inbound message ts in ch was written in the
// thread threadTS, so the answer goes there too.
func (a *Adapter) rememberThread(ch, ts, threadTS string) {
	if threadTS == "" || ts == "" || threadTS == ts {
		return
	}
	a.setThread(ch, ts, threadTS)
}

// setThread notes that answers to message ts in ch go into thread
// threadTS (which may be ts itself: the root of its own thread).
func (a *Adapter) setThread(ch, ts, threadTS string) {
	if threadTS == "" || ts == "" {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.threads) >= maxThreads {
		clear(a.threads)
	}
	a.threads[ch+"/"+ts] = threadTS
}

// replyThread returns the thread of the inbound message replyTo in ch, ""
// when it was top-level or is not known.
func (a *Adapter) replyThread(ch, replyTo string) string {
	if replyTo == "" {
		return ""
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.threads[ch+"/"+replyTo]
}
