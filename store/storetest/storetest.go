// Package storetest is the conformance suite every store backend passes,
// in the manner of testing/slogtest: one table of behaviour, run against
// each implementation with a fresh store per case.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/store"
)

// Opener returns a fresh, empty store for one test case. Reopen, when not
// nil, closes s and opens the same data again (for restart cases).
type Opener struct {
	Open   func(t *testing.T) store.Store
	Reopen func(t *testing.T, s store.Store) store.Store
}

var t0 = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func newIncident(id int64) *bot.Incident {
	return &bot.Incident{ID: id, Prefix: "IR", Title: fmt.Sprintf("incident %d", id), Severity: 2,
		Playbook: "ransomware", State: bot.StateTriggered, Declared: t0, Updated: t0,
		Chats: []bot.ChatRef{{Platform: "console", ID: "soc"}}}
}

func events(inc *bot.Incident, kinds ...string) []bot.Event {
	evs := make([]bot.Event, len(kinds))
	for i, k := range kinds {
		evs[i] = bot.Event{At: t0.Add(time.Duration(i) * time.Second), Actor: "an", Data: map[string]string{"n": fmt.Sprint(i)}}
		setKind(&evs[i].Kind, k)
	}
	inc.Seq, inc.LastHash = bot.Chain(inc.Seq, inc.LastHash, evs)
	return evs
}

// setKind sets an event's kind from a string, whatever string type the
// field has.
func setKind[K ~string](dst *K, k string) { *dst = K(k) }

