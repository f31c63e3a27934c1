package summary_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/engine/enginetest"
	"github.com/irbot/irbot/bot/scheduler"
	"github.com/irbot/irbot/bot/summary"
)

// hanoi is the engine's default time zone, where digest_at is read.
var hanoi = time.FixedZone("ICT", 7*3600)

// digestAt returns an option that reads digest_at from *at when the engine
// is built, so that a restart can change it.
func digestAt(at *string) func(*engine.Options) {
	return func(o *engine.Options) { o.Summaries = summary.Config{DigestAt: *at} }
}

// digests moves h's clock on a minute at a time for d, firing due timers,
// and returns the local times ("02/01 15:04") at which the leaders got a
// digest.
func digests(t *testing.T, h *enginetest.Harness, s *scheduler.Scheduler, d time.Duration) []string {
	t.Helper()
	var at []string
	for end := h.Clock.Now().Add(d); h.Clock.Now().Before(end); {
		h.Clock.Add(time.Minute)
		if _, err := s.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, m := range toLeaders(h.Drain()) {
			if strings.HasPrefix(m, "🗓") {
				at = append(at, h.Clock.Now().In(hanoi).Format("02/01 15:04"))
			}
		}
	}
	return at
}

// started returns a new process on h: h restarted, its standing timers set
// as at start-up, and a scheduler.
func started(t *testing.T, h *enginetest.Harness, owner string) (*enginetest.Harness, *scheduler.Scheduler) {
	t.Helper()
	h = h.Restart()
	if err := h.Engine.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h, scheduler.New(h.Store, h.Engine.Fire, h.Clock, owner, nil)
}

func TestDigestComesAtItsTimeEveryDay(t *testing.T) {
	at := "08:05" // the harness starts at 08:00 in Hà Nội
	h := enginetest.New(t, "en", enginetest.LeadersTeam(), digestAt(&at))
	if err := h.Engine.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	sched := scheduler.New(h.Store, h.Engine.Fire, h.Clock, "w", nil)
	got := digests(t, h, sched, 48*time.Hour)
	if want := []string{"26/11 08:05", "27/11 08:05"}; !slices.Equal(got, want) {
		t.Fatalf("digests at %q, want %q", got, want)
	}
}

// TestDigestMovesWhenDigestAtChangesWhileStopped: the digest timer stored
// by the last run is due at the old time; at start-up it must move.
func TestDigestMovesWhenDigestAtChangesWhileStopped(t *testing.T) {
	at := "08:05"
	h, sched := started(t, enginetest.New(t, "en", enginetest.LeadersTeam(), digestAt(&at)), "w1")
	if got := digests(t, h, sched, 10*time.Minute); !slices.Equal(got, []string{"26/11 08:05"}) {
		t.Fatalf("first run: digests at %q", got)
	}
	at = "09:30" // later the same day
	h, sched = started(t, h, "w2")
	if got, want := digests(t, h, sched, 48*time.Hour), []string{"26/11 09:30", "27/11 09:30"}; !slices.Equal(got, want) {
		t.Fatalf("after digest_at 08:05 → 09:30: digests at %q, want %q", got, want)
	}
	at = "07:00" // earlier: tomorrow, not at the old 09:30
	h, sched = started(t, h, "w3")
	if got, want := digests(t, h, sched, 24*time.Hour), []string{"29/11 07:00"}; !slices.Equal(got, want) {
		t.Fatalf("after digest_at 09:30 → 07:00: digests at %q, want %q", got, want)
	}
}

func TestNoDigestOnceDigestAtIsRemoved(t *testing.T) {
	at := "08:05"
	h, sched := started(t, enginetest.New(t, "en", enginetest.LeadersTeam(), digestAt(&at)), "w1")
	if got := digests(t, h, sched, 10*time.Minute); len(got) != 1 {
		t.Fatalf("first run: digests at %q", got)
	}
	at = ""
	h, sched = started(t, h, "w2")
	if got := digests(t, h, sched, 48*time.Hour); len(got) != 0 {
		t.Fatalf("digest_at removed, yet digests at %q", got)
	}
	if tm, _ := h.Store.Timers(context.Background()); len(tm) != 0 {
		t.Fatalf("timers left: %+v", tm)
	}
}

// TestStartSetsTheDigestTimerThatShouldExist checks Leaders.Start, which
// the engine calls at start-up with the stored timers.
func TestStartSetsTheDigestTimerThatShouldExist(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.LeadersTeam())
	now := h.Clock.Now() // 26/11 08:00 in Hà Nội
	day := func(d, hh, mm int) time.Time { return time.Date(2026, 11, d, hh, mm, 0, 0, hanoi) }
	digest := func(due time.Time) bot.Timer { return bot.Timer{ID: "digest", Due: due, Kind: summary.TimerDigest} }
	for _, tc := range []struct {
		name   string
		at     string
		stored []bot.Timer
		want   []bot.Timer
	}{
		{"none stored, later today", "08:05", nil, []bot.Timer{digest(day(26, 8, 5))}},
		{"none stored, earlier than now", "07:00", nil, []bot.Timer{digest(day(27, 7, 0))}},
		{"stored at the configured time", "08:05", []bot.Timer{digest(day(26, 8, 5))}, nil},
		{"stored at the old time, later", "08:05", []bot.Timer{digest(day(27, 7, 0))}, []bot.Timer{digest(day(26, 8, 5))}},
		{"stored at the old time, earlier", "09:30", []bot.Timer{digest(day(26, 8, 5))}, []bot.Timer{digest(day(26, 9, 30))}},
		{"stored and missed while stopped", "08:05", []bot.Timer{digest(day(25, 8, 5))}, nil},
		{"other timers only", "08:05", []bot.Timer{{ID: "cadence:1", Due: day(26, 8, 5)}}, []bot.Timer{digest(day(26, 8, 5))}},
		{"no digest", "", []bot.Timer{digest(day(26, 8, 5))}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := summary.New(h.Engine.Core, summary.Config{DigestAt: tc.at}, nil, nil)
			got := l.Start(now, tc.stored)
			if !slices.EqualFunc(got, tc.want, func(a, b bot.Timer) bool { return a.ID == b.ID && a.Kind == b.Kind && a.Due.Equal(b.Due) }) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
