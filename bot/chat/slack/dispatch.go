package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
)

// Bounds of the work accepted over HTTP and not yet handled.
const (
	maxPending  = 10000 // beyond this ServeHTTP answers 503 and Slack retries events
	handleTries = 5     // tries of a failing handler before the work is dropped
)

// job is one inbound message waiting for the handler.
type job struct {
	in   bot.Inbound
	h    chat.Handler
	done chan struct{} // closed once handled (or given up)
}

// dispatcher runs the handler on accepted work after the HTTP answer: one
// goroutine per chat with work, so a chat's messages are handled one at a
// time in arrival order while different chats go on concurrently.
type dispatcher struct {
	log  *slog.Logger
	ctx  context.Context // the handler's context; cancelled by close
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu      sync.Mutex
	queues  map[string][]job // present while the chat's goroutine runs
	pending int              // accepted and not yet handled
	idle    chan struct{}    // closed while pending is 0
	closed  bool
}

func newDispatcher(log *slog.Logger) *dispatcher {
	ctx, stop := context.WithCancel(context.Background())
	idle := make(chan struct{})
	close(idle)
	return &dispatcher{log: log, ctx: ctx, stop: stop, queues: map[string][]job{}, idle: idle}
}

// add queues in for h behind the chat's earlier work; the channel is
// closed once it has been handled.
func (d *dispatcher) add(key string, in bot.Inbound, h chat.Handler) (<-chan struct{}, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.closed:
		return nil, errors.New("shutting down")
	case d.pending >= maxPending:
		return nil, errors.New("too busy")
	}
	done := make(chan struct{})
	if d.pending == 0 {
		d.idle = make(chan struct{})
	}
	d.pending++
	q, running := d.queues[key]
	d.queues[key] = append(q, job{in: in, h: h, done: done})
	if !running {
		d.wg.Add(1)
		go d.run(key)
	}
	return done, nil
}

// run handles the chat's queue until it is empty.
func (d *dispatcher) run(key string) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		q := d.queues[key]
		if len(q) == 0 {
			delete(d.queues, key)
			d.mu.Unlock()
			return
		}
		j := q[0]
		q[0] = job{}
		d.queues[key] = q[1:]
		d.mu.Unlock()
		d.handle(j)
		close(j.done)
		d.mu.Lock()
		d.pending--
		if d.pending == 0 {
			close(d.idle)
		}
		d.mu.Unlock()
	}
}

// handle runs the handler, retrying a failure (the store) a few times:
// Slack was already told the work was received, so it will not send it
// again.
func (d *dispatcher) handle(j job) {
	for try := 1; ; try++ {
		err := d.call(j)
		if err == nil || d.ctx.Err() != nil {
			return
		}
		if try >= handleTries {
			d.log.Error("slack: handling failed; dropped", "chat", j.in.Chat.String(), "id", j.in.ID, "err", err)
			return
		}
		pause := min(100*time.Millisecond<<try, 5*time.Second)
		d.log.Warn("slack: handling failed; will retry", "chat", j.in.Chat.String(), "id", j.in.ID, "err", err, "retry_in", pause)
		t := time.NewTimer(pause)
		select {
		case <-d.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// call runs the handler once, turning a panic into an error.
func (d *dispatcher) call(j job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return j.h(d.ctx, j.in)
}

// drain waits until no accepted work is left, or ctx ends.
func (d *dispatcher) drain(ctx context.Context) error {
	d.mu.Lock()
	idle := d.idle
	d.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close refuses new work, waits for the accepted work until ctx ends, then
// cancels what is still running and waits for it to return.
func (d *dispatcher) close(ctx context.Context) error {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	err := d.drain(ctx)
	d.stop()
	d.wg.Wait()
	return err
}
