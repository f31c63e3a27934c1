package change

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/store"
)

// Change is what one action does to one incident before it is committed.
type Change struct {
	Core   *Core
	Req    *Request // nil for system actions (timers, alerts)
	Now    time.Time
	Inc    *bot.Incident
	PB     *playbook.Playbook
	Events []bot.Event
	Out    []bot.Outgoing
	Set    []bot.Timer
	Cancel []string
	Put    map[string]string
	Seen   []string

	Summarized bool // a leadership summary covers this change
}

// ActorID is who acts: the person asking, or "irbot".
func (c *Change) ActorID() string {
	if c.Req == nil {
		return "irbot"
	}
	return c.Req.Actor.ID
}

// ActorName names who acts.
func (c *Change) ActorName() string {
	if c.Req == nil {
		return "irbot"
	}
	return cmp.Or(c.Req.Actor.Name, c.Req.Actor.ID)
}

// Record appends a timeline event by the acting person (or the bot).
func (c *Change) Record(kind bot.EventKind, data map[string]string) {
	c.Events = append(c.Events, bot.Event{At: c.Now, Actor: c.ActorID(), Kind: kind, Data: data})
}

// RecordBot appends a timeline event decided by the bot itself (pages,
// escalations), whoever's action led to it.
func (c *Change) RecordBot(kind bot.EventKind, data map[string]string) {
	c.Events = append(c.Events, bot.Event{At: c.Now, Actor: "irbot", Kind: kind, Data: data})
}

// Notify tells every chat of the incident, and the chat the command came
// from, in the language of each chat's reader (a direct chat's person's).
func (c *Change) Notify(ctx context.Context, kind string, t Text, buttons []bot.Button) {
	chats := append([]bot.ChatRef(nil), c.Inc.Chats...)
	if c.Req != nil && !c.Req.Quiet && !c.Inc.HasChat(c.Req.In.Chat) {
		chats = append(chats, c.Req.In.Chat)
	}
	for _, ch := range chats {
		m := bot.Outgoing{Incident: c.Inc.ID, Chat: ch, Kind: kind, Text: t(c.Core.ReaderLang(ctx, ch)), Buttons: buttons}
		if c.Req != nil && ch == c.Req.In.Chat {
			m.ReplyTo = c.Req.In.MessageID
			if c.Req.In.Button {
				m.Edit = c.Req.In.MessageID // the tapped message shows who did what
			}
		}
		c.Out = append(c.Out, m)
	}
}

// Reply answers only the chat the command came from.
func (c *Change) Reply(t Text, buttons []bot.Button) {
	if c.Req.Quiet {
		return
	}
	c.Out = append(c.Out, bot.Outgoing{Incident: c.Inc.ID, Chat: c.Req.In.Chat, Kind: bot.KindReply,
		Text: t(c.Req.Lang), Buttons: buttons, ReplyTo: c.Req.In.MessageID})
}

// Tx is the store transaction of the change: the incident with its chain
// advanced over the new events, and everything the change caused.
func (c *Change) Tx() *store.Tx {
	c.Inc.Updated = c.Now
	c.Inc.Seq, c.Inc.LastHash = bot.Chain(c.Inc.Seq, c.Inc.LastHash, c.Events)
	if c.Summarized {
		c.Inc.SummarySeq = c.Inc.Seq
	}
	return &store.Tx{Incident: c.Inc, Events: c.Events, Outbox: c.Out, SetTimers: c.Set,
		CancelTimers: c.Cancel, Seen: c.Seen, Put: c.Put}
}

// MaxRetries bounds the retries of one action on concurrent changes.
const MaxRetries = 8

