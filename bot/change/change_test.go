package change_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/engine/enginetest"
	"github.com/irbot/irbot/store"
)

// newCore returns a Core with cfg on a new bbolt file in t's temporary
// directory, with the bundled playbooks and a clock stopped at
// enginetest.Start.
func newCore(t *testing.T, cfg change.Config) *change.Core {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = enginetest.NewClock(enginetest.Start)
	}
	return change.New(enginetest.OpenStore(t, ""), enginetest.Playbooks(t), cfg)
}

// replica returns a second Core on k's store and playbooks: another
// process, whose locks do not hold k's writers back.
func replica(k *change.Core) *change.Core {
	return change.New(k.Store, k.Books, k.Cfg)
}

// declare commits a new open ddos incident in chats and returns its number.
func declare(t *testing.T, k *change.Core, title string, chats ...bot.ChatRef) int64 {
	t.Helper()
	var id int64
	err := k.Numbered(context.Background(), func(n int64) (*store.Tx, error) {
		id = n
		inc := &bot.Incident{ID: n, Title: title, Playbook: "ddos", State: bot.StateTriggered, Chats: chats, Declared: k.Now()}
		c := &change.Change{Core: k, Now: k.Now(), Inc: inc}
		c.Record(bot.EvDeclared, map[string]string{"title": title})
		return c.Tx(), nil
	})
	if err != nil {
		t.Fatalf("declare %q: %v", title, err)
	}
	return id
}

// note is an action that records a note with text.
func note(text string) func(context.Context, *change.Change) error {
	return func(_ context.Context, c *change.Change) error {
		c.Record(bot.EvNote, map[string]string{"text": text})
		return nil
	}
}

