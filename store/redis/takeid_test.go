package redis

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/redis/redistest"
)

// TestIncidentNumbersWithoutGaps declares incidents from two Stores and
// eight goroutines at once, as an engine does with PeekID and TakeID. A
// third of the declarations repeat an input already handled (a Seen
// duplicate) and fail; races for a number fail with ErrConflict and are
// retried. The numbers given out must be 1…n without a gap, one per input.
func TestIncidentNumbersWithoutGaps(t *testing.T) {
	ctx := context.Background()
	url := startRedis(t)
	prefix := redistest.Prefix(t, url)
	stores := []*Store{openStore(t, url, prefix), openStore(t, url, prefix)}
	const workers, each = 8, 30
	var (
		mu        sync.Mutex
		conflicts int
		byInput   = map[string]int64{}
	)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		s := stores[w%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < each; n++ {
				input := fmt.Sprintf("w%d-%d", w, n)
				if n%3 == 2 {
					input = fmt.Sprintf("w%d-%d", w, n-1) // redelivered
				}
				for {
					id, err := s.PeekID(ctx, "incident")
					if err != nil {
						t.Error(err)
						return
					}
					inc := newIncident(id)
					inc.Title = input
					err = s.Commit(ctx, &store.Tx{Incident: inc, Events: chain(inc, "declared"), TakeID: "incident",
						Seen: []string{input}, Outbox: []bot.Outgoing{{Text: inc.Ref() + " declared"}}})
					if errors.Is(err, store.ErrConflict) {
						mu.Lock()
						conflicts++
						mu.Unlock()
						continue
					}
					if errors.Is(err, store.ErrDuplicate) {
						break
					}
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if prev, dup := byInput[input]; dup {
						t.Errorf("%s declared twice: IR-%d and IR-%d", input, prev, id)
					}
					byInput[input] = id
					mu.Unlock()
					break
				}
			}
		}()
	}
	wg.Wait()
	all, err := stores[0].Incidents(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	want := workers * (each - each/3)
	if len(all) != want || len(byInput) != want {
		t.Fatalf("%d incidents stored, %d declared; want %d", len(all), len(byInput), want)
	}
	for i, inc := range all {
		if inc.ID != int64(i+1) {
			t.Fatalf("gap: the %d-th incident is IR-%d", i+1, inc.ID)
		}
		if byInput[inc.Title] != inc.ID {
			t.Fatalf("IR-%d holds %s, declared as IR-%d", inc.ID, inc.Title, byInput[inc.Title])
		}
	}
	if ob, _ := stores[1].Outbox(ctx, 10_000); len(ob) != want {
		t.Fatalf("%d outbox messages, want %d: failed commits wrote some", len(ob), want)
	}
	if next, _ := stores[1].PeekID(ctx, "incident"); next != int64(want)+1 {
		t.Fatalf("next number %d, want %d", next, want+1)
	}
	t.Logf("%d incidents, %d conflicts retried", want, conflicts)
	if err := stores[0].Commit(ctx, &store.Tx{Incident: all[0], TakeID: "incident"}); err == nil {
		t.Fatal("TakeID with an existing incident accepted")
	}
}

// TestLoadKeepsEverything loads a batch and reads it back: versions,
// outbox ids, sequences and seen times are kept, not re-assigned.
func TestLoadKeepsEverything(t *testing.T) {
	ctx := context.Background()
	url := startRedis(t)
	s := openStore(t, url, redistest.Prefix(t, url))
	if empty, err := s.Empty(ctx); err != nil || !empty {
		t.Fatalf("Empty on a new store = %v, %v", empty, err)
	}
	open, closed := newIncident(7), newIncident(9)
	evs := chain(open, "declared", "ack")
	open.Version = 5
	closed.State, closed.Version = bot.StateClosed, 2
	b := &Batch{
		Incidents: []*bot.Incident{open, closed},
		Events:    map[int64][]bot.Event{7: evs},
		Outbox:    []bot.Outgoing{{ID: "41", Text: "a"}, {ID: "40", Text: "b"}},
		Timers:    []bot.Timer{{ID: "esc:7", Due: t0, Incident: 7}},
		Seen:      map[string]string{"u1": "2026-01-02T03:04:05Z"},
		KV:        map[string]string{"k": "v"},
		Seqs:      map[string]int64{"incident": 9},
		OutboxSeq: 45,
	}
	if err := s.Load(ctx, b); err != nil {
		t.Fatal(err)
	}
	if empty, _ := s.Empty(ctx); empty {
		t.Fatal("Empty after Load")
	}
	got, err := s.Incident(ctx, 7)
	if err != nil || got.Version != 5 {
		t.Fatalf("incident 7: %+v, %v", got, err)
	}
	if o, _ := s.Incidents(ctx, true); len(o) != 1 || o[0].ID != 7 {
		t.Fatalf("open incidents %+v", o)
	}
	tl, _ := s.Timeline(ctx, 7, 0)
	if err := bot.Verify(tl); err != nil || len(tl) != 2 {
		t.Fatalf("timeline %d events: %v", len(tl), err)
	}
	ob, _ := s.Outbox(ctx, 10)
	if len(ob) != 2 || ob[0].ID != "40" || ob[1].ID != "41" {
		t.Fatalf("outbox %+v", ob)
	}
	if tm, _ := s.ClaimTimers(ctx, t0, "p", 0, 10); len(tm) != 1 || tm[0].ID != "esc:7" {
		t.Fatalf("claimed %+v", tm)
	}
	if at, _ := s.rdb.HGet(ctx, s.k.seen, "u1").Result(); at != "2026-01-02T03:04:05Z" {
		t.Fatalf("seen time %q", at)
	}
	if v, _ := s.Get(ctx, "k"); v != "v" {
		t.Fatalf("kv %q", v)
	}
	if n, _ := s.PeekID(ctx, "incident"); n != 10 {
		t.Fatalf("next incident number %d, want 10", n)
	}
	// The next commit continues the copied store: version 6, outbox id 46.
	got.Title = "after"
	tx := &store.Tx{Incident: got, Events: chain(got, "note"), Outbox: []bot.Outgoing{{Text: "c"}}}
	if err := s.Commit(ctx, tx); err != nil || got.Version != 6 || tx.Outbox[0].ID != "46" {
		t.Fatalf("commit after load: version %d, outbox id %q, %v", got.Version, tx.Outbox[0].ID, err)
	}
}