// Apply runs fn on a fresh copy of incident id and commits what it did,
// retrying from a fresh read when another writer committed first.
func (k *Core) Apply(ctx context.Context, id int64, req *Request, fn func(ctx context.Context, c *Change) error) error {
	defer k.Lock(id)()
	for attempt := 0; ; attempt++ {
		inc, err := k.Store.Incident(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return k.Refuse("err.no_incident", fmt.Sprintf("%s-%d", k.Cfg.Prefix, id))
		}
		if err != nil {
			return fmt.Errorf("load incident %d: %w", id, err)
		}
		pb, ok := k.Books.Get(inc.Playbook)
		if !ok {
			return k.Refuse("err.playbook_gone", inc.Ref(), inc.Playbook)
		}
		c := &Change{Core: k, Req: req, Now: k.Now(), Inc: inc.Clone(), PB: pb}
		if req != nil {
			c.Seen = req.Seen
		}
		if err := fn(ctx, c); err != nil {
			return err
		}
		k.Finish(ctx, c)
		err = k.Commit(ctx, c.Tx())
		if errors.Is(err, store.ErrConflict) && attempt < MaxRetries {
			continue
		}
		if err != nil {
			return fmt.Errorf("commit %s: %w", inc.Ref(), err)
		}
		return nil
	}
}

// Finish runs before every incident commit that records events: what was
// added with OnFinish (the live status card, the leaders' summaries).
func (k *Core) Finish(ctx context.Context, c *Change) {
	if len(c.Events) == 0 {
		return
	}
	for _, f := range k.finishers {
		f(ctx, c)
	}
}

// Commit writes tx; a duplicate (the input was handled before) is success.
func (k *Core) Commit(ctx context.Context, tx *store.Tx) error {
	err := k.CommitOrDuplicate(ctx, tx)
	if errors.Is(err, store.ErrDuplicate) {
		return nil
	}
	return err
}

// CommitOrDuplicate writes tx and tells the caller of a duplicate, for the
// callers that must then do something else (join what another process
// opened). Messages for platforms not running are left out, and button
// labels are put in their readers' language.
func (k *Core) CommitOrDuplicate(ctx context.Context, tx *store.Tx) error {
	kept := tx.Outbox[:0]
	for _, m := range tx.Outbox {
		if k.Running(m.Chat.Platform) {
			m.Buttons = slices.Clone(m.Buttons) // buttons may be shared between messages
			k.localize(ctx, &m)
			kept = append(kept, m)
		}
	}
	tx.Outbox = kept
	if err := k.Store.Commit(ctx, tx); err != nil {
		return err
	}
	if k.Cfg.OnCommit != nil {
		k.Cfg.OnCommit(tx)
	}
	return nil
}

// Numbered commits a new incident under the next incident number. Where
// the store can (store.IDPeeker), the number is taken inside the commit,
// so a commit that fails uses none up and numbers have no gaps; when
// another writer took the number first, the change is built again for
// the next one.
func (k *Core) Numbered(ctx context.Context, build func(id int64) (*store.Tx, error)) error {
	peeker, gapless := k.Store.(store.IDPeeker)
	if gapless {
		// One new incident at a time in this process: numbers race only
		// between replicas, not between this process's own requests.
		defer k.LockKey("incident-number")()
	}
	for attempt := 0; ; attempt++ {
		var id int64
		var err error
		if gapless {
			id, err = peeker.PeekID(ctx, "incident")
		} else {
			id, err = k.Store.NextID(ctx, "incident")
		}
		if err != nil {
			return fmt.Errorf("allocate incident number: %w", err)
		}
		tx, err := build(id)
		if err != nil {
			return err
		}
		if gapless {
			tx.TakeID = "incident"
		}
		unlock := k.Lock(id)
		err = k.CommitOrDuplicate(ctx, tx)
		unlock()
		if gapless && errors.Is(err, store.ErrConflict) && attempt < 8*MaxRetries {
			// The number went to another replica: take the next, after a
			// short random pause so that racing replicas spread out.
			time.Sleep(time.Duration(rand.Int64N(int64(min(attempt+1, 10)) * int64(time.Millisecond))))
			continue
		}
		return err
	}
}