// timeline returns incident id with its timeline, failing the test
// unless the timeline is intact and ends where the incident says.
func timeline(t *testing.T, k *change.Core, id int64) (*bot.Incident, []bot.Event) {
	t.Helper()
	ctx := context.Background()
	inc, err := k.Store.Incident(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := k.Store.Timeline(ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := bot.VerifyIncident(inc, evs); err != nil {
		t.Fatalf("timeline of %s: %v", inc.Ref(), err)
	}
	return inc, evs
}

// outbox takes the queued messages out of k's store.
func outbox(t *testing.T, k *change.Core) []bot.Outgoing {
	t.Helper()
	ctx := context.Background()
	out, err := k.Store.Outbox(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range out {
		if err := k.Store.Delivered(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestApplyRetriesWhenAnotherWriterCommitsFirst: two replicas act on one
// incident at once, both having read it before either commits. The one
// that commits second meets a conflict, reads again and runs its action
// anew: both actions land, once each, on one intact timeline.
func TestApplyRetriesWhenAnotherWriterCommitsFirst(t *testing.T) {
	a := newCore(t, change.Config{})
	b := replica(a)
	id := declare(t, a, "Portal flooded")
	ctx := context.Background()
	var read sync.WaitGroup // both have read the incident
	read.Add(2)
	var mu sync.Mutex
	runs := map[string]int{}
	act := func(k *change.Core, text string) error {
		return k.Apply(ctx, id, nil, func(ctx context.Context, c *change.Change) error {
			mu.Lock()
			runs[text]++
			first := runs[text] == 1
			mu.Unlock()
			if first {
				read.Done()
				read.Wait()
			}
			return note(text)(ctx, c)
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- act(a, "from a") }()
	go func() { errs <- act(b, "from b") }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("a concurrent change failed instead of retrying: %v", err)
		}
	}
	if got := runs["from a"] + runs["from b"]; got != 3 {
		t.Errorf("the actions ran %d times (%v), want 3: once each, and once more for the one that lost", got, runs)
	}
	_, evs := timeline(t, a, id)
	var notes []string
	for _, e := range evs {
		if e.Kind == bot.EvNote {
			notes = append(notes, e.Data["text"])
		}
	}
	slices.Sort(notes)
	if !slices.Equal(notes, []string{"from a", "from b"}) {
		t.Fatalf("notes recorded %q, want each replica's once", notes)
	}
}

// TestRefusalCommitsNothing: an action that refuses after it has recorded
// events, queued messages and set timers leaves the incident, its
// timeline, the outbox and the timers as they were, and the caller gets
// the Refusal.
func TestRefusalCommitsNothing(t *testing.T) {
	k := newCore(t, change.Config{})
	soc := bot.ChatRef{Platform: "console", ID: "soc"}
	id := declare(t, k, "Portal flooded", soc)
	outbox(t, k)
	ctx := context.Background()
	before, _ := timeline(t, k, id)
	err := k.Apply(ctx, id, nil, func(ctx context.Context, c *change.Change) error {
		c.Inc.State = bot.StateResolved
		c.Record(bot.EvResolved, nil)
		c.Notify(ctx, bot.KindStatus, k.T("err.no_open"), nil)
		c.Set = append(c.Set, bot.Timer{ID: "t1", Due: c.Now, Kind: "test", Incident: id})
		return k.Refuse("err.no_open")
	})
	var r *change.Refusal
	if !errors.As(err, &r) {
		t.Fatalf("Apply returned %v, want the action's *Refusal", err)
	}
	after, evs := timeline(t, k, id)
	if after.Version != before.Version || after.State != bot.StateTriggered || len(evs) != 1 {
		t.Errorf("refused change was written: version %d → %d, state %s, %d events", before.Version, after.Version, after.State, len(evs))
	}
	if out := outbox(t, k); len(out) != 0 {
		t.Errorf("refused change queued %d messages: %+v", len(out), out)
	}
	if timers, _ := k.Store.Timers(ctx); len(timers) != 0 {
		t.Errorf("refused change set timers: %+v", timers)
	}
}

// TestCommitDropsMessagesForPlatformsNotRunning: with Config.Platforms
// set, only messages to those platforms are queued; the rest of the
// commit is written.
func TestCommitDropsMessagesForPlatformsNotRunning(t *testing.T) {
	k := newCore(t, change.Config{Platforms: []string{"console"}})
	ctx := context.Background()
	tg := bot.ChatRef{Platform: "telegram", ID: "-1001"}
	soc := bot.ChatRef{Platform: "console", ID: "soc"}
	err := k.Commit(ctx, &store.Tx{Seen: []string{"u1"}, Outbox: []bot.Outgoing{
		{Chat: tg, Kind: bot.KindReply, Text: "to telegram"},
		{Chat: soc, Kind: bot.KindReply, Text: "to the console"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	out := outbox(t, k)
	if len(out) != 1 || out[0].Chat != soc {
		t.Fatalf("queued %+v; want only the console message", out)
	}
	if seen, _ := k.Store.Seen(ctx, "u1"); !seen {
		t.Fatal("the commit's dedup key was not written")
	}
}

// TestCommitLocalizesButtonLabels: a catalogue-keyed label (Core.Button)
// is rendered in the reader's language when committed: in a direct chat
// the person's, in a group the chat's. Messages sharing one button slice
// each get their own.
func TestCommitLocalizesButtonLabels(t *testing.T) {
	dir := bot.NewDirectory([]bot.Person{{ID: "cuong", Name: "Cường", Language: "en", IDs: map[string]string{"telegram": "42"}}}, nil)
	k := newCore(t, change.Config{Language: "vi", Directory: dir})
	en, vi := k.Cat.T("en", "btn.ack"), k.Cat.T("vi", "btn.ack")
	if en == vi || en == "btn.ack" {
		t.Fatalf("the catalogue's btn.ack is %q in English and %q in Vietnamese: nothing to tell apart", en, vi)
	}
	pb, _ := k.Books.Get("ransomware")
	phase := pb.Phases[1]
	if phase.Name.In("en") == phase.Name.In("vi") {
		t.Fatalf("phase %s has one name in both languages: nothing to tell apart", phase.ID)
	}
	buttons := []bot.Button{k.Button("btn.ack", "/ack IR-1"), k.PhaseButton(pb.ID, phase.ID, "/next IR-1")}
	dm := bot.ChatRef{Platform: "telegram", ID: "42", Direct: true}
	group := bot.ChatRef{Platform: "telegram", ID: "-1001"}
	err := k.Commit(context.Background(), &store.Tx{Outbox: []bot.Outgoing{
		{Chat: dm, Kind: bot.KindPage, Text: "page", Buttons: buttons},
		{Chat: group, Kind: bot.KindStatus, Text: "status", Buttons: buttons},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[bot.ChatRef]string{dm: en, group: vi}
	wantPhase := map[bot.ChatRef]string{dm: "▶ " + phase.Name.In("en"), group: "▶ " + phase.Name.In("vi")}
	out := outbox(t, k)
	if len(out) != 2 {
		t.Fatalf("queued %d messages, want 2", len(out))
	}
	for _, m := range out {
		if len(m.Buttons) != 2 || m.Buttons[0].Label != want[m.Chat] || m.Buttons[0].Data != "/ack IR-1" ||
			m.Buttons[1].Label != wantPhase[m.Chat] || m.Buttons[1].Data != "/next IR-1" {
			t.Errorf("buttons in %s: %+v; want labels %q and %q", m.Chat, m.Buttons, want[m.Chat], wantPhase[m.Chat])
		}
	}
}

// TestNumberedHasNoGaps: on bbolt (a store.IDPeeker) a number is used up
// only by the commit that records it: a build that fails, or a commit
// refused as a duplicate, leaves the number for the next incident; a
// number another writer took first makes the change be built again for
// the next one.
func TestNumberedHasNoGaps(t *testing.T) {
	ctx := context.Background()
	t.Run("store", func(t *testing.T) {
		k := newCore(t, change.Config{})
		if _, ok := k.Store.(store.IDPeeker); !ok {
			t.Fatal("bolt.Store is not a store.IDPeeker: incident numbers may have gaps")
		}
	})
	t.Run("build fails once", func(t *testing.T) {
		k := newCore(t, change.Config{})
		boom := errors.New("boom")
		err := k.Numbered(ctx, func(int64) (*store.Tx, error) { return nil, boom })
		if !errors.Is(err, boom) {
			t.Fatalf("Numbered returned %v, want the build's error", err)
		}
		if id := declare(t, k, "after a failed build"); id != 1 {
			t.Fatalf("the first incident after a failed build is %d, want 1", id)
		}
		if id := declare(t, k, "next"); id != 2 {
			t.Fatalf("the next is %d, want 2", id)
		}
	})
	t.Run("duplicate", func(t *testing.T) {
		k := newCore(t, change.Config{})
		build := func(id int64) (*store.Tx, error) {
			inc := &bot.Incident{ID: id, Title: "redelivered", Playbook: "ddos", State: bot.StateTriggered}
			c := &change.Change{Core: k, Now: k.Now(), Inc: inc, Seen: []string{"update-7"}}
			c.Record(bot.EvDeclared, nil)
			return c.Tx(), nil
		}
		if err := k.Numbered(ctx, build); err != nil {
			t.Fatal(err)
		}
		if err := k.Numbered(ctx, build); !errors.Is(err, store.ErrDuplicate) {
			t.Fatalf("a redelivered declaration: %v, want store.ErrDuplicate", err)
		}
		if id := declare(t, k, "next"); id != 2 {
			t.Fatalf("the incident after a duplicate is %d, want 2", id)
		}
	})
	t.Run("another writer first", func(t *testing.T) {
		a := newCore(t, change.Config{})
		b := replica(a)
		var built []int64
		var got int64
		err := a.Numbered(ctx, func(id int64) (*store.Tx, error) {
			built = append(built, id)
			if len(built) == 1 {
				declare(t, b, "taken by the other replica") // takes id meanwhile
			}
			got = id
			inc := &bot.Incident{ID: id, Title: "mine", Playbook: "ddos", State: bot.StateTriggered}
			c := &change.Change{Core: a, Now: a.Now(), Inc: inc}
			c.Record(bot.EvDeclared, nil)
			return c.Tx(), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(built, []int64{1, 2}) || got != 2 {
			t.Fatalf("built for %v, committed %d; want built for 1 then 2, committed 2", built, got)
		}
		for id, title := range map[int64]string{1: "taken by the other replica", 2: "mine"} {
			if inc, _ := timeline(t, a, id); inc.Title != title {
				t.Errorf("incident %d is %q, want %q", id, inc.Title, title)
			}
		}
	})
}
