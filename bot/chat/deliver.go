package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/store"
)

// FailureFunc records a message that could not be delivered (in the
// incident's timeline); the delivery layer then drops it.
type FailureFunc func(ctx context.Context, m bot.Outgoing, err error)

// Deliverer moves messages from the outbox to the platforms. Messages to
// one chat go out in commit order; a message is removed from the outbox
// only after its platform accepted it, so a crash re-sends at most the
// message in flight. It is safe for concurrent use.
type Deliverer struct {
	st        store.Store
	senders   map[string]Sender
	onFailure FailureFunc
	log       *slog.Logger
	maxTries  int
	backoff   func(try int) time.Duration
	sleep     func(ctx context.Context, d time.Duration) error

	wake chan struct{}
	mu   sync.Mutex // one flush at a time
}

// DeliverOption configures a Deliverer.
type DeliverOption func(*Deliverer)

// WithFailure sets the function told of permanent failures.
func WithFailure(f FailureFunc) DeliverOption { return func(d *Deliverer) { d.onFailure = f } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) DeliverOption { return func(d *Deliverer) { d.log = l } }

// WithRetries sets how many transient failures a message may have before
// it is given up as failed (default 8), and the backoff before try n
// (default 1s·2ⁿ⁻¹, at most 1 minute).
func WithRetries(n int, backoff func(try int) time.Duration) DeliverOption {
	return func(d *Deliverer) {
		d.maxTries = n
		if backoff != nil {
			d.backoff = backoff
		}
	}
}

// NewDeliverer returns a deliverer over st with one sender per platform.
func NewDeliverer(st store.Store, senders []Sender, opts ...DeliverOption) *Deliverer {
	d := &Deliverer{st: st, senders: map[string]Sender{}, log: slog.Default(), maxTries: 8,
		backoff: func(try int) time.Duration {
			b := time.Second << min(try-1, 6)
			return min(b, time.Minute)
		},
		sleep: sleepCtx, wake: make(chan struct{}, 1)}
	for _, s := range senders {
		d.senders[s.Platform()] = s
	}
	for _, o := range opts {
		o(d)
	}
	return d
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Wake tells a running deliverer that the outbox has new messages.
func (d *Deliverer) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends, waking on Wake and polling every poll (for
// messages committed by other processes).
func (d *Deliverer) Run(ctx context.Context, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if err := d.Flush(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn("delivery pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-t.C:
		}
	}
}

// Flush delivers everything in the outbox now, in order, and returns when
// the outbox is empty or ctx ends. Messages for platforms without a sender
// are left in the outbox.
func (d *Deliverer) Flush(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	skip := map[string]bool{}
	for {
		batch, err := d.st.Outbox(ctx, 256)
		if err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		progress := false
		for _, m := range batch {
			if skip[m.ID] {
				continue
			}
			s, ok := d.senders[m.Chat.Platform]
			if !ok {
				skip[m.ID] = true
				continue
			}
			if err := d.deliver(ctx, s, m); err != nil {
				return err
			}
			progress = true
		}
		if !progress {
			return nil
		}
	}
}

// deliver sends one message (split to the platform's length), retrying
// transient failures; it returns an error only when ctx ends or the store
// fails.
func (d *Deliverer) deliver(ctx context.Context, s Sender, m bot.Outgoing) error {
	max := 0
	if l, ok := s.(Limiter); ok {
		max = l.Limits().MaxLen
	}
	parts := Split(m.Text, max)
	for i, p := range parts {
		part := m
		part.Text = p
		if i < len(parts)-1 {
			part.Buttons = nil // buttons go under the last part
		}
		for try := 1; ; try++ {
			_, err := s.Send(ctx, part)
			if err == nil {
				break
			}
			var ra *RetryAfterError
			switch {
			case ctx.Err() != nil:
				return ctx.Err()
			case errors.Is(err, ErrPermanent) || try >= d.maxTries:
				d.log.Warn("message not delivered", "chat", m.Chat.String(), "id", m.ID, "err", err)
				if d.onFailure != nil {
					d.onFailure(ctx, m, err)
				}
				return d.st.Delivered(ctx, m.ID)
			case errors.As(err, &ra):
				if err := d.sleep(ctx, ra.After); err != nil {
					return err
				}
				try-- // the platform's own pacing is not a failure
			default:
				m.Attempts++
				if err := d.st.UpdateOutgoing(ctx, m); err != nil {
					return fmt.Errorf("record attempt: %w", err)
				}
				if err := d.sleep(ctx, d.backoff(try)); err != nil {
					return err
				}
			}
		}
	}
	return d.st.Delivered(ctx, m.ID)
}