// Run runs every case against the backend.
func Run(t *testing.T, o Opener) {
	ctx := context.Background()
	cases := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"NextIDCountsPerSequence", func(t *testing.T, s store.Store) {
			for want := int64(1); want <= 3; want++ {
				got, err := s.NextID(ctx, "incident")
				if err != nil || got != want {
					t.Fatalf("NextID = %d, %v; want %d", got, err, want)
				}
			}
			if got, _ := s.NextID(ctx, "other"); got != 1 {
				t.Fatalf("other sequence starts at %d, want 1", got)
			}
		}},
		{"CommitStoresIncidentAndTimeline", func(t *testing.T, s store.Store) {
			inc := newIncident(1)
			evs := events(inc, "declared", "note")
			if err := s.Commit(ctx, &store.Tx{Incident: inc, Events: evs}); err != nil {
				t.Fatal(err)
			}
			if inc.Version != 1 {
				t.Fatalf("version after first commit = %d, want 1", inc.Version)
			}
			got, err := s.Incident(ctx, 1)
			if err != nil || got.Title != "incident 1" || got.Version != 1 || got.Seq != 2 {
				t.Fatalf("Incident = %+v, %v", got, err)
			}
			tl, err := s.Timeline(ctx, 1, 0)
			if err != nil || len(tl) != 2 || tl[1].Kind != "note" {
				t.Fatalf("Timeline = %+v, %v", tl, err)
			}
			if err := bot.Verify(tl); err != nil {
				t.Fatalf("stored timeline does not verify: %v", err)
			}
			if tl, _ := s.Timeline(ctx, 1, 1); len(tl) != 1 || tl[0].Seq != 2 {
				t.Fatalf("Timeline after 1 = %+v", tl)
			}
		}},
		{"MissingIncidentIsNotFound", func(t *testing.T, s store.Store) {
			if _, err := s.Incident(ctx, 42); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
			if _, err := s.Get(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("Get err = %v, want ErrNotFound", err)
			}
		}},
		{"StaleVersionConflictsAndWritesNothing", func(t *testing.T, s store.Store) {
			inc := newIncident(1)
			if err := s.Commit(ctx, &store.Tx{Incident: inc, Events: events(inc, "declared")}); err != nil {
				t.Fatal(err)
			}
			a, _ := s.Incident(ctx, 1)
			b, _ := s.Incident(ctx, 1)
			a.Title = "first"
			if err := s.Commit(ctx, &store.Tx{Incident: a, Events: events(a, "a")}); err != nil {
				t.Fatal(err)
			}
			b.Title = "second"
			err := s.Commit(ctx, &store.Tx{Incident: b, Events: events(b, "b"),
				Outbox: []bot.Outgoing{{Text: "lost"}}, Seen: []string{"k"}})
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("err = %v, want ErrConflict", err)
			}
			got, _ := s.Incident(ctx, 1)
			if got.Title != "first" {
				t.Fatalf("title = %q, want first", got.Title)
			}
			if ob, _ := s.Outbox(ctx, 10); len(ob) != 0 {
				t.Fatalf("outbox written by a failed commit: %+v", ob)
			}
			if seen, _ := s.Seen(ctx, "k"); seen {
				t.Fatal("seen key written by a failed commit")
			}
		}},
		{"ConcurrentWritersOneWins", func(t *testing.T, s store.Store) {
			inc := newIncident(1)
			if err := s.Commit(ctx, &store.Tx{Incident: inc}); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			wins := 0
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := inc.Clone()
					if err := s.Commit(ctx, &store.Tx{Incident: c, Events: events(c, "race")}); err == nil {
						mu.Lock()
						wins++
						mu.Unlock()
					} else if !errors.Is(err, store.ErrConflict) {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if wins != 1 {
				t.Fatalf("%d writers won, want exactly 1", wins)
			}
		}},
		{"SeenKeysMakeCommitsIdempotent", func(t *testing.T, s store.Store) {
			tx := &store.Tx{Outbox: []bot.Outgoing{{Text: "reply"}}, Seen: []string{"telegram:update:7"}}
			if err := s.Commit(ctx, tx); err != nil {
				t.Fatal(err)
			}
			err := s.Commit(ctx, &store.Tx{Outbox: []bot.Outgoing{{Text: "reply again"}}, Seen: []string{"telegram:update:7"}})
			if !errors.Is(err, store.ErrDuplicate) {
				t.Fatalf("err = %v, want ErrDuplicate", err)
			}
			if ob, _ := s.Outbox(ctx, 10); len(ob) != 1 {
				t.Fatalf("outbox = %d messages, want 1", len(ob))
			}
			if ok, _ := s.Seen(ctx, "telegram:update:7"); !ok {
				t.Fatal("key not seen")
			}
		}},
		{"OutboxKeepsOrderUntilDelivered", func(t *testing.T, s store.Store) {
			for i := 0; i < 5; i++ {
				tx := &store.Tx{Outbox: []bot.Outgoing{{Chat: bot.ChatRef{Platform: "console", ID: "soc"}, Text: fmt.Sprint(i)}}}
				if err := s.Commit(ctx, tx); err != nil {
					t.Fatal(err)
				}
				if tx.Outbox[0].ID == "" {
					t.Fatal("commit did not assign an outbox id")
				}
			}
			ob, _ := s.Outbox(ctx, 3)
			if len(ob) != 3 || ob[0].Text != "0" || ob[2].Text != "2" {
				t.Fatalf("outbox head = %+v", ob)
			}
			ob[0].Attempts = 2
			if err := s.UpdateOutgoing(ctx, ob[0]); err != nil {
				t.Fatal(err)
			}
			if err := s.Delivered(ctx, ob[1].ID); err != nil {
				t.Fatal(err)
			}
			ob, _ = s.Outbox(ctx, 10)
			if len(ob) != 4 || ob[0].Attempts != 2 || ob[1].Text != "2" {
				t.Fatalf("outbox after delivery = %+v", ob)
			}
			if err := s.Delivered(ctx, ob[1].ID); err != nil {
				t.Fatal(err)
			}
			if err := s.Delivered(ctx, ob[1].ID); err != nil {
				t.Fatalf("delivering twice: %v", err)
			}
		}},
		{"OutboxAfterReadsOnlyNewerMessages", func(t *testing.T, s store.Store) {
			var ids []string
			for i := 0; i < 6; i++ {
				tx := &store.Tx{Outbox: []bot.Outgoing{{Chat: bot.ChatRef{Platform: "console", ID: "soc"}, Text: fmt.Sprint(i)}}}
				if err := s.Commit(ctx, tx); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, tx.Outbox[0].ID)
			}
			if err := s.Delivered(ctx, ids[3]); err != nil {
				t.Fatal(err)
			}
			ob, err := s.OutboxAfter(ctx, ids[1], 10)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ob {
				got = append(got, m.Text)
			}
			if strings.Join(got, ",") != "2,4,5" {
				t.Fatalf("after %s: %v, want 2,4,5", ids[1], got)
			}
			if ob, _ := s.OutboxAfter(ctx, "", 2); len(ob) != 2 || ob[0].Text != "0" {
				t.Fatalf("from the start, 2: %+v", ob)
			}
			if ob, _ := s.OutboxAfter(ctx, ids[5], 10); len(ob) != 0 {
				t.Fatalf("after the last: %+v", ob)
			}
		}},
		{"TimersClaimedOnceUnderLease", func(t *testing.T, s store.Store) {
			tx := &store.Tx{SetTimers: []bot.Timer{
				{ID: "b", Due: t0.Add(2 * time.Minute), Kind: "page"},
				{ID: "a", Due: t0.Add(time.Minute), Kind: "page"},
				{ID: "c", Due: t0.Add(time.Hour), Kind: "page"},
			}}
			if err := s.Commit(ctx, tx); err != nil {
				t.Fatal(err)
			}
			due, ok, err := s.NextTimer(ctx)
			if err != nil || !ok || !due.Equal(t0.Add(time.Minute)) {
				t.Fatalf("NextTimer = %v, %v, %v", due, ok, err)
			}
			now := t0.Add(5 * time.Minute)
			got, err := s.ClaimTimers(ctx, now, "p1", time.Minute, 10)
			if err != nil || len(got) != 2 || got[0].ID != "a" || got[1].ID != "b" {
				t.Fatalf("claim = %+v, %v", got, err)
			}
			if again, _ := s.ClaimTimers(ctx, now, "p2", time.Minute, 10); len(again) != 0 {
				t.Fatalf("leased timers claimed again: %+v", again)
			}
			later, _ := s.ClaimTimers(ctx, now.Add(2*time.Minute), "p2", time.Minute, 10)
			if len(later) != 2 {
				t.Fatalf("expired leases not reclaimable: %+v", later)
			}
			if err := s.Commit(ctx, &store.Tx{CancelTimers: []string{"a", "b", "zzz"}}); err != nil {
				t.Fatal(err)
			}
			all, _ := s.Timers(ctx)
			if len(all) != 1 || all[0].ID != "c" {
				t.Fatalf("timers = %+v", all)
			}
		}},
		{"SetTimerReplacesByID", func(t *testing.T, s store.Store) {
			s.Commit(ctx, &store.Tx{SetTimers: []bot.Timer{{ID: "x", Due: t0.Add(time.Hour)}}})
			s.Commit(ctx, &store.Tx{SetTimers: []bot.Timer{{ID: "x", Due: t0.Add(time.Minute), Data: map[string]string{"v": "2"}}}})
			all, _ := s.Timers(ctx)
			if len(all) != 1 || !all[0].Due.Equal(t0.Add(time.Minute)) || all[0].Data["v"] != "2" {
				t.Fatalf("timers = %+v", all)
			}
			due, _, _ := s.NextTimer(ctx)
			if !due.Equal(t0.Add(time.Minute)) {
				t.Fatalf("NextTimer = %v", due)
			}
		}},
		{"KeyValuePutAndDelete", func(t *testing.T, s store.Store) {
			s.Commit(ctx, &store.Tx{Put: map[string]string{"telegram:offset": "41"}})
			if v, err := s.Get(ctx, "telegram:offset"); v != "41" || err != nil {
				t.Fatalf("Get = %q, %v", v, err)
			}
			s.Commit(ctx, &store.Tx{Put: map[string]string{"telegram:offset": ""}})
			if _, err := s.Get(ctx, "telegram:offset"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("deleted key: %v", err)
			}
		}},
		{"OpenIncidentsFilter", func(t *testing.T, s store.Store) {
			for id := int64(1); id <= 3; id++ {
				inc := newIncident(id)
				if id == 2 {
					inc.State = bot.StateClosed
				}
				s.Commit(ctx, &store.Tx{Incident: inc})
			}
			all, _ := s.Incidents(ctx, false)
			open, _ := s.Incidents(ctx, true)
			if len(all) != 3 || len(open) != 2 || open[0].ID != 1 || open[1].ID != 3 {
				t.Fatalf("all=%d open=%+v", len(all), open)
			}
		}},
		{"OpenListFollowsStateChanges", func(t *testing.T, s store.Store) {
			inc := newIncident(1)
			s.Commit(ctx, &store.Tx{Incident: inc})
			for _, step := range []struct {
				state string
				open  int
			}{{bot.StateResolved, 0}, {bot.StateAcknowledged, 1}, {bot.StateCancelled, 0}} {
				inc.State = step.state
				if err := s.Commit(ctx, &store.Tx{Incident: inc}); err != nil {
					t.Fatal(err)
				}
				if open, _ := s.Incidents(ctx, true); len(open) != step.open {
					t.Fatalf("after %s: %d open, want %d", step.state, len(open), step.open)
				}
			}
		}},
		{"TakeIDLeavesNoGaps", func(t *testing.T, s store.Store) {
			p, ok := s.(store.IDPeeker)
			if !ok {
				t.Skip("backend takes numbers with NextID only (no store.IDPeeker)")
			}
			declare := func(seen string) (*bot.Incident, error) {
				id, err := p.PeekID(ctx, "incident")
				if err != nil {
					t.Fatal(err)
				}
				inc := newIncident(id)
				return inc, s.Commit(ctx, &store.Tx{Incident: inc, Events: events(inc, "declared"), TakeID: "incident", Seen: []string{seen}})
			}
			if inc, err := declare("u1"); err != nil || inc.ID != 1 {
				t.Fatalf("first declare: IR-%d, %v", inc.ID, err)
			}
			// A commit that fails takes no number.
			if _, err := declare("u1"); !errors.Is(err, store.ErrDuplicate) {
				t.Fatalf("duplicate declare: %v, want ErrDuplicate", err)
			}
			if inc, err := declare("u2"); err != nil || inc.ID != 2 {
				t.Fatalf("declare after a failed one: IR-%d, %v; want IR-2", inc.ID, err)
			}
			// Two writers peek the same number: one wins, the other
			// conflicts, writes nothing, peeks again and gets the next.
			id, _ := p.PeekID(ctx, "incident")
			a, b := newIncident(id), newIncident(id)
			if err := s.Commit(ctx, &store.Tx{Incident: a, Events: events(a, "declared"), TakeID: "incident"}); err != nil {
				t.Fatal(err)
			}
			err := s.Commit(ctx, &store.Tx{Incident: b, Events: events(b, "declared"), TakeID: "incident",
				Outbox: []bot.Outgoing{{Text: "lost"}}, Seen: []string{"u4"}})
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("second writer of IR-%d: %v, want ErrConflict", id, err)
			}
			if ob, _ := s.Outbox(ctx, 10); len(ob) != 0 {
				t.Fatalf("conflicting commit wrote the outbox: %+v", ob)
			}
			if inc, err := declare("u4"); err != nil || inc.ID != 4 {
				t.Fatalf("retry: IR-%d, %v; want IR-4", inc.ID, err)
			}
			// A number given out by NextID is not taken again.
			if n, _ := s.NextID(ctx, "incident"); n != 5 {
				t.Fatalf("NextID = %d, want 5", n)
			}
			if inc, err := declare("u6"); err != nil || inc.ID != 6 {
				t.Fatalf("declare after NextID: IR-%d, %v; want IR-6", inc.ID, err)
			}
			all, _ := s.Incidents(ctx, false)
			var ids []int64
			for _, inc := range all {
				ids = append(ids, inc.ID)
			}
			if fmt.Sprint(ids) != "[1 2 3 4 6]" {
				t.Fatalf("incidents %v, want [1 2 3 4 6]", ids)
			}
		}},
		{"RestartKeepsEverything", func(t *testing.T, s store.Store) {
			if o.Reopen == nil {
				t.Skip("backend has no reopen")
			}
			s.NextID(ctx, "incident")
			inc := newIncident(1)
			s.Commit(ctx, &store.Tx{Incident: inc, Events: events(inc, "declared", "ack"),
				Outbox: []bot.Outgoing{{Text: "pending"}}, SetTimers: []bot.Timer{{ID: "esc", Due: t0}},
				Seen: []string{"u1"}, Put: map[string]string{"k": "v"}})
			s = o.Reopen(t, s)
			got, err := s.Incident(ctx, 1)
			if err != nil || got.Seq != 2 {
				t.Fatalf("incident after reopen: %+v, %v", got, err)
			}
			tl, _ := s.Timeline(ctx, 1, 0)
			ob, _ := s.Outbox(ctx, 10)
			tm, _ := s.Timers(ctx)
			seen, _ := s.Seen(ctx, "u1")
			v, _ := s.Get(ctx, "k")
			if len(tl) != 2 || len(ob) != 1 || len(tm) != 1 || !seen || v != "v" {
				t.Fatalf("after reopen: timeline %d, outbox %d, timers %d, seen %v, kv %q", len(tl), len(ob), len(tm), seen, v)
			}
			if id, _ := s.NextID(ctx, "incident"); id != 2 {
				t.Fatalf("sequence after reopen gave %d, want 2", id)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := o.Open(t)
			c.fn(t, s)
		})
	}
}
