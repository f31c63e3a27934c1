package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	"github.com/irbot/irbot/bot"
)

// Batch is part of another store's contents, for Load: everything as that
// store holds it, ids, versions and times included.
type Batch struct {
	// Incidents are snapshots as stored, Version included (Load does not
	// increment it as Commit does).
	Incidents []*bot.Incident
	// Events are timeline events by incident id, Seq and Hash as recorded.
	Events map[int64][]bot.Event
	// Outbox holds undelivered messages with their ids.
	Outbox []bot.Outgoing
	// Timers are pending timers. Leases are not copied: a copied timer is
	// claimable when due.
	Timers []bot.Timer
	// Seen maps idempotency keys to the time they were recorded (RFC 3339).
	Seen map[string]string
	// KV holds key-value entries.
	KV map[string]string
	// Seqs maps sequence names to the last number NextID gave out.
	Seqs map[string]int64
	// OutboxSeq, when above 0, is the last outbox message id given out, so
	// that messages committed after the copy get higher ids.
	OutboxSeq int64
}

// Empty reports whether the store holds no data: no incident, outbox
// message, timer, seen key, key-value entry, and no incident number
// given out. Load is meant for an empty store.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	n, err := s.rdb.Exists(ctx, s.k.inc, s.k.outbox, s.k.outboxSq, s.k.timers, s.k.seen, s.k.kv, s.key("seq", "incident")).Result()
	if err != nil {
		return false, s.fail(ctx, err)
	}
	return n == 0, nil
}

// Load writes b into the store as it is, for copying another store into
// this one (irbot migrate): unlike Commit it keeps versions, outbox ids,
// sequence numbers and the times seen keys were recorded, and checks
// nothing. Each call is one MULTI/EXEC transaction; call it with batches
// of a few thousand items. Load is for an empty store that no bot uses
// yet: an item already stored under the same id is overwritten, and a
// timer's old due time is not removed from the indexes.
func (s *Store) Load(ctx context.Context, b *Batch) error {
	type write func(p goredis.Pipeliner) error
	var ws []write
	for _, inc := range b.Incidents {
		v, err := json.Marshal(inc)
		if err != nil {
			return err
		}
		id := strconv.FormatInt(inc.ID, 10)
		open := inc.Open()
		ws = append(ws, func(p goredis.Pipeliner) error {
			p.HSet(ctx, s.k.inc, id, v)
			p.HSet(ctx, s.k.incVer, id, strconv.FormatInt(inc.Version, 10))
			if open {
				p.ZAdd(ctx, s.k.incOpen, goredis.Z{Score: float64(inc.ID), Member: id})
			} else {
				p.ZRem(ctx, s.k.incOpen, id)
			}
			return nil
		})
	}
	for id, evs := range b.Events {
		if len(evs) == 0 {
			continue
		}
		zs := make([]goredis.Z, len(evs))
		for i, e := range evs {
			v, err := json.Marshal(e)
			if err != nil {
				return err
			}
			zs[i] = goredis.Z{Score: float64(e.Seq), Member: v}
		}
		key := s.timelineKey(id)
		ws = append(ws, func(p goredis.Pipeliner) error { p.ZAdd(ctx, key, zs...); return nil })
	}
	for _, m := range b.Outbox {
		n, err := strconv.ParseUint(m.ID, 10, 64)
		if err != nil {
			return fmt.Errorf("outbox message id %q is not a number", m.ID)
		}
		v, err := json.Marshal(m)
		if err != nil {
			return err
		}
		ws = append(ws, func(p goredis.Pipeliner) error {
			p.HSet(ctx, s.k.outbox, m.ID, v)
			p.ZAdd(ctx, s.k.outboxOrder, goredis.Z{Score: float64(n), Member: m.ID})
			return nil
		})
	}
	for _, tm := range b.Timers {
		v, err := json.Marshal(tm)
		if err != nil {
			return err
		}
		due := timeKey(tm.Due)
		ws = append(ws, func(p goredis.Pipeliner) error {
			p.HSet(ctx, s.k.timers, tm.ID, v)
			p.ZAdd(ctx, s.k.due, goredis.Z{Member: due + tm.ID})
			p.ZAdd(ctx, s.k.ready, goredis.Z{Member: due + tm.ID})
			p.HSet(ctx, s.k.meta, tm.ID, due+due)
			return nil
		})
	}
	if len(b.Seen) > 0 {
		ws = append(ws, func(p goredis.Pipeliner) error { p.HSet(ctx, s.k.seen, b.Seen); return nil })
	}
	if len(b.KV) > 0 {
		ws = append(ws, func(p goredis.Pipeliner) error { p.HSet(ctx, s.k.kv, b.KV); return nil })
	}
	for name, n := range b.Seqs {
		key := s.key("seq", name)
		ws = append(ws, func(p goredis.Pipeliner) error { p.Set(ctx, key, strconv.FormatInt(n, 10), 0); return nil })
	}
	if b.OutboxSeq > 0 {
		ws = append(ws, func(p goredis.Pipeliner) error {
			p.Set(ctx, s.k.outboxSq, strconv.FormatInt(b.OutboxSeq, 10), 0)
			return nil
		})
	}
	if len(ws) == 0 {
		return nil
	}
	_, err := s.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		for _, w := range ws {
			if err := w(p); err != nil {
				return err
			}
		}
		return nil
	})
	return s.fail(ctx, err)
}
