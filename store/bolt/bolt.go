// Package bolt is irbot's default store: one bbolt file, ACID transactions,
// no server. A commit is durable when Commit returns (bbolt fsyncs), so a
// kill -9 at any moment leaves a file that opens and holds every committed
// action. One process at a time may open a file.
package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/store"
)

var (
	bIncidents = []byte("incidents")
	bOpen      = []byte("open") // ids of incidents still needing work
	bTimeline  = []byte("timeline")
	bOutbox    = []byte("outbox")
	bTimers    = []byte("timers")
	bTimerDue  = []byte("timer_due")
	bSeen      = []byte("seen")
	bKV        = []byte("kv")
	bSeq       = []byte("seq")
)

// FileName is the store's file inside the data directory.
const FileName = "irbot.db"

// Store is a store.Store on a bbolt file. It is safe for concurrent use.
type Store struct {
	db       *bbolt.DB
	inflight atomic.Int64 // commits under way, to decide when to batch

	leaseMu sync.Mutex
	leases  map[string]time.Time // timer id -> lease end (see ClaimTimers)
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the store in dir. It fails after a second
// if another process holds the file.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open %s: in use by another irbot process", path)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		rebuild := tx.Bucket(bOpen) == nil
		for _, b := range [][]byte{bIncidents, bOpen, bTimeline, bOutbox, bTimers, bTimerDue, bSeen, bKV, bSeq} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if !rebuild {
			return nil
		}
		// A file from before the open index: build it once.
		return tx.Bucket(bIncidents).ForEach(func(k, v []byte) error {
			inc := new(bot.Incident)
			if err := json.Unmarshal(v, inc); err != nil {
				return fmt.Errorf("decode incident %d: %w", binary.BigEndian.Uint64(k), err)
			}
			if inc.Open() {
				return tx.Bucket(bOpen).Put(k, nil)
			}
			return nil
		})
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("init %s: %w", path, err)
	}
	db.MaxBatchDelay = 2 * time.Millisecond
	return &Store{db: db}, nil
}

// Path returns the file's path.
func (s *Store) Path() string { return s.db.Path() }

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

func u64(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

// NextID implements store.Store.
func (s *Store) NextID(ctx context.Context, seq string) (int64, error) {
	var n int64
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bSeq)
		cur := uint64(0)
		if v := b.Get([]byte(seq)); v != nil {
			cur = binary.BigEndian.Uint64(v)
		}
		cur++
		n = int64(cur)
		return b.Put([]byte(seq), u64(cur))
	})
	return n, err
}

// Incident implements store.Store.
func (s *Store) Incident(ctx context.Context, id int64) (*bot.Incident, error) {
	var inc *bot.Incident
	err := s.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bIncidents).Get(u64(uint64(id)))
		if v == nil {
			return store.ErrNotFound
		}
		inc = new(bot.Incident)
		return json.Unmarshal(v, inc)
	})
	return inc, err
}

