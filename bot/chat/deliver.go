package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/irbot/irbot/bot"
)

// Outbox is what the deliverer needs of the store.
type Outbox interface {
	// OutboxAfter returns up to limit undelivered messages committed after
	// message id after ("" = from the start), in commit order.
	OutboxAfter(ctx context.Context, after string, limit int) ([]bot.Outgoing, error)
	// UpdateOutgoing rewrites a message still in the outbox (its tries).
	UpdateOutgoing(ctx context.Context, m bot.Outgoing) error
	// Delivered removes message id from the outbox.
	Delivered(ctx context.Context, id string) error
	// KV keeps the message id of each card posted (under
	// "msgkey:<chat>:<edit key>"), so that the card's next change edits it.
	KV
}

// FailureFunc records a message that could not be delivered (in the
// incident's timeline); the delivery layer then drops it.
type FailureFunc func(ctx context.Context, m bot.Outgoing, err error)

// BundleFunc makes one message of several pages waiting for one chat: a
// list of the incidents with a button per incident and one for all.
type BundleFunc func(pages []bot.Outgoing) bot.Outgoing

// Stats counts what a Deliverer did; read it with Deliverer.Stats.
type Stats struct {
	Sent, Edited, Retries, RateLimited, Failed int64
	Expired, NotRunning                        int64 // left the outbox undelivered, for these reasons
	Coalesced                                  int64 // replaced by a newer card or summary, or shown already
	Bundled                                    int64 // pages sent as part of a bundle
	Pending                                    [numClasses]int64
}

// Deliverer moves messages from the outbox to the platforms. Each chat is
// its own queue: its messages go out one at a time, pages before replies
// before notices before cards and summaries, in commit order within a
// class, and no chat ever waits for another chat's limits. Messages are
// picked up as they are committed, while older ones for a slow chat are
// still pacing. A message leaves the outbox once its platform accepted it,
// or when it cannot be delivered (failed, expired, platform not running),
// which FailureFunc records; so a crash re-sends at most the messages in
// flight.
//
// Run (or Flush, when nothing runs) does the work on one goroutine that
// owns all queue state; sends run on their own goroutines and report back.
type Deliverer struct {
	ob        Outbox
	plats     map[string]*platQueue
	platList  []*platQueue
	onFailure FailureFunc
	bundle    BundleFunc
	log       *slog.Logger
	maxTries  int
	backoff   func(try int) time.Duration
	workers   int
	settle    time.Duration
	gather    time.Duration

	stats struct {
		sent, edited, retries, limited, failed, expired, notRunning, coalesced, bundled atomic.Int64
	}
	pending [numClasses]atomic.Int64

	wake     chan struct{}
	flushReq chan chan struct{}
	running  atomic.Bool
	loopMu   sync.Mutex // one dispatch loop at a time

	// Owned by the dispatch loop.
	cursor  uint64
	results chan result
	jobs    int
	shown   map[string]string // chat|card key → what the card shows
	waiters []chan struct{}
}

// DeliverOption configures a Deliverer.
type DeliverOption func(*Deliverer)

// WithFailure sets the function told of messages that leave the outbox
// undelivered.
func WithFailure(f FailureFunc) DeliverOption { return func(d *Deliverer) { d.onFailure = f } }

// WithBundle sets how several pages to one chat become one message
// (default: their texts one under another, with all their buttons).
func WithBundle(f BundleFunc) DeliverOption { return func(d *Deliverer) { d.bundle = f } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) DeliverOption { return func(d *Deliverer) { d.log = l } }

// WithRetries sets how many tries a message gets before it is given up as
// failed (default 8), and the backoff after failed try n (default
// 1s·2ⁿ⁻¹, at most 1 minute). Tries are stored with the message, so a
// restart does not start them over.
func WithRetries(n int, backoff func(try int) time.Duration) DeliverOption {
	return func(d *Deliverer) {
		d.maxTries = max(n, 1)
		if backoff != nil {
			d.backoff = backoff
		}
	}
}

// WithWorkers sets how many sends may be in flight per platform (default 16).
func WithWorkers(n int) DeliverOption { return func(d *Deliverer) { d.workers = max(n, 1) } }

// WithSettle holds each leadership summary for d before sending it, so a
// burst of summaries of one incident reaches leaders as the latest one.
func WithSettle(d time.Duration) DeliverOption { return func(dl *Deliverer) { dl.settle = d } }

