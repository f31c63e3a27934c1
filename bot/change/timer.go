package change

import (
	"context"
	"errors"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/store"
)

// TimerHandler handles one due timer of a kind; seenKey makes it
// idempotent (recorded in the commit that deletes the timer).
type TimerHandler func(ctx context.Context, t bot.Timer, seenKey string) error

// DropTimer removes a timer that has nothing left to do.
func (k *Core) DropTimer(ctx context.Context, t bot.Timer, seenKey string) error {
	return k.Commit(ctx, &store.Tx{CancelTimers: []string{t.ID}, Seen: []string{seenKey}})
}

// IncidentTimer makes a handler of f, which acts on the timer's incident in
// one change that also deletes the timer. A timer whose incident is gone is
// dropped.
func (k *Core) IncidentTimer(f func(ctx context.Context, c *Change, t bot.Timer)) TimerHandler {
	return func(ctx context.Context, t bot.Timer, seenKey string) error {
		if t.Incident == 0 {
			return k.DropTimer(ctx, t, seenKey)
		}
		err := k.Apply(ctx, t.Incident, nil, func(ctx context.Context, c *Change) error {
			c.Seen = []string{seenKey}
			c.Cancel = append(c.Cancel, t.ID)
			f(ctx, c, t)
			return nil
		})
		var r *Refusal
		if errors.As(err, &r) {
			return k.DropTimer(ctx, t, seenKey)
		}
		return err
	}
}
