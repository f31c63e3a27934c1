package oncall

import (
	"testing"
	"time"
)

// complexRoster exercises every feature at once.
func complexRoster(t testing.TB, zone string) Roster {
	t.Helper()
	return Roster{
		ID:       "complex",
		TimeZone: zone,
		Layers: []Layer{
			{Name: "base", Handoff: "02:30", Members: []string{"a", "b", "c"}},
			{Name: "night", Rotation: "hourly", Shift: "12h", Handoff: "06:00", Days: []string{"friday", "saturday"}, Between: "20:00-08:00", Members: []string{"d", "e"}},
			{Name: "weekend", Rotation: "weekly", HandoffDay: "saturday", Handoff: "09:00", Days: []string{"saturday", "sunday"}, Between: "09:00-21:00", Members: []string{"f", "g"}},
			{Name: "holiday", Dates: []string{"2026-01-01", "2026-02-17", "2026-03-29", "2026-10-25", "2026-11-01"}, Members: []string{"h"}},
		},
		Overrides: []Override{
			{Person: "x", Start: ts(t, "2026-01-14T10:00:00Z"), End: ts(t, "2026-01-16T10:00:00Z")},
			{Person: "y", Replace: "b", Start: ts(t, "2026-02-01T00:00:00Z"), End: ts(t, "2026-02-20T00:00:00Z")},
			{Person: "a", Replace: "c", Start: ts(t, "2026-03-25T00:00:00Z"), End: ts(t, "2026-04-05T00:00:00Z")},
		},
	}
}

// naiveHCM evaluates complexRoster in Asia/Ho_Chi_Minh (fixed UTC+7) from
// first principles, independently of the segment machinery.
func naiveHCM(t testing.TB, r Roster, x time.Time) string {
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	lt := x.In(loc)
	tod := lt.Hour()*60 + lt.Minute()
	date := lt.Format(time.DateOnly)
	at := func(s string) time.Time { return ts(t, s) }
	pick := func(members []string, anchor time.Time, period time.Duration) string {
		d := x.Sub(anchor)
		k := d / period
		if d < 0 && d%period != 0 {
			k--
		}
		n := time.Duration(len(members))
		return members[((k%n)+n)%n]
	}
	person := ""
	switch {
	case date == "2026-01-01" || date == "2026-02-17" || date == "2026-03-29" || date == "2026-10-25" || date == "2026-11-01":
		person = "h"
	case (lt.Weekday() == time.Saturday || lt.Weekday() == time.Sunday) && tod >= 9*60 && tod < 21*60:
		person = pick([]string{"f", "g"}, at("2026-01-10T09:00:00+07:00"), 7*24*time.Hour)
	case func() bool {
		eff := lt
		if tod < 8*60 {
			eff = lt.AddDate(0, 0, -1)
		}
		return (tod >= 20*60 || tod < 8*60) && (eff.Weekday() == time.Friday || eff.Weekday() == time.Saturday)
	}():
		person = pick([]string{"d", "e"}, at("2026-01-05T06:00:00+07:00"), 12*time.Hour)
	default:
		person = pick([]string{"a", "b", "c"}, at("2026-01-05T02:30:00+07:00"), 24*time.Hour)
	}
	for _, o := range r.Overrides {
		if !x.Before(o.Start) && x.Before(o.End) && (o.Replace == "" || o.Replace == person) {
			person = o.Person
		}
	}
	return person
}

func TestAgainstNaiveEvaluator(t *testing.T) {
	r := complexRoster(t, "Asia/Ho_Chi_Minh")
	s := mustCompile(t, r)
	from, to := ts(t, "2025-12-01T00:00:00Z"), ts(t, "2026-04-15T00:00:00Z")
	for x := from; x.Before(to); x = x.Add(53 * time.Minute) {
		want := naiveHCM(t, r, x)
		sh, ok := s.OnDuty(x)
		if !ok || sh.Person != want {
			t.Fatalf("OnDuty(%s) = %q (ok=%v), naive evaluator says %q", x.Format(time.RFC3339), sh.Person, ok, want)
		}
	}
}

func TestShiftInvariants(t *testing.T) {
	windows := []struct{ zone, from string }{
		{"Asia/Ho_Chi_Minh", "2025-12-20T00:00:00Z"},
		{"Europe/Berlin", "2026-03-10T00:00:00Z"},
		{"Europe/Berlin", "2026-10-10T00:00:00Z"},
		{"America/New_York", "2026-02-25T00:00:00Z"},
		{"America/New_York", "2026-10-20T00:00:00Z"},
		{"UTC", "2026-01-01T00:00:00Z"},
	}
	for _, w := range windows {
		t.Run(w.zone+"/"+w.from[:10], func(t *testing.T) {
			s := mustCompile(t, complexRoster(t, w.zone))
			from := ts(t, w.from)
			shifts := s.Next(from, 120)
			if len(shifts) != 120 {
				t.Fatalf("Next returned %d shifts, want 120", len(shifts))
			}
			for i, sh := range shifts {
				if !sh.Start.Before(sh.End) {
					t.Errorf("shift %d %s: empty", i, show(sh))
				}
				if i > 0 {
					prev := shifts[i-1]
					if sh.Start.Before(prev.End) {
						t.Errorf("shift %d %s overlaps %s", i, show(sh), show(prev))
					}
					if sh.Start.Equal(prev.End) && sh.Person == prev.Person {
						t.Errorf("adjacent shifts of %s not merged: %s / %s", sh.Person, show(prev), show(sh))
					}
				}
				if i == 0 && (from.Before(sh.Start) || !from.Before(sh.End)) {
					t.Errorf("first shift %s does not contain %s", show(sh), from)
				}
				// OnDuty anywhere inside the shift reports the same shift.
				for _, at := range []time.Time{sh.Start, sh.Start.Add(sh.End.Sub(sh.Start) / 2), sh.End.Add(-time.Nanosecond)} {
					got, ok := s.OnDuty(at)
					if !ok || show(got) != show(sh) {
						t.Errorf("OnDuty(%s) = %s (ok=%v), want %s", at.Format(time.RFC3339Nano), show(got), ok, show(sh))
					}
				}
				// Shifts are maximal.
				if before := s.segmentAt(sh.Start.Add(-time.Nanosecond)); before.person == sh.Person {
					t.Errorf("shift %s is not maximal: %s on duty just before", show(sh), sh.Person)
				}
			}
		})
	}
}

func BenchmarkOnDuty(b *testing.B) {
	s := mustCompile(b, complexRoster(b, "Europe/Berlin"))
	start := ts(b, "2026-01-01T00:00:00Z")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// Walk through the year in irregular steps so caches do not help.
		if _, ok := s.OnDuty(start.Add(time.Duration(i%8760)*time.Hour + time.Duration(i%60)*time.Minute)); !ok {
			b.Fatal("nobody on duty")
		}
		i++
	}
}

func BenchmarkNext(b *testing.B) {
	s := mustCompile(b, complexRoster(b, "Europe/Berlin"))
	at := ts(b, "2026-03-20T00:00:00Z")
	b.ReportAllocs()
	for b.Loop() {
		if got := s.Next(at, 20); len(got) != 20 {
			b.Fatal(len(got))
		}
	}
}
