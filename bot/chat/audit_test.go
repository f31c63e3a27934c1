package chat_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/irbot/irbot/bot/chat"
)

// manualClock is a clock the test moves by hand.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *manualClock) add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// entries records what a RefusalAudit lets through.
type entries struct {
	mu  sync.Mutex
	got []chat.Refusal
}

func (e *entries) record(r chat.Refusal) { e.mu.Lock(); e.got = append(e.got, r); e.mu.Unlock() }

func (e *entries) list() []chat.Refusal {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]chat.Refusal(nil), e.got...)
}

// counted is the number of refusals the entries account for: each entry
// and the refusals it says were suppressed before it.
func counted(rs []chat.Refusal) int {
	n := 0
	for _, r := range rs {
		n += 1 + r.Suppressed
	}
	return n
}

func newAudit(t *testing.T) (*chat.RefusalAudit, *entries, *manualClock) {
	t.Helper()
	clock := &manualClock{now: time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)}
	rec := &entries{}
	return chat.NewRefusalAudit(rec.record, &chat.RefusalAuditOptions{Clock: clock}), rec, clock
}

func TestRefusalAuditOnePerRemotePerMinute(t *testing.T) {
	a, rec, clock := newAudit(t)
	// A flood from one host, a new port each time: one entry.
	for i := range 1000 {
		recorded := a.Refused("telegram", "203.0.113.9:"+strconv.Itoa(40000+i), "missing or wrong secret")
		if recorded != (i == 0) {
			t.Fatalf("refusal %d: recorded %v", i, recorded)
		}
	}
	got := rec.list()
	if len(got) != 1 || got[0].Suppressed != 0 || got[0].Remote != "203.0.113.9:40000" || got[0].Platform != "telegram" {
		t.Fatalf("entries %+v, want one for the first request", got)
	}
	// Another platform is counted on its own.
	if !a.Refused("zalo", "203.0.113.9:1", "missing or wrong secret") {
		t.Fatal("a zalo refusal was suppressed by telegram's flood")
	}
	// Still within the minute: suppressed.
	clock.add(59 * time.Second)
	if a.Refused("telegram", "203.0.113.9:2", "missing or wrong secret") {
		t.Fatal("recorded a second entry within the minute")
	}
	// A minute after the entry: the next one, with the count.
	clock.add(time.Second)
	if !a.Refused("telegram", "203.0.113.9:3", "missing or wrong secret") {
		t.Fatal("nothing recorded a minute later")
	}
	got = rec.list()
	last := got[len(got)-1]
	if last.Platform != "telegram" || last.Suppressed != 1000 || !last.At.Equal(clock.Now()) {
		t.Fatalf("entry after the flood %+v, want 1000 suppressed (999 + 1)", last)
	}
	if d := last.Data(); d["suppressed"] != "1000" || d["platform"] != "telegram" || d["remote"] != "203.0.113.9:3" ||
		d["reason"] != "missing or wrong secret" {
		t.Fatalf("entry data %v", d)
	}
	if d := got[0].Data(); len(d) != 3 {
		t.Fatalf("an entry with nothing suppressed has data %v, want platform, remote and reason", d)
	}
	if n := counted(got); n != 1000+1+1+1 {
		t.Fatalf("entries account for %d refusals, want %d", n, 1003)
	}
}

func TestRefusalAuditBoundsManyRemotes(t *testing.T) {
	a, rec, clock := newAudit(t)
	total := 0
	for minute := range 5 {
		for i := range 500 { // a different address every time
			a.Refused("slack", fmt.Sprintf("[2001:db8::%x]:443", minute*1000+i), "bad signature")
			total++
		}
		clock.add(10 * time.Second)
		if n := len(rec.list()); n != (minute+1)*chat.DefaultRefusalPerWindow {
			t.Fatalf("minute %d: %d entries, want at most %d a minute", minute, n, chat.DefaultRefusalPerWindow)
		}
		clock.add(50 * time.Second)
	}
	// The flood stops; the next refusal carries what was not recorded.
	a.Refused("slack", "198.51.100.1:1", "bad signature")
	total++
	got := rec.list()
	if n := counted(got); n != total {
		t.Fatalf("entries account for %d refusals, want every one of %d", n, total)
	}
	if last := got[len(got)-1]; last.Suppressed != 500-chat.DefaultRefusalPerWindow {
		t.Fatalf("last entry %+v", last)
	}
}

func TestRefusalAuditConcurrent(t *testing.T) {
	a, rec, clock := newAudit(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				a.Refused("zalo", fmt.Sprintf("192.0.2.%d:%d", g, i), "missing or wrong secret")
			}
		}()
	}
	wg.Wait()
	if n := len(rec.list()); n != 8 {
		t.Fatalf("%d entries from 8 hosts in a minute, want 8", n)
	}
	clock.add(time.Minute)
	a.Refused("zalo", "192.0.2.1:1", "missing or wrong secret")
	if n := counted(rec.list()); n != 8*200+1 {
		t.Fatalf("entries account for %d refusals, want %d", n, 8*200+1)
	}
}