// Incidents implements store.Store.
func (s *Store) Incidents(ctx context.Context, open bool) ([]*bot.Incident, error) {
	var out []*bot.Incident
	err := s.db.View(func(tx *bbolt.Tx) error {
		incs := tx.Bucket(bIncidents)
		decode := func(k, v []byte) error {
			inc := new(bot.Incident)
			if err := json.Unmarshal(v, inc); err != nil {
				return fmt.Errorf("decode incident %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, inc)
			return nil
		}
		if !open {
			return incs.ForEach(decode)
		}
		// Only the open ones, through their index: a busy year of closed
		// incidents costs nothing here.
		return tx.Bucket(bOpen).ForEach(func(k, _ []byte) error {
			if v := incs.Get(k); v != nil {
				return decode(k, v)
			}
			return nil
		})
	})
	return out, err
}

// Timeline implements store.Store.
func (s *Store) Timeline(ctx context.Context, id int64, after int64) ([]bot.Event, error) {
	var out []bot.Event
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bTimeline).Bucket(u64(uint64(id)))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(u64(uint64(after + 1))); k != nil; k, v = c.Next() {
			var e bot.Event
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode event %d of incident %d: %w", binary.BigEndian.Uint64(k), id, err)
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// Commit implements store.Store.
func (s *Store) Commit(ctx context.Context, t *store.Tx) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var newVersion int64
	var ids []string
	// A lone commit runs at once; commits that overlap are grouped by
	// bbolt's Batch into one transaction and one disk sync. A function that
	// fails inside a batch is re-run alone, so each commit still succeeds
	// or fails whole.
	update := s.db.Update
	if s.inflight.Add(1) > 1 {
		update = s.db.Batch
	}
	defer s.inflight.Add(-1)
	err := update(func(tx *bbolt.Tx) error {
		ids = ids[:0]
		seen := tx.Bucket(bSeen)
		for _, k := range t.Seen {
			if seen.Get([]byte(k)) != nil {
				return store.ErrDuplicate
			}
		}
		if inc := t.Incident; inc != nil {
			key := u64(uint64(inc.ID))
			stored := int64(0)
			if v := tx.Bucket(bIncidents).Get(key); v != nil {
				var old struct {
					Version int64 `json:"version"`
				}
				if err := json.Unmarshal(v, &old); err != nil {
					return fmt.Errorf("decode incident %d: %w", inc.ID, err)
				}
				stored = old.Version
			}
			if stored != inc.Version {
				return store.ErrConflict
			}
			if t.TakeID != "" {
				// The number is taken here, with the incident it numbers:
				// a commit that fails uses up none.
				if inc.Version != 0 {
					return errors.New("commit: TakeID needs a new incident")
				}
				b := tx.Bucket(bSeq)
				last := uint64(0)
				if v := b.Get([]byte(t.TakeID)); v != nil {
					last = binary.BigEndian.Uint64(v)
				}
				if last != uint64(inc.ID-1) {
					return fmt.Errorf("number %d of sequence %s already taken: %w", inc.ID, t.TakeID, store.ErrConflict)
				}
				if err := b.Put([]byte(t.TakeID), u64(uint64(inc.ID))); err != nil {
					return err
				}
			}
			c := *inc
			c.Version++
			newVersion = c.Version
			v, err := json.Marshal(&c)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bIncidents).Put(key, v); err != nil {
				return err
			}
			if c.Open() {
				err = tx.Bucket(bOpen).Put(key, nil)
			} else {
				err = tx.Bucket(bOpen).Delete(key)
			}
			if err != nil {
				return err
			}
			if len(t.Events) > 0 {
				tl, err := tx.Bucket(bTimeline).CreateBucketIfNotExists(key)
				if err != nil {
					return err
				}
				for _, e := range t.Events {
					ek := u64(uint64(e.Seq))
					if tl.Get(ek) != nil {
						return fmt.Errorf("event #%d of incident %d already recorded: %w", e.Seq, inc.ID, store.ErrConflict)
					}
					v, err := json.Marshal(e)
					if err != nil {
						return err
					}
					if err := tl.Put(ek, v); err != nil {
						return err
					}
				}
			}
		} else if len(t.Events) > 0 {
			return errors.New("commit: events without an incident")
		}
		ob := tx.Bucket(bOutbox)
		for _, m := range t.Outbox {
			n, err := ob.NextSequence()
			if err != nil {
				return err
			}
			m.ID = strconv.FormatUint(n, 10)
			ids = append(ids, m.ID)
			v, err := json.Marshal(m)
			if err != nil {
				return err
			}
			if err := ob.Put(u64(n), v); err != nil {
				return err
			}
		}
		for _, id := range t.CancelTimers {
			if err := deleteTimer(tx, id); err != nil {
				return err
			}
		}
		for _, tm := range t.SetTimers {
			if err := deleteTimer(tx, tm.ID); err != nil {
				return err
			}
			if err := putTimer(tx, timerRow{Timer: tm}); err != nil {
				return err
			}
		}
		now := []byte(time.Now().UTC().Format(time.RFC3339))
		for _, k := range t.Seen {
			if err := seen.Put([]byte(k), now); err != nil {
				return err
			}
		}
		kv := tx.Bucket(bKV)
		for k, v := range t.Put {
			var err error
			if v == "" {
				err = kv.Delete([]byte(k))
			} else {
				err = kv.Put([]byte(k), []byte(v))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(t.SetTimers) > 0 || len(t.CancelTimers) > 0 {
		s.leaseMu.Lock()
		for _, tm := range t.SetTimers { // a re-set timer starts unleased
			delete(s.leases, tm.ID)
		}
		for _, id := range t.CancelTimers {
			delete(s.leases, id)
		}
		s.leaseMu.Unlock()
	}
	if t.Incident != nil {
		t.Incident.Version = newVersion
	}
	for i := range t.Outbox {
		t.Outbox[i].ID = ids[i]
	}
	return nil
}

// Seen implements store.Store.
func (s *Store) Seen(ctx context.Context, key string) (bool, error) {
	var ok bool
	err := s.db.View(func(tx *bbolt.Tx) error {
		ok = tx.Bucket(bSeen).Get([]byte(key)) != nil
		return nil
	})
	return ok, err
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, key string) (string, error) {
	var out string
	err := s.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bKV).Get([]byte(key))
		if v == nil {
			return store.ErrNotFound
		}
		out = string(v)
		return nil
	})
	return out, err
}

// Outbox implements store.Store.
func (s *Store) Outbox(ctx context.Context, limit int) ([]bot.Outgoing, error) {
	return s.OutboxAfter(ctx, "", limit)
}

// OutboxAfter implements store.Store.
func (s *Store) OutboxAfter(ctx context.Context, after string, limit int) ([]bot.Outgoing, error) {
	var start []byte
	if after != "" {
		k, err := outboxKey(after)
		if err != nil {
			return nil, err
		}
		start = u64(binary.BigEndian.Uint64(k) + 1)
	}
	var out []bot.Outgoing
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bOutbox).Cursor()
		k, v := c.First()
		if start != nil {
			k, v = c.Seek(start)
		}
		for ; k != nil && len(out) < limit; k, v = c.Next() {
			var m bot.Outgoing
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("decode outbox message: %w", err)
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

func outboxKey(id string) ([]byte, error) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("bad outbox id %q", id)
	}
	return u64(n), nil
}

// UpdateOutgoing implements store.Store.
func (s *Store) UpdateOutgoing(ctx context.Context, m bot.Outgoing) error {
	k, err := outboxKey(m.ID)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bOutbox)
		if b.Get(k) == nil {
			return nil
		}
		v, err := json.Marshal(m)
		if err != nil {
			return err
		}
		return b.Put(k, v)
	})
}

