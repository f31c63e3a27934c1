package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/store"
)

// change is what one action does to one incident before it is committed.
type change struct {
	e      *Engine
	req    *request // nil for system actions (timers, alerts)
	now    time.Time
	inc    *bot.Incident
	pb     *playbook.Playbook
	events []bot.Event
	out    []bot.Outgoing
	set    []bot.Timer
	cancel []string
	put    map[string]string
	seen   []string

	summarized bool // a leadership summary covers this change
}

func (c *change) actorID() string {
	if c.req == nil {
		return "irbot"
	}
	return c.req.actor.ID
}

func (c *change) actorName() string {
	if c.req == nil {
		return "irbot"
	}
	return firstNonEmpty(c.req.actor.Name, c.req.actor.ID)
}

// record appends a timeline event by the acting person (or the bot).
func (c *change) record(kind bot.EventKind, data map[string]string) {
	c.events = append(c.events, bot.Event{At: c.now, Actor: c.actorID(), Kind: kind, Data: data})
}

// recordBot appends a timeline event decided by the bot itself (pages,
// escalations), whoever's action led to it.
func (c *change) recordBot(kind bot.EventKind, data map[string]string) {
	c.events = append(c.events, bot.Event{At: c.now, Actor: "irbot", Kind: kind, Data: data})
}

// notify tells every chat of the incident, and the chat the command came
// from, in each chat's own language.
func (c *change) notify(ctx context.Context, kind string, t text, buttons []bot.Button) {
	chats := append([]bot.ChatRef(nil), c.inc.Chats...)
	if c.req != nil && !c.req.quiet && !c.inc.HasChat(c.req.in.Chat) {
		chats = append(chats, c.req.in.Chat)
	}
	for _, ch := range chats {
		m := bot.Outgoing{Incident: c.inc.ID, Chat: ch, Kind: kind, Text: t(c.e.chatLang(ctx, ch)), Buttons: buttons}
		if c.req != nil && ch == c.req.in.Chat {
			m.ReplyTo = c.req.in.MessageID
			if c.req.in.Button {
				m.Edit = c.req.in.MessageID // the tapped message shows who did what
			}
		}
		c.out = append(c.out, m)
	}
}

// reply answers only the chat the command came from.
func (c *change) reply(t text, buttons []bot.Button) {
	if c.req.quiet {
		return
	}
	c.out = append(c.out, bot.Outgoing{Incident: c.inc.ID, Chat: c.req.in.Chat, Kind: bot.KindReply,
		Text: t(c.req.lang), Buttons: buttons, ReplyTo: c.req.in.MessageID})
}

func (c *change) tx() *store.Tx {
	c.inc.Updated = c.now
	c.inc.Seq, c.inc.LastHash = bot.Chain(c.inc.Seq, c.inc.LastHash, c.events)
	if c.summarized {
		c.inc.SummarySeq = c.inc.Seq
	}
	return &store.Tx{Incident: c.inc, Events: c.events, Outbox: c.out, SetTimers: c.set,
		CancelTimers: c.cancel, Seen: c.seen, Put: c.put}
}

// maxRetries bounds the retries of one action on concurrent changes.
const maxRetries = 8

// apply runs fn on a fresh copy of incident id and commits what it did,
// retrying from a fresh read when another writer committed first.
func (e *Engine) apply(ctx context.Context, id int64, req *request, fn func(ctx context.Context, c *change) error) error {
	defer e.lock(id)()
	for attempt := 0; ; attempt++ {
		inc, err := e.st.Incident(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return e.refuse("err.no_incident", fmt.Sprintf("%s-%d", e.o.Prefix, id))
		}
		if err != nil {
			return fmt.Errorf("load incident %d: %w", id, err)
		}
		pb, ok := e.books.Get(inc.Playbook)
		if !ok {
			return e.refuse("err.playbook_gone", inc.Ref(), inc.Playbook)
		}
		c := &change{e: e, req: req, now: e.o.Clock.Now(), inc: inc.Clone(), pb: pb}
		if req != nil {
			c.seen = req.seen
		}
		if err := fn(ctx, c); err != nil {
			return err
		}
		e.finish(ctx, c)
		err = e.commit(ctx, c.tx())
		if errors.Is(err, store.ErrConflict) && attempt < maxRetries {
			continue
		}
		if err != nil {
			return fmt.Errorf("commit %s: %w", inc.Ref(), err)
		}
		return nil
	}
}

// commit writes tx; a duplicate (the input was handled before) is success.
func (e *Engine) commit(ctx context.Context, tx *store.Tx) error {
	err := e.commitOrDuplicate(ctx, tx)
	if errors.Is(err, store.ErrDuplicate) {
		return nil
	}
	return err
}

// commitOrDuplicate writes tx and tells the caller of a duplicate, for the
// callers that must then do something else (join what another process
// opened).
func (e *Engine) commitOrDuplicate(ctx context.Context, tx *store.Tx) error {
	kept := tx.Outbox[:0]
	for _, m := range tx.Outbox {
		if e.running(m.Chat.Platform) {
			m.Buttons = slices.Clone(m.Buttons) // buttons may be shared between messages
			e.localize(ctx, &m)
			kept = append(kept, m)
		}
	}
	tx.Outbox = kept
	if err := e.st.Commit(ctx, tx); err != nil {
		return err
	}
	if e.o.OnCommit != nil {
		e.o.OnCommit(tx)
	}
	return nil
}

// finish runs before every incident commit that records events: it keeps
// the live status card current, tells leaders of important changes
// (rate-limited), and keeps the summary cadence timer in step with the
// incident.
func (e *Engine) finish(ctx context.Context, c *change) {
	if len(c.events) == 0 {
		return
	}
	e.refreshCard(ctx, c)
	e.tellLeaders(ctx, c)
}
