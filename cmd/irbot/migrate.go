package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/bolt"
	"github.com/irbot/irbot/store/redis"
)

// cmdMigrate copies an embedded (bbolt) store into an empty Redis store and
// verifies the copy: irbot migrate --from <data dir or file> --to <URL>.
// 0: copied and verified; 1: the copy failed or does not match (the
// message says what); 2: bad usage.
func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the embedded store: the data `DIR`, or its "+bolt.FileName+" file")
	to := fs.String("to", "", "the Redis store `URL` (redis://, rediss://, redis-sentinel://, redis-cluster://, rediss-cluster://)")
	const usage = "irbot migrate --from <data dir or file> --to <redis URL>"
	if code, ok := parseFlags(fs, args, stdout, stderr, usage,
		"Copy the embedded store (incidents and their timelines, timers, the outbox, seen keys, key-value entries, "+
			"sequences) into an empty Redis store, then check every item and every incident's hash chain there. "+
			"Stop irbot first: the file cannot be read while it runs."); !ok {
		return code
	}
	if *from == "" || *to == "" || fs.NArg() > 0 {
		fmt.Fprintf(stderr, "usage: %s\n", usage)
		return 2
	}
	path := *from
	if st, err := os.Stat(path); err != nil {
		fmt.Fprintf(stderr, "irbot: migrate: %v\n", err)
		return 2
	} else if st.IsDir() {
		path = filepath.Join(path, bolt.FileName)
	}
	sum, err := migrate(ctx, path, *to)
	if err != nil {
		fmt.Fprintf(stderr, "irbot: migrate %s to %s: %v\n", path, redis.RedactURL(*to), err)
		return 1
	}
	fmt.Fprintf(stdout, "migrated %s to %s: %s; every item checked and every hash chain verified there\n",
		path, redis.RedactURL(*to), sum)
	return 0
}

// migrateBatch is how many incidents (with their timelines) or other
// items go into one Load call.
const migrateBatch = 500

// migration counts what was copied.
type migration struct {
	incidents, events, outbox, timers, seen, kv, seqs int
}

func (m migration) String() string {
	return fmt.Sprintf("incidents %d (timeline events %d), timers %d, outbox messages %d, seen keys %d, key-value entries %d, sequences %d",
		m.incidents, m.events, m.timers, m.outbox, m.seen, m.kv, m.seqs)
}

// migrate copies the bbolt file at path into the empty Redis store at url
// and verifies the copy.
func migrate(ctx context.Context, path, url string) (migration, error) {
	if _, err := os.Stat(path); err != nil {
		return migration{}, err
	}
	src, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return migration{}, errors.New("the file is in use: stop irbot first")
	}
	if err != nil {
		return migration{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer src.Close()
	dst, err := redis.Open(ctx, url)
	if err != nil {
		return migration{}, err
	}
	defer dst.Close()
	empty, err := dst.Empty(ctx)
	if err != nil {
		return migration{}, fmt.Errorf("check the target: %w", err)
	}
	if !empty {
		return migration{}, fmt.Errorf("the target already holds an irbot store (key prefix {%s}): migrate into an empty one", dst.Prefix())
	}
	var sum migration
	err = src.View(func(tx *bbolt.Tx) error {
		var err error
		sum, err = copyBolt(ctx, tx, dst)
		return err
	})
	if err != nil {
		return sum, fmt.Errorf("copy: %w", err)
	}
	err = src.View(func(tx *bbolt.Tx) error { return verifyCopy(ctx, tx, dst) })
	if err != nil {
		return sum, fmt.Errorf("verify the copy: %w", err)
	}
	return sum, nil
}

// The bbolt store's buckets and encodings (store/bolt): keys of incidents,
// outbox messages, sequences and timeline events are big-endian uint64;
// each incident's events sit in a bucket of their own inside "timeline",
// named by the incident key; a timer is stored as {"timer": …}.
var (
	bIncidents = []byte("incidents")
	bTimeline  = []byte("timeline")
	bOutbox    = []byte("outbox")
	bTimers    = []byte("timers")
	bSeen      = []byte("seen")
	bKV        = []byte("kv")
	bSeq       = []byte("seq")
)

type boltTimer struct {
	Timer bot.Timer `json:"timer"`
}

// each calls fn for every key and value of bucket name, if the file has
// it (a file from an older irbot may lack some).
func each(tx *bbolt.Tx, name []byte, fn func(k, v []byte) error) error {
	b := tx.Bucket(name)
	if b == nil {
		return nil
	}
	return b.ForEach(fn)
}

func u64(b []byte) (uint64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("key %x is not an 8-byte number", b)
	}
	return binary.BigEndian.Uint64(b), nil
}