// Delivered implements store.Store.
func (s *Store) Delivered(ctx context.Context, id string) error {
	k, err := outboxKey(id)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bOutbox).Delete(k) })
}

type timerRow struct {
	Timer bot.Timer `json:"timer"`
}

func dueKey(due time.Time, id string) []byte {
	k := u64(uint64(max(due.UnixNano(), 0))) // before 1970 (or zero): due now
	return append(k, id...)
}

func putTimer(tx *bbolt.Tx, r timerRow) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bTimers).Put([]byte(r.Timer.ID), v); err != nil {
		return err
	}
	return tx.Bucket(bTimerDue).Put(dueKey(r.Timer.Due, r.Timer.ID), nil)
}

func deleteTimer(tx *bbolt.Tx, id string) error {
	b := tx.Bucket(bTimers)
	v := b.Get([]byte(id))
	if v == nil {
		return nil
	}
	var r timerRow
	if err := json.Unmarshal(v, &r); err != nil {
		return fmt.Errorf("decode timer %s: %w", id, err)
	}
	if err := tx.Bucket(bTimerDue).Delete(dueKey(r.Timer.Due, id)); err != nil {
		return err
	}
	return b.Delete([]byte(id))
}

// ClaimTimers implements store.Store. The file is locked to one process,
// so leases only need to hold between goroutines of that process: they are
// kept in memory, and claiming costs no disk write. After a crash there is
// no other claimer to hold off, and an unfinished timer is simply due again.
func (s *Store) ClaimTimers(ctx context.Context, now time.Time, owner string, lease time.Duration, limit int) ([]bot.Timer, error) {
	var out []bot.Timer
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	if s.leases == nil {
		s.leases = map[string]time.Time{}
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bTimerDue).Cursor()
		end := u64(uint64(now.UnixNano()))
		for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
			if bytes.Compare(k[:8], end) > 0 {
				break
			}
			id := string(k[8:])
			if until, ok := s.leases[id]; ok && now.Before(until) {
				continue
			}
			v := tx.Bucket(bTimers).Get(k[8:])
			if v == nil {
				continue
			}
			var r timerRow
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode timer %s: %w", id, err)
			}
			out = append(out, r.Timer)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for id, until := range s.leases { // forget spent leases
		if !now.Before(until) {
			delete(s.leases, id)
		}
	}
	for _, t := range out {
		s.leases[t.ID] = now.Add(lease)
	}
	return out, nil
}

// NextTimer implements store.Store.
func (s *Store) NextTimer(ctx context.Context) (time.Time, bool, error) {
	var due time.Time
	var ok bool
	err := s.db.View(func(tx *bbolt.Tx) error {
		k, _ := tx.Bucket(bTimerDue).Cursor().First()
		if k != nil {
			due, ok = time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))), true
		}
		return nil
	})
	return due, ok, err
}

// Timers implements store.Store.
func (s *Store) Timers(ctx context.Context) ([]bot.Timer, error) {
	var out []bot.Timer
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bTimerDue).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			v := tx.Bucket(bTimers).Get(k[8:])
			if v == nil {
				continue
			}
			var r timerRow
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			out = append(out, r.Timer)
		}
		return nil
	})
	return out, err
}

var _ store.IDPeeker = (*Store)(nil)

// PeekID implements store.IDPeeker: the number NextID would return next.
func (s *Store) PeekID(ctx context.Context, seq string) (int64, error) {
	var n uint64
	err := s.db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bSeq).Get([]byte(seq)); v != nil {
			n = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return int64(n + 1), err
}
