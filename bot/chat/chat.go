// Package chat is the contract between the core and the chat platforms, and
// the delivery layer they share: it reads the store's outbox and hands each
// message to its platform's Sender, in order per chat, and removes it only
// once the platform accepted it.
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
// ErrPermanent when retrying cannot help (chat gone, bot blocked), any
// other error for a transient failure worth retrying.
type Sender interface {
	Platform() string
	Send(ctx context.Context, m bot.Outgoing) (messageID string, err error)
}

// Editor is implemented by senders whose platform can edit a message in
// place (Telegram, Slack). Found by type assertion.
type Editor interface {
	Edit(ctx context.Context, m bot.Outgoing, messageID string) error
}

// Limiter is implemented by senders that state their platform's limits.
type Limiter interface {
	Limits() Limits
}

// Limits are a platform's delivery limits.
type Limits struct {
	MaxLen  int           // longest message in characters (runes); 0 = no limit
	PerChat time.Duration // minimum gap between two messages to one chat; 0 = none
	Global  time.Duration // minimum gap between any two messages; 0 = none
	Burst   int           // messages allowed at once before the gaps apply (per chat and global); 0 = 1
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