// readTimeline decodes incident key k's events in order.
func readTimeline(tx *bbolt.Tx, k []byte) ([]bot.Event, error) {
	tl := tx.Bucket(bTimeline)
	if tl == nil || tl.Bucket(k) == nil {
		return nil, nil
	}
	var evs []bot.Event
	err := tl.Bucket(k).ForEach(func(_, v []byte) error {
		var e bot.Event
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		evs = append(evs, e)
		return nil
	})
	return evs, err
}

// copyBolt writes everything in tx to dst, in batches.
func copyBolt(ctx context.Context, tx *bbolt.Tx, dst *redis.Store) (migration, error) {
	var sum migration
	b := &redis.Batch{Events: map[int64][]bot.Event{}}
	n := 0
	flush := func(force bool) error {
		if n == 0 || (!force && n < migrateBatch) {
			return nil
		}
		if err := dst.Load(ctx, b); err != nil {
			return err
		}
		b, n = &redis.Batch{Events: map[int64][]bot.Event{}}, 0
		return nil
	}
	err := each(tx, bIncidents, func(k, v []byte) error {
		id, err := u64(k)
		if err != nil {
			return fmt.Errorf("incident: %w", err)
		}
		inc := new(bot.Incident)
		if err := json.Unmarshal(v, inc); err != nil {
			return fmt.Errorf("decode incident %d: %w", id, err)
		}
		evs, err := readTimeline(tx, k)
		if err != nil {
			return fmt.Errorf("decode the timeline of incident %d: %w", id, err)
		}
		b.Incidents = append(b.Incidents, inc)
		b.Events[inc.ID] = evs
		sum.incidents++
		sum.events += len(evs)
		n += 1 + len(evs)/10
		return flush(false)
	})
	if err != nil {
		return sum, err
	}
	err = each(tx, bOutbox, func(_, v []byte) error {
		var m bot.Outgoing
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("decode outbox message: %w", err)
		}
		b.Outbox = append(b.Outbox, m)
		sum.outbox++
		n++
		return flush(false)
	})
	if err != nil {
		return sum, err
	}
	if ob := tx.Bucket(bOutbox); ob != nil {
		b.OutboxSeq = int64(ob.Sequence())
	}
	err = each(tx, bTimers, func(k, v []byte) error {
		var r boltTimer
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decode timer %s: %w", k, err)
		}
		b.Timers = append(b.Timers, r.Timer)
		sum.timers++
		n++
		return flush(false)
	})
	if err != nil {
		return sum, err
	}
	err = each(tx, bSeen, func(k, v []byte) error {
		if b.Seen == nil {
			b.Seen = map[string]string{}
		}
		b.Seen[string(k)] = string(v)
		sum.seen++
		n++
		return flush(false)
	})
	if err != nil {
		return sum, err
	}
	err = each(tx, bKV, func(k, v []byte) error {
		if b.KV == nil {
			b.KV = map[string]string{}
		}
		b.KV[string(k)] = string(v)
		sum.kv++
		n++
		return flush(false)
	})
	if err != nil {
		return sum, err
	}
	err = each(tx, bSeq, func(k, v []byte) error {
		last, err := u64(v)
		if err != nil {
			return fmt.Errorf("sequence %s: %w", k, err)
		}
		if b.Seqs == nil {
			b.Seqs = map[string]int64{}
		}
		b.Seqs[string(k)] = int64(last)
		sum.seqs++
		return nil
	})
	if err != nil {
		return sum, err
	}
	n++ // the sequences and the outbox counter go in the last batch
	return sum, flush(true)
}