// WithPageGather holds each page for d before sending it, so that pages
// to one chat that fall due together (a storm's escalations) go out as
// one bundle instead of the second waiting a whole chat window.
func WithPageGather(d time.Duration) DeliverOption { return func(dl *Deliverer) { dl.gather = d } }

// NewDeliverer returns a deliverer over ob with one sender per running
// platform. Messages for any other platform leave the outbox as
// bot.ErrNotRunning.
func NewDeliverer(ob Outbox, senders []Sender, opts ...DeliverOption) *Deliverer {
	d := &Deliverer{ob: ob, plats: map[string]*platQueue{}, log: slog.Default(), maxTries: 8, workers: 16,
		backoff: func(try int) time.Duration {
			return min(time.Second<<min(try-1, 6), time.Minute)
		},
		bundle: joinPages,
		wake:   make(chan struct{}, 1), flushReq: make(chan chan struct{}),
		results: make(chan result), shown: map[string]string{}}
	for _, s := range senders {
		var lim Limits
		if l, ok := s.(Limiter); ok {
			lim = l.Limits()
		}
		pq := &platQueue{sender: s, limits: lim, global: newWindow(lim.Global), chats: map[string]*chatQueue{}}
		d.plats[s.Platform()] = pq
		d.platList = append(d.platList, pq)
	}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Stats returns counts since the deliverer was made, and what waits now.
func (d *Deliverer) Stats() Stats {
	s := Stats{Sent: d.stats.sent.Load(), Edited: d.stats.edited.Load(), Retries: d.stats.retries.Load(),
		RateLimited: d.stats.limited.Load(), Failed: d.stats.failed.Load(), Expired: d.stats.expired.Load(),
		NotRunning: d.stats.notRunning.Load(), Coalesced: d.stats.coalesced.Load(), Bundled: d.stats.bundled.Load()}
	for c := range s.Pending {
		s.Pending[c] = d.pending[c].Load()
	}
	return s
}

// Wake tells a running deliverer that the outbox has new messages.
func (d *Deliverer) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends, reading the outbox when woken and every
// poll (for messages committed by other processes). Sends in flight when
// ctx ends are abandoned; their messages stay in the outbox.
func (d *Deliverer) Run(ctx context.Context, poll time.Duration) {
	d.loopMu.Lock()
	defer d.loopMu.Unlock()
	d.running.Store(true)
	defer d.running.Store(false)
	d.loop(ctx, poll, false)
}

// Flush delivers what the outbox holds now and returns once every queue is
// empty, or ctx ends (then with ctx's error; what is left stays in the
// outbox). With Run going it waits for Run to get there; otherwise it does
// the work itself.
func (d *Deliverer) Flush(ctx context.Context) error {
	if d.running.Load() {
		done := make(chan struct{})
		select {
		case d.flushReq <- done:
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	d.loopMu.Lock()
	defer d.loopMu.Unlock()
	return d.loop(ctx, 0, true)
}

// loop is the dispatcher. untilIdle makes it return once nothing waits.
func (d *Deliverer) loop(ctx context.Context, poll time.Duration, untilIdle bool) error {
	var tick <-chan time.Time
	if poll > 0 {
		t := time.NewTicker(poll)
		defer t.Stop()
		tick = t.C
	}
	defer func() {
		for d.jobs > 0 { // sends see ctx end and report back
			d.finish(<-d.results)
		}
		d.releaseWaiters()
	}()
	load := true
	for {
		if load {
			load = false
			if err := d.load(ctx); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if untilIdle {
					return err
				}
				d.log.Warn("cannot read the outbox", "err", err)
			}
		}
		next := d.dispatch(ctx, time.Now())
		if d.idle() {
			d.releaseWaiters()
			if untilIdle {
				return nil
			}
		}
		var timer *time.Timer
		var due <-chan time.Time
		if !next.IsZero() {
			timer = time.NewTimer(time.Until(next))
			due = timer.C
		}
		select {
		case <-ctx.Done():
		case r := <-d.results:
			d.finish(r)
		case <-d.wake:
			load = true
		case w := <-d.flushReq:
			d.waiters = append(d.waiters, w)
			load = true
		case <-tick:
			load = true
		case <-due:
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

func (d *Deliverer) idle() bool {
	if d.jobs > 0 {
		return false
	}
	for _, pq := range d.platList {
		for _, q := range pq.chats {
			if !q.empty() {
				return false
			}
		}
	}
	return true
}

func (d *Deliverer) releaseWaiters() {
	for _, w := range d.waiters {
		close(w)
	}
	d.waiters = nil
}

const loadBatch = 512

// load queues the messages committed since the last read.
func (d *Deliverer) load(ctx context.Context) error {
	for {
		after := ""
		if d.cursor > 0 {
			after = strconv.FormatUint(d.cursor, 10)
		}
		rows, err := d.ob.OutboxAfter(ctx, after, loadBatch)
		if err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		for _, m := range rows {
			n, err := strconv.ParseUint(m.ID, 10, 64)
			if err != nil {
				return fmt.Errorf("read outbox: message id %q is not a number", m.ID)
			}
			d.cursor = max(d.cursor, n)
			d.enqueue(ctx, m, n)
		}
		if len(rows) < loadBatch {
			return nil
		}
	}
}

func (d *Deliverer) enqueue(ctx context.Context, m bot.Outgoing, seq uint64) {
	pq := d.plats[m.Chat.Platform]
	if pq == nil {
		d.stats.notRunning.Add(1)
		d.drop(ctx, []bot.Outgoing{m}, fmt.Errorf("%w: %s", bot.ErrNotRunning, m.Chat.Platform))
		return
	}
	if _, canEdit := pq.sender.(Editor); m.EditOnly && !canEdit {
		d.drop(ctx, []bot.Outgoing{m}, nil) // a live card is pointless where it cannot be edited
		return
	}
	q := pq.chat(m.Chat)
	it := &item{m: m, seq: seq, class: ClassOf(m)}
	switch {
	case m.Kind == bot.KindSummary && d.settle > 0:
		it.holdTil = time.Now().Add(d.settle)
	case it.class == ClassPage && d.gather > 0:
		it.holdTil = time.Now().Add(d.gather)
	}
	for _, old := range q.supersede(m) {
		d.stats.coalesced.Add(1)
		d.pending[old.class].Add(-1)
		if !old.holdTil.IsZero() && old.holdTil.Before(it.holdTil) {
			it.holdTil = old.holdTil // a stream of summaries still goes out
		}
		d.drop(ctx, []bot.Outgoing{old.m}, nil)
	}
	q.classes[it.class] = append(q.classes[it.class], it)
	d.pending[it.class].Add(1)
}

// chat returns ref's queue, making it on first use.
func (pq *platQueue) chat(ref bot.ChatRef) *chatQueue {
	k := ref.String()
	q := pq.chats[k]
	if q == nil {
		q = &chatQueue{ref: ref, key: k, plat: pq, chatWin: newWindow(pq.limits.Chat)}
		if !ref.Direct {
			q.grpWin = newWindow(pq.limits.Group)
		}
		pq.chats[k] = q
	}
	return q
}

// readyAt is when q may send a message of class c: after its backoff and
// within the chat's, the group's and the platform's windows.
func (q *chatQueue) readyAt(now time.Time, c Class) (time.Time, bool) {
	at := now
	if q.wait.After(at) {
		at = q.wait
	}
	for _, w := range [...]*window{q.chatWin, q.grpWin, q.plat.global} {
		t, ok := w.readyAt(now, c)
		if !ok {
			return time.Time{}, false
		}
		if t.After(at) {
			at = t
		}
	}
	return at, true
}

// dispatch starts every send that may go now, most urgent and oldest
// first, and returns when the next one may (zero: when a send answers or a
// message arrives).
func (d *Deliverer) dispatch(ctx context.Context, now time.Time) time.Time {
	var next time.Time
	soonest := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, pq := range d.platList {
		for pq.inflight < d.workers {
			var best *chatQueue
			var bestIt *item
			for _, q := range pq.chats {
				if q.busy || q.empty() {
					continue
				}
				it, hold := q.head(now)
				soonest(hold)
				if it == nil {
					continue
				}
				if it.next == 0 && !it.m.NotAfter.IsZero() && now.After(it.m.NotAfter) {
					q.remove(it)
					d.gone(it)
					d.stats.expired.Add(1)
					d.drop(ctx, it.msgs(), bot.ErrExpired)
					continue
				}
				at, ok := q.readyAt(now, it.class)
				if !ok {
					continue // an answer in flight frees a slot
				}
				if at.After(now) {
					soonest(at)
					continue
				}
				if bestIt == nil || it.class < bestIt.class || (it.class == bestIt.class && it.seq < bestIt.seq) {
					best, bestIt = q, it
				}
			}
			if best == nil {
				break
			}
			d.start(ctx, best, bestIt)
		}
	}
	return next
}

// msgs returns the outbox messages the item stands for.
func (it *item) msgs() []bot.Outgoing {
	if it.members != nil {
		return it.members
	}
	return []bot.Outgoing{it.m}
}

// gone uncounts a message that leaves its queue.
func (d *Deliverer) gone(it *item) {
	if it.members != nil {
		d.pending[ClassPage].Add(-int64(len(it.members)))
		return
	}
	d.pending[it.class].Add(-1)
}

// start sends the next part of it (bundling the chat's waiting pages
// first) on its own goroutine.
func (d *Deliverer) start(ctx context.Context, q *chatQueue, it *item) {
	pq := q.plat
	if q.cur != it {
		q.remove(it)
		if it.class == ClassPage && it.members == nil {
			if pages := q.takePages(); len(pages) > 0 {
				all := append([]*item{it}, pages...)
				b := &item{seq: it.seq, class: ClassPage, members: make([]bot.Outgoing, len(all))}
				for i, p := range all {
					b.members[i] = p.m
					b.m.Attempts = max(b.m.Attempts, p.m.Attempts)
				}
				attempts := b.m.Attempts
				b.m = d.bundle(b.members)
				b.m.ID, b.m.Chat, b.m.Kind, b.m.Attempts = it.m.ID, q.ref, bot.KindPage, attempts
				d.stats.bundled.Add(int64(len(all)))
				it = b
			}
		}
		q.cur = it
	}
	if it.parts == nil {
		_, canFile := pq.sender.(FileSender)
		if it.m.File != nil && canFile {
			it.parts = []string{it.m.Text} // a caption; the file carries the content
		} else {
			it.parts = Split(it.m.Text, pq.limits.MaxLen)
		}
	}
	// A card that would show what it shows already is not sent.
	shownKey := ""
	if it.m.EditKey != "" && it.m.Edit == "" {
		shownKey = q.key + "|" + it.m.EditKey
		if d.shown[shownKey] == cardFace(it.m) {
			q.cur = nil
			d.gone(it)
			d.stats.coalesced.Add(1)
			d.drop(ctx, it.msgs(), nil)
			return
		}
	}
	for _, w := range [...]*window{q.chatWin, q.grpWin, pq.global} {
		w.take()
	}
	q.busy = true
	pq.inflight++
	d.jobs++
	go func() { d.results <- d.send(ctx, q, it, shownKey) }()
}

// cardFace is what a card shows: its text and buttons.
func cardFace(m bot.Outgoing) string {
	var b strings.Builder
	b.WriteString(m.Text)
	for _, x := range m.Buttons {
		b.WriteString("\x00" + x.Label + "\x00" + x.Data)
	}
	return b.String()
}

// outcome is how a send ended.
type outcome int

const (
	outDone    outcome = iota // the message left the outbox: sent, failed or dropped
	outPart                   // one part accepted; more to send
	outRetry                  // try again after wait
	outAborted                // ctx ended
)

type result struct {
	q        *chatQueue // nil for a drop
	it       *item
	out      outcome
	at       time.Time // when the platform answered
	wait     time.Duration
	noEdit   bool   // the message could not be edited: post it anew
	shownKey string // the card shown now, if any
}

// send hands one part of it to the platform and settles the outbox.
func (d *Deliverer) send(ctx context.Context, q *chatQueue, it *item, shownKey string) result {
	s := q.plat.sender
	m := it.m
	part := m
	part.Text = it.parts[it.next]
	last := it.next == len(it.parts)-1
	if !last {
		part.Buttons = nil // buttons go under the last part
	}
	ed, canEdit := s.(Editor)
	fs, canFile := s.(FileSender)
	keyed, editID := "", m.Edit
	if m.EditKey != "" && canEdit && m.Edit == "" && !it.noEdit {
		keyed = "msgkey:" + m.Chat.String() + ":" + m.EditKey
		if id, err := d.ob.Get(ctx, keyed); err == nil {
			editID = id
		}
	}
	edit := canEdit && editID != "" && len(it.parts) == 1 && !it.noEdit
	var err error
	var id string
	switch {
	case edit:
		err = ed.Edit(ctx, part, editID)
	case m.File != nil && canFile:
		id, err = fs.SendFile(ctx, part)
	default:
		id, err = s.Send(ctx, part)
	}
	r := result{q: q, it: it, at: time.Now()}
	var ra *RetryAfterError
	switch {
	case err == nil:
		if edit {
			d.stats.edited.Add(1)
		} else {
			d.stats.sent.Add(1)
		}
		if keyed != "" && !edit && id != "" {
			if err := d.ob.Put(ctx, map[string]string{keyed: id}); err != nil {
				d.log.Warn("cannot remember a card's message id; the next change posts it anew", "chat", m.Chat.String(), "err", err)
			}
		}
		if !last {
			r.out = outPart
			return r
		}
		if shownKey != "" {
			r.shownKey = shownKey
		}
		d.remove(ctx, it.msgs())
		r.out = outDone
	case ctx.Err() != nil:
		r.out = outAborted
	case edit && errors.Is(err, ErrPermanent):
		r.out, r.noEdit = outRetry, true // too old or deleted: post it anew, now
	case errors.As(err, &ra):
		d.stats.limited.Add(1)
		r.out, r.wait = outRetry, ra.After // the platform's own pacing is not a failed try
	default:
		it.m.Attempts++
		if !errors.Is(err, ErrPermanent) && it.m.Attempts < d.maxTries {
			d.stats.retries.Add(1)
			for _, x := range it.msgs() {
				x.Attempts = it.m.Attempts
				if err := d.ob.UpdateOutgoing(ctx, x); err != nil {
					d.log.Warn("cannot record a failed try", "chat", m.Chat.String(), "err", err)
				}
			}
			d.log.Info("send failed; will retry", "chat", m.Chat.String(), "try", it.m.Attempts, "err", err)
			r.out, r.wait = outRetry, d.backoff(it.m.Attempts)
			return r
		}
		d.stats.failed.Add(1)
		d.log.Warn("message not delivered", "chat", m.Chat.String(), "kind", m.Kind, "tries", it.m.Attempts, "err", err)
		d.fail(ctx, it.msgs(), err)
		r.out = outDone
	}
	return r
}

// remove takes delivered messages out of the outbox.
func (d *Deliverer) remove(ctx context.Context, msgs []bot.Outgoing) {
	for _, m := range msgs {
		if err := d.ob.Delivered(ctx, m.ID); err != nil {
			d.log.Warn("cannot remove a delivered message from the outbox; it may be sent again after a restart", "id", m.ID, "err", err)
		}
	}
}

// fail tells FailureFunc and removes the messages.
func (d *Deliverer) fail(ctx context.Context, msgs []bot.Outgoing, err error) {
	if err != nil && d.onFailure != nil {
		for _, m := range msgs {
			d.onFailure(ctx, m, err)
		}
	}
	d.remove(ctx, msgs)
}

// drop removes messages that will not be sent, telling FailureFunc why
// (nil: no need to tell: superseded, or shown already), on a goroutine.
func (d *Deliverer) drop(ctx context.Context, msgs []bot.Outgoing, why error) {
	d.jobs++
	go func() {
		d.fail(ctx, msgs, why)
		d.results <- result{out: outDone}
	}()
}

// finish applies a send's result to its queue.
func (d *Deliverer) finish(r result) {
	d.jobs--
	q := r.q
	if q == nil {
		return
	}
	q.busy = false
	q.plat.inflight--
	for _, w := range [...]*window{q.chatWin, q.grpWin, q.plat.global} {
		w.done(r.at)
	}
	it := r.it
	switch r.out {
	case outDone:
		q.cur = nil
		d.gone(it)
		if r.shownKey != "" {
			d.shown[r.shownKey] = cardFace(it.m)
		}
	case outPart:
		it.next++
	case outRetry:
		it.noEdit = it.noEdit || r.noEdit
		q.wait = r.at.Add(r.wait)
	case outAborted:
	}
}

// joinPages is the default BundleFunc.
func joinPages(pages []bot.Outgoing) bot.Outgoing {
	var out bot.Outgoing
	texts := make([]string, len(pages))
	for i, p := range pages {
		texts[i] = p.Text
		out.Buttons = append(out.Buttons, p.Buttons...)
	}
	out.Text = strings.Join(texts, "\n\n")
	return out
}
