package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/store"
)

// FailureFunc records a message that could not be delivered (in the
// incident's timeline); the delivery layer then drops it.
type FailureFunc func(ctx context.Context, m bot.Outgoing, err error)

// Stats counts what a Deliverer did; read it with Deliverer.Stats.
type Stats struct {
	Sent, Edited, Retries, RateLimited, Failed int64
}

// Deliverer moves messages from the outbox to the platforms. Messages to
// one chat go out in commit order, one at a time; different chats are
// served concurrently within each platform's limits. A message is removed
// from the outbox only after its platform accepted it, so a crash re-sends
// at most the messages in flight. It is safe for concurrent use.
type Deliverer struct {
	st        store.Store
	senders   map[string]Sender
	onFailure FailureFunc
	log       *slog.Logger
	maxTries  int
	backoff   func(try int) time.Duration
	workers   int

	limMu   sync.Mutex
	chatLim map[string]*rate.Limiter
	platLim map[string]*rate.Limiter
	stats   struct{ sent, edited, retries, limited, failed atomic.Int64 }
	wake    chan struct{}
	flushMu sync.Mutex // one flush at a time
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

// WithWorkers sets how many chats are served at once (default 16).
func WithWorkers(n int) DeliverOption { return func(d *Deliverer) { d.workers = max(n, 1) } }

// NewDeliverer returns a deliverer over st with one sender per platform.
func NewDeliverer(st store.Store, senders []Sender, opts ...DeliverOption) *Deliverer {
	d := &Deliverer{st: st, senders: map[string]Sender{}, log: slog.Default(), maxTries: 8, workers: 16,
		backoff: func(try int) time.Duration {
			return min(time.Second<<min(try-1, 6), time.Minute)
		},
		chatLim: map[string]*rate.Limiter{}, platLim: map[string]*rate.Limiter{},
		wake: make(chan struct{}, 1)}
	for _, s := range senders {
		d.senders[s.Platform()] = s
	}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Stats returns counts since the deliverer was made.
func (d *Deliverer) Stats() Stats {
	return Stats{Sent: d.stats.sent.Load(), Edited: d.stats.edited.Load(), Retries: d.stats.retries.Load(),
		RateLimited: d.stats.limited.Load(), Failed: d.stats.failed.Load()}
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

// Flush delivers everything in the outbox now and returns when the outbox
// is empty (but for messages of platforms without a sender) or ctx ends.
func (d *Deliverer) Flush(ctx context.Context) error {
	d.flushMu.Lock()
	defer d.flushMu.Unlock()
	for {
		batch, err := d.st.Outbox(ctx, 1024)
		if err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		// Group by chat, keeping commit order within each chat.
		var order []string
		byChat := map[string][]bot.Outgoing{}
		for _, m := range batch {
			if _, ok := d.senders[m.Chat.Platform]; !ok {
				continue
			}
			k := m.Chat.String()
			if _, ok := byChat[k]; !ok {
				order = append(order, k)
			}
			byChat[k] = append(byChat[k], m)
		}
		if len(order) == 0 {
			return nil
		}
		sem := make(chan struct{}, d.workers)
		var wg sync.WaitGroup
		var firstErr error
		var errMu sync.Mutex
		for _, k := range order {
			msgs := byChat[k]
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				for _, m := range msgs {
					if err := d.deliver(ctx, d.senders[m.Chat.Platform], m); err != nil {
						errMu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						errMu.Unlock()
						return
					}
				}
			}()
		}
		wg.Wait()
		if firstErr != nil {
			return firstErr
		}
	}
}

// limiters returns the chat's and the platform's rate limiters (nil = none).
func (d *Deliverer) limiters(s Sender, chat bot.ChatRef) (*rate.Limiter, *rate.Limiter) {
	l, ok := s.(Limiter)
	if !ok {
		return nil, nil
	}
	lim := l.Limits()
	d.limMu.Lock()
	defer d.limMu.Unlock()
	var cl, pl *rate.Limiter
	per := lim.PerGroup
	if chat.Direct {
		per = lim.PerChat
	}
	if per > 0 {
		k := chat.String()
		if cl = d.chatLim[k]; cl == nil {
			cl = rate.NewLimiter(per, max(lim.ChatBurst, 1))
			d.chatLim[k] = cl
		}
	}
	if lim.Global > 0 {
		if pl = d.platLim[chat.Platform]; pl == nil {
			pl = rate.NewLimiter(lim.Global, max(lim.GlobalBurst, 1))
			d.platLim[chat.Platform] = pl
		}
	}
	return cl, pl
}

// deliver sends one message (split to the platform's length), retrying
// transient failures; it returns an error only when ctx ends or the store
// fails.
func (d *Deliverer) deliver(ctx context.Context, s Sender, m bot.Outgoing) error {
	maxLen := 0
	if l, ok := s.(Limiter); ok {
		maxLen = l.Limits().MaxLen
	}
	chatLim, platLim := d.limiters(s, m.Chat)
	ed, canEdit := s.(Editor)
	if m.EditOnly && !canEdit {
		return d.st.Delivered(ctx, m.ID) // a live card is pointless where it cannot be edited
	}
	keyed := ""
	if m.EditKey != "" && canEdit && m.Edit == "" {
		keyed = "msgkey:" + m.Chat.String() + ":" + m.EditKey
		if id, err := d.st.Get(ctx, keyed); err == nil {
			m.Edit = id
		}
	}
	fs, canFile := s.(FileSender)
	parts := Split(m.Text, maxLen)
	if m.File != nil && canFile {
		parts = []string{m.Text} // a caption; the file carries the content
	}
	for i, p := range parts {
		part := m
		part.Text = p
		if i < len(parts)-1 {
			part.Buttons = nil // buttons go under the last part
		}
		edit := canEdit && m.Edit != "" && len(parts) == 1
		for try := 1; ; try++ {
			for _, l := range []*rate.Limiter{chatLim, platLim} {
				if l != nil {
					if err := l.Wait(ctx); err != nil {
						return err
					}
				}
			}
			var err error
			var id string
			switch {
			case edit:
				err = ed.Edit(ctx, part, m.Edit)
			case m.File != nil && canFile:
				id, err = fs.SendFile(ctx, part)
			default:
				id, err = s.Send(ctx, part)
			}
			if err == nil {
				if edit {
					d.stats.edited.Add(1)
				} else {
					d.stats.sent.Add(1)
				}
				if keyed != "" && !edit && id != "" {
					if err := d.st.Commit(ctx, &store.Tx{Put: map[string]string{keyed: id}}); err != nil {
						return fmt.Errorf("remember message %s: %w", keyed, err)
					}
				}
				break
			}
			var ra *RetryAfterError
			switch {
			case ctx.Err() != nil:
				return ctx.Err()
			case edit && errors.Is(err, ErrPermanent):
				edit = false // the message cannot be edited (too old, deleted): post anew
				try--
				continue
			case errors.Is(err, ErrPermanent) || try >= d.maxTries:
				d.stats.failed.Add(1)
				d.log.Warn("message not delivered", "chat", m.Chat.String(), "id", m.ID, "err", err)
				if d.onFailure != nil {
					d.onFailure(ctx, m, err)
				}
				return d.st.Delivered(ctx, m.ID)
			case errors.As(err, &ra):
				d.stats.limited.Add(1)
				if err := sleepCtx(ctx, ra.After); err != nil {
					return err
				}
				try-- // the platform's own pacing is not a failure
			default:
				d.stats.retries.Add(1)
				m.Attempts++
				if err := d.st.UpdateOutgoing(ctx, m); err != nil {
					return fmt.Errorf("record attempt: %w", err)
				}
				if err := sleepCtx(ctx, d.backoff(try)); err != nil {
					return err
				}
			}
		}
	}
	return d.st.Delivered(ctx, m.ID)
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