// verifyCopy reads back through the store.Store API everything in tx and
// compares: incidents (as JSON), timelines (every event, and its chain
// verified with engine.VerifyIncident), outbox messages, timers, seen
// keys, key-value entries and the next number of every sequence.
func verifyCopy(ctx context.Context, tx *bbolt.Tx, dst *redis.Store) error {
	same := func(a, b any) bool {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		return bytes.Equal(ja, jb)
	}
	count := 0
	err := each(tx, bIncidents, func(k, v []byte) error {
		want := new(bot.Incident)
		if err := json.Unmarshal(v, want); err != nil {
			return err
		}
		count++
		got, err := dst.Incident(ctx, want.ID)
		if err != nil {
			return fmt.Errorf("%s: %w", want.Ref(), err)
		}
		if !same(got, want) {
			return fmt.Errorf("%s differs in the target", want.Ref())
		}
		wantEvs, err := readTimeline(tx, k)
		if err != nil {
			return err
		}
		evs, err := dst.Timeline(ctx, want.ID, 0)
		if err != nil {
			return fmt.Errorf("timeline of %s: %w", want.Ref(), err)
		}
		if len(evs) != len(wantEvs) || !same(evs, wantEvs) {
			return fmt.Errorf("timeline of %s: %d events in the target, %d in the source", want.Ref(), len(evs), len(wantEvs))
		}
		if err := engine.VerifyIncident(got, evs); err != nil {
			if engine.VerifyIncident(want, wantEvs) != nil {
				return fmt.Errorf("%s: %w (broken in the source already)", want.Ref(), err)
			}
			return fmt.Errorf("%s: %w", want.Ref(), err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	all, err := dst.Incidents(ctx, false)
	if err != nil {
		return err
	}
	if len(all) != count {
		return fmt.Errorf("%d incidents in the target, %d in the source", len(all), count)
	}

	var wantOutbox []bot.Outgoing
	err = each(tx, bOutbox, func(_, v []byte) error {
		var m bot.Outgoing
		err := json.Unmarshal(v, &m)
		wantOutbox = append(wantOutbox, m)
		return err
	})
	if err != nil {
		return err
	}
	gotOutbox, err := dst.Outbox(ctx, len(wantOutbox)+1)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if !same(gotOutbox, wantOutbox) {
		return fmt.Errorf("outbox: %d messages in the target, %d in the source, or they differ", len(gotOutbox), len(wantOutbox))
	}

	var wantTimers []bot.Timer
	err = each(tx, bTimers, func(_, v []byte) error {
		var r boltTimer
		err := json.Unmarshal(v, &r)
		wantTimers = append(wantTimers, r.Timer)
		return err
	})
	if err != nil {
		return err
	}
	gotTimers, err := dst.Timers(ctx)
	if err != nil {
		return fmt.Errorf("timers: %w", err)
	}
	byID := func(ts []bot.Timer) { sort.Slice(ts, func(i, j int) bool { return ts[i].ID < ts[j].ID }) }
	byID(wantTimers)
	byID(gotTimers)
	if !same(gotTimers, wantTimers) {
		return fmt.Errorf("timers: %d in the target, %d in the source, or they differ", len(gotTimers), len(wantTimers))
	}

	if err := verifySeen(ctx, tx, dst); err != nil {
		return err
	}
	err = each(tx, bKV, func(k, v []byte) error {
		got, err := dst.Get(ctx, string(k))
		if err != nil {
			return fmt.Errorf("key-value entry %q: %w", k, err)
		}
		if got != string(v) {
			return fmt.Errorf("key-value entry %q differs in the target", k)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return each(tx, bSeq, func(k, v []byte) error {
		last, err := u64(v)
		if err != nil {
			return err
		}
		next, err := dst.PeekID(ctx, string(k))
		if err != nil {
			return fmt.Errorf("sequence %s: %w", k, err)
		}
		if next != int64(last)+1 {
			return fmt.Errorf("sequence %s: next number %d in the target, %d in the source", k, next, last+1)
		}
		return nil
	})
}

// verifySeen checks that every seen key of tx is recorded in dst, asking
// from several goroutines: a store holds many.
func verifySeen(ctx context.Context, tx *bbolt.Tx, dst store.Store) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	keys := make(chan string)
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range keys {
				ok, err := dst.Seen(ctx, k)
				if err == nil && !ok {
					err = fmt.Errorf("seen key %q missing in the target", k)
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
						cancel()
					}
					mu.Unlock()
				}
			}
		}()
	}
	err := each(tx, bSeen, func(k, _ []byte) error {
		select {
		case keys <- string(k):
			return nil
		case <-ctx.Done():
			return errStop
		}
	})
	close(keys)
	wg.Wait()
	if first != nil {
		return first
	}
	if err != nil && !errors.Is(err, errStop) {
		return err
	}
	return nil
}

var errStop = errors.New("stop")
