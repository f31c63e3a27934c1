// Package chat is the contract between the core and the chat platforms, and
// the delivery layer they share: it reads the store's outbox and hands each
// message to its platform's Sender, in order per chat, within the
// platform's rate limits, and removes it only once the platform accepted it.
package chat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/irbot/irbot/bot"
)

// Sender delivers messages to one platform. Send returns the platform's id
// for the message it posted (for later edits), or an error: a
// *RetryAfterError when the platform asked to slow down, an error wrapping
// ErrPermanent when retrying cannot help (chat gone, bot blocked, text
// refused), any other error for a transient failure worth retrying.
type Sender interface {
	Platform() string
	Send(ctx context.Context, m bot.Outgoing) (messageID string, err error)
}

// Editor is implemented by senders whose platform can edit a message in
// place (Telegram, Slack). Found by type assertion; errors as for Send.
type Editor interface {
	Edit(ctx context.Context, m bot.Outgoing, messageID string) error
}

// FileSender is implemented by senders that can post a document
// (Telegram's sendDocument, Slack's file upload). Messages with a File go
// through SendFile when the sender has it, else as text through Send.
type FileSender interface {
	SendFile(ctx context.Context, m bot.Outgoing) (messageID string, err error)
}

// Limiter is implemented by senders that state their platform's limits.
type Limiter interface {
	Limits() Limits
}

// Receiver is implemented by adapters that fetch updates themselves (long
// polling). Receive calls h for each inbound message, in order, and returns
// when ctx ends. An update is confirmed to the platform only after h
// returned nil for it, so a crash re-delivers it (and the engine's dedup
// makes that harmless).
type Receiver interface {
	Receive(ctx context.Context, h Handler) error
}

// Handler acts on one inbound message (the engine's Handle).
type Handler func(ctx context.Context, in bot.Inbound) error

// Limits are a platform's delivery limits. Zero values mean "no limit".
type Limits struct {
	MaxLen int  // longest message in characters (runes)
	Chat   Rate // to any one chat, direct or group
	Group  Rate // to one group chat, on top of Chat
	Global Rate // over all chats of the platform
}

// ErrPermanent marks a failure that retrying will not fix.
var ErrPermanent = errors.New("permanent delivery failure")

// RetryAfterError says the platform asked to wait before the next try.
type RetryAfterError struct {
	After time.Duration
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("rate limited: retry after %s", e.After)
}
