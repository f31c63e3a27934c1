package oncall

import (
	"strings"
	"testing"
	"time"
)

// weekdayLayer returns a daily rotation a, b, a, ... from Monday 2026-01-05 07:30
// (Asia/Ho_Chi_Minh): a on even days since the anchor, b on odd days.
func weekdayLayer() Layer {
	return Layer{Name: "ngay", Handoff: "07:30", Members: []string{"a", "b"}}
}

type dutyCase struct {
	name string
	at   string
	want string // show(OnDuty(at)), "-" for nobody
}

func runDuty(t *testing.T, r Roster, cases []dutyCase) {
	t.Helper()
	s := mustCompile(t, r)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := onDuty(t, s, tc.at); got != tc.want {
				t.Errorf("OnDuty(%s)\n got %s\nwant %s", tc.at, got, tc.want)
			}
		})
	}
}

func TestRestrictions(t *testing.T) {
	t.Run("weekend layer over weekday layer", func(t *testing.T) {
		r := Roster{ID: "hn", Layers: []Layer{
			weekdayLayer(),
			{Name: "cuoi tuan", Days: []string{"saturday", "Sun"}, Members: []string{"w"}},
		}}
		runDuty(t, r, []dutyCase{
			{"friday clipped at saturday midnight", "2026-01-09T12:00:00+07:00", "a 2026-01-09T07:30:00+07:00..2026-01-10T00:00:00+07:00 ngay"},
			{"saturday", "2026-01-10T12:00:00+07:00", "w 2026-01-10T00:00:00+07:00..2026-01-12T00:00:00+07:00 cuoi tuan"},
			{"sunday late", "2026-01-11T23:59:59+07:00", "w 2026-01-10T00:00:00+07:00..2026-01-12T00:00:00+07:00 cuoi tuan"},
			{"monday before handoff shows sunday's rotation member", "2026-01-12T03:00:00+07:00", "a 2026-01-12T00:00:00+07:00..2026-01-12T07:30:00+07:00 ngay"},
			{"monday after handoff", "2026-01-12T08:00:00+07:00", "b 2026-01-12T07:30:00+07:00..2026-01-13T07:30:00+07:00 ngay"},
		})
	})
	t.Run("holiday dates layer", func(t *testing.T) {
		r := Roster{ID: "hn", Layers: []Layer{
			weekdayLayer(),
			{Name: "le", Dates: []string{"2026-09-02", "2026-04-30", "2026-05-01"}, Members: []string{"h"}},
		}}
		runDuty(t, r, []dutyCase{
			{"national day", "2026-09-02T12:00:00+07:00", "h 2026-09-02T00:00:00+07:00..2026-09-03T00:00:00+07:00 le"},
			{"day before clipped", "2026-09-01T12:00:00+07:00", "b 2026-09-01T07:30:00+07:00..2026-09-02T00:00:00+07:00 ngay"},
			{"day after until handoff", "2026-09-03T03:00:00+07:00", "a 2026-09-03T00:00:00+07:00..2026-09-03T07:30:00+07:00 ngay"},
			{"consecutive holidays merge", "2026-05-01T23:00:00+07:00", "h 2026-04-30T00:00:00+07:00..2026-05-02T00:00:00+07:00 le"},
		})
	})
	t.Run("between window wrapping midnight", func(t *testing.T) {
		r := Roster{ID: "hn", Layers: []Layer{
			{Name: "nen", Members: []string{"a"}},
			{Name: "dem", Days: []string{"friday"}, Between: "22:00-06:00", Members: []string{"n"}},
		}}
		runDuty(t, r, []dutyCase{
			{"friday night", "2026-01-09T23:00:00+07:00", "n 2026-01-09T22:00:00+07:00..2026-01-10T06:00:00+07:00 dem"},
			{"saturday early belongs to friday", "2026-01-10T03:00:00+07:00", "n 2026-01-09T22:00:00+07:00..2026-01-10T06:00:00+07:00 dem"},
			{"window end is exclusive", "2026-01-10T06:00:00+07:00", "a 2026-01-10T06:00:00+07:00..2026-01-16T22:00:00+07:00 nen"},
			{"saturday night not in days", "2026-01-10T23:00:00+07:00", "a 2026-01-10T06:00:00+07:00..2026-01-16T22:00:00+07:00 nen"},
			{"friday early belongs to thursday", "2026-01-09T03:00:00+07:00", "a 2026-01-03T06:00:00+07:00..2026-01-09T22:00:00+07:00 nen"},
		})
	})
	t.Run("between office hours", func(t *testing.T) {
		r := Roster{ID: "hn", Layers: []Layer{
			{Name: "nen", Members: []string{"a"}},
			{Name: "hanh chinh", Days: []string{"mon", "tue", "wed", "thu", "fri"}, Between: "08:00-17:00", Members: []string{"o"}},
		}}
		runDuty(t, r, []dutyCase{
			{"monday noon", "2026-01-05T12:00:00+07:00", "o 2026-01-05T08:00:00+07:00..2026-01-05T17:00:00+07:00 hanh chinh"},
			{"monday evening", "2026-01-05T18:00:00+07:00", "a 2026-01-05T17:00:00+07:00..2026-01-06T08:00:00+07:00 nen"},
			{"weekend", "2026-01-10T12:00:00+07:00", "a 2026-01-09T17:00:00+07:00..2026-01-12T08:00:00+07:00 nen"},
		})
	})
	t.Run("between to 24:00", func(t *testing.T) {
		r := Roster{ID: "hn", Layers: []Layer{
			{Name: "nen", Members: []string{"a"}},
			{Name: "toi", Between: "18:00-24:00", Members: []string{"e"}},
		}}
		runDuty(t, r, []dutyCase{
			{"evening", "2026-01-05T23:59:00+07:00", "e 2026-01-05T18:00:00+07:00..2026-01-06T00:00:00+07:00 toi"},
			{"morning", "2026-01-06T00:00:00+07:00", "a 2026-01-06T00:00:00+07:00..2026-01-06T18:00:00+07:00 nen"},
		})
	})
	t.Run("berlin window inside DST changes", func(t *testing.T) {
		r := Roster{ID: "be", TimeZone: "Europe/Berlin", Layers: []Layer{
			{Name: "nen", Members: []string{"a"}},
			{Name: "x", Between: "02:00-03:00", Members: []string{"x"}},
		}}
		runDuty(t, r, []dutyCase{
			{"window skipped on spring-forward day", "2026-03-29T03:30:00+02:00", "a 2026-03-28T03:00:00+01:00..2026-03-30T02:00:00+02:00 nen"},
			{"window is two hours on fall-back day", "2026-10-25T02:30:00+01:00", "x 2026-10-25T02:00:00+02:00..2026-10-25T03:00:00+01:00 x"},
		})
	})
}

func TestOverrides(t *testing.T) {
	o := func(person, start, end, replace string) Override {
		return Override{Person: person, Start: ts(t, start), End: ts(t, end), Replace: replace}
	}
	withOverrides := func(os ...Override) Roster {
		return Roster{ID: "hn", Layers: []Layer{weekdayLayer()}, Overrides: os}
	}
	tests := []struct {
		name   string
		roster Roster
		cases  []dutyCase
	}{
		{"whole shift", withOverrides(o("x", "2026-01-05T07:30:00+07:00", "2026-01-06T07:30:00+07:00", "")), []dutyCase{
			{"during", "2026-01-05T12:00:00+07:00", "x 2026-01-05T07:30:00+07:00..2026-01-06T07:30:00+07:00 override"},
			{"after", "2026-01-06T07:30:00+07:00", "b 2026-01-06T07:30:00+07:00..2026-01-07T07:30:00+07:00 ngay"},
		}},
		{"partial shift", withOverrides(o("x", "2026-01-05T12:00:00+07:00", "2026-01-05T14:00:00+07:00", "")), []dutyCase{
			{"before", "2026-01-05T11:00:00+07:00", "a 2026-01-05T07:30:00+07:00..2026-01-05T12:00:00+07:00 ngay"},
			{"start inclusive", "2026-01-05T12:00:00+07:00", "x 2026-01-05T12:00:00+07:00..2026-01-05T14:00:00+07:00 override"},
			{"given in UTC", "2026-01-05T06:59:59Z", "x 2026-01-05T12:00:00+07:00..2026-01-05T14:00:00+07:00 override"},
			{"end exclusive", "2026-01-05T14:00:00+07:00", "a 2026-01-05T14:00:00+07:00..2026-01-06T07:30:00+07:00 ngay"},
		}},
		{"replace only that person", withOverrides(o("x", "2026-01-05T00:00:00+07:00", "2026-01-07T00:00:00+07:00", "b")), []dutyCase{
			{"b's shift before anchor", "2026-01-05T05:00:00+07:00", "x 2026-01-05T00:00:00+07:00..2026-01-05T07:30:00+07:00 override"},
			{"a not replaced", "2026-01-05T12:00:00+07:00", "a 2026-01-05T07:30:00+07:00..2026-01-06T07:30:00+07:00 ngay"},
			{"b replaced until override end", "2026-01-06T12:00:00+07:00", "x 2026-01-06T07:30:00+07:00..2026-01-07T00:00:00+07:00 override"},
			{"b back after override", "2026-01-07T01:00:00+07:00", "b 2026-01-07T00:00:00+07:00..2026-01-07T07:30:00+07:00 ngay"},
		}},
		{"replace person not on duty", withOverrides(o("x", "2026-01-05T00:00:00+07:00", "2026-01-07T00:00:00+07:00", "zz")), []dutyCase{
			{"no effect", "2026-01-05T12:00:00+07:00", "a 2026-01-05T07:30:00+07:00..2026-01-06T07:30:00+07:00 ngay"},
		}},
		{"later override wins", withOverrides(
			o("x", "2026-01-05T08:00:00+07:00", "2026-01-05T20:00:00+07:00", ""),
			o("y", "2026-01-05T10:00:00+07:00", "2026-01-05T12:00:00+07:00", ""),
		), []dutyCase{
			{"inner", "2026-01-05T11:00:00+07:00", "y 2026-01-05T10:00:00+07:00..2026-01-05T12:00:00+07:00 override"},
			{"outer after inner", "2026-01-05T13:00:00+07:00", "x 2026-01-05T12:00:00+07:00..2026-01-05T20:00:00+07:00 override"},
		}},
		{"chained replace", withOverrides(
			o("x", "2026-01-05T08:00:00+07:00", "2026-01-05T20:00:00+07:00", "a"),
			o("y", "2026-01-05T10:00:00+07:00", "2026-01-05T12:00:00+07:00", "x"),
		), []dutyCase{
			{"replaces the replacement", "2026-01-05T11:00:00+07:00", "y 2026-01-05T10:00:00+07:00..2026-01-05T12:00:00+07:00 override"},
		}},
		{"fills a gap", Roster{ID: "hn",
			Layers:    []Layer{{Name: "cuoi tuan", Days: []string{"saturday", "sunday"}, Members: []string{"w"}}},
			Overrides: []Override{o("x", "2026-01-07T10:00:00+07:00", "2026-01-07T12:00:00+07:00", "")},
		}, []dutyCase{
			{"during", "2026-01-07T11:00:00+07:00", "x 2026-01-07T10:00:00+07:00..2026-01-07T12:00:00+07:00 override"},
			{"after", "2026-01-07T12:00:00+07:00", "-"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runDuty(t, tc.roster, tc.cases) })
	}
}

func TestNext(t *testing.T) {
	tests := []struct {
		name   string
		roster Roster
		at     string
		n      int
		want   []string
	}{
		{"consecutive identical members merge", Roster{Layers: []Layer{{Name: "ngay", Handoff: "07:30", Members: []string{"a", "a", "b"}}}},
			"2026-01-05T12:00:00+07:00", 3, []string{
				"a 2026-01-05T07:30:00+07:00..2026-01-07T07:30:00+07:00 ngay",
				"b 2026-01-07T07:30:00+07:00..2026-01-08T07:30:00+07:00 ngay",
				"a 2026-01-08T07:30:00+07:00..2026-01-10T07:30:00+07:00 ngay",
			}},
		{"override by the same person merges across layers", Roster{Layers: []Layer{weekdayLayer()}, Overrides: []Override{
			{Person: "a", Replace: "b", Start: ts(t, "2026-01-06T07:30:00+07:00"), End: ts(t, "2026-01-07T07:30:00+07:00")}}},
			"2026-01-06T12:00:00+07:00", 2, []string{
				"a 2026-01-05T07:30:00+07:00..2026-01-08T07:30:00+07:00 ngay",
				"b 2026-01-08T07:30:00+07:00..2026-01-09T07:30:00+07:00 ngay",
			}},
		{"partial override splits a shift", Roster{Layers: []Layer{weekdayLayer()}, Overrides: []Override{
			{Person: "x", Start: ts(t, "2026-01-05T12:00:00+07:00"), End: ts(t, "2026-01-05T14:00:00+07:00")}}},
			"2026-01-05T11:00:00+07:00", 4, []string{
				"a 2026-01-05T07:30:00+07:00..2026-01-05T12:00:00+07:00 ngay",
				"x 2026-01-05T12:00:00+07:00..2026-01-05T14:00:00+07:00 override",
				"a 2026-01-05T14:00:00+07:00..2026-01-06T07:30:00+07:00 ngay",
				"b 2026-01-06T07:30:00+07:00..2026-01-07T07:30:00+07:00 ngay",
			}},
		{"boundaries from every layer", Roster{Layers: []Layer{weekdayLayer(), {Name: "cuoi tuan", Days: []string{"saturday", "sunday"}, Members: []string{"w"}}}},
			"2026-01-09T12:00:00+07:00", 4, []string{
				"a 2026-01-09T07:30:00+07:00..2026-01-10T00:00:00+07:00 ngay",
				"w 2026-01-10T00:00:00+07:00..2026-01-12T00:00:00+07:00 cuoi tuan",
				"a 2026-01-12T00:00:00+07:00..2026-01-12T07:30:00+07:00 ngay",
				"b 2026-01-12T07:30:00+07:00..2026-01-13T07:30:00+07:00 ngay",
			}},
		{"starting in a gap skips to the next shift", Roster{Layers: []Layer{{Name: "cuoi tuan", Days: []string{"saturday", "sunday"}, Members: []string{"w"}}}},
			"2026-01-07T12:00:00+07:00", 2, []string{
				"w 2026-01-10T00:00:00+07:00..2026-01-12T00:00:00+07:00 cuoi tuan",
				"w 2026-01-17T00:00:00+07:00..2026-01-19T00:00:00+07:00 cuoi tuan",
			}},
		{"same person across a gap is two shifts", Roster{Layers: []Layer{{Name: "dem", Between: "22:00-06:00", Members: []string{"n"}}}},
			"2026-01-05T12:00:00+07:00", 2, []string{
				"n 2026-01-05T22:00:00+07:00..2026-01-06T06:00:00+07:00 dem",
				"n 2026-01-06T22:00:00+07:00..2026-01-07T06:00:00+07:00 dem",
			}},
		{"wrapping window", Roster{Layers: []Layer{{Name: "nen", Members: []string{"a"}}, {Name: "dem", Days: []string{"friday"}, Between: "22:00-06:00", Members: []string{"n"}}}},
			"2026-01-09T12:00:00+07:00", 3, []string{
				"a 2026-01-03T06:00:00+07:00..2026-01-09T22:00:00+07:00 nen",
				"n 2026-01-09T22:00:00+07:00..2026-01-10T06:00:00+07:00 dem",
				"a 2026-01-10T06:00:00+07:00..2026-01-16T22:00:00+07:00 nen",
			}},
		{"before the anchor", Roster{Layers: []Layer{{Name: "ca", Rotation: "hourly", Shift: "8h", Handoff: "06:00", Members: []string{"a", "b", "c"}}}},
			"2026-01-05T01:00:00+07:00", 3, []string{
				"c 2026-01-04T22:00:00+07:00..2026-01-05T06:00:00+07:00 ca",
				"a 2026-01-05T06:00:00+07:00..2026-01-05T14:00:00+07:00 ca",
				"b 2026-01-05T14:00:00+07:00..2026-01-05T22:00:00+07:00 ca",
			}},
		{"berlin across fall-back", Roster{TimeZone: "Europe/Berlin", Layers: []Layer{{Name: "ngay", Handoff: "07:30", Start: "2026-10-23", Members: []string{"a", "b"}}}},
			"2026-10-24T12:00:00+02:00", 3, []string{
				"b 2026-10-24T07:30:00+02:00..2026-10-25T07:30:00+01:00 ngay",
				"a 2026-10-25T07:30:00+01:00..2026-10-26T07:30:00+01:00 ngay",
				"b 2026-10-26T07:30:00+01:00..2026-10-27T07:30:00+01:00 ngay",
			}},
		{"overrides ending in the past leave nobody", Roster{Overrides: []Override{
			{Person: "x", Start: ts(t, "2026-01-01T00:00:00Z"), End: ts(t, "2026-01-02T00:00:00Z")}}},
			"2026-02-01T00:00:00Z", 3, nil},
		{"empty roster", Roster{}, "2026-02-01T00:00:00Z", 3, nil},
		{"n zero", Roster{Layers: []Layer{weekdayLayer()}}, "2026-02-01T00:00:00Z", 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustCompile(t, tc.roster)
			got := s.Next(ts(t, tc.at), tc.n)
			if g, w := showAll(got), strings.Join(tc.want, "\n"); g != w {
				t.Errorf("Next(%s, %d)\n got:\n%s\nwant:\n%s", tc.at, tc.n, g, w)
			}
		})
	}
}

func TestNextHorizon(t *testing.T) {
	s := mustCompile(t, Roster{Layers: []Layer{{Name: "mot", Members: []string{"solo"}}}})
	at := ts(t, "2026-06-01T12:00:00+07:00")
	got := s.Next(at, 2)
	if len(got) != 1 {
		t.Fatalf("Next returned %d shifts, want 1: %v", len(got), got)
	}
	if !got[0].Start.Equal(at.Add(-searchHorizon)) || !got[0].End.Equal(at.Add(searchHorizon)) {
		t.Errorf("unbounded shift = %s, want clipped to ±%v around %s", show(got[0]), searchHorizon, at)
	}
}

func TestNextHorizonRestricted(t *testing.T) {
	// The same person on two layers never changes; segment boundaries
	// (Monday midnights) past the horizon must not leak into End.
	s := mustCompile(t, Roster{Layers: []Layer{{Members: []string{"a"}}, {Days: []string{"monday"}, Members: []string{"a"}}}})
	at := ts(t, "2026-01-01T00:00:00Z")
	sh, ok := s.OnDuty(at)
	if !ok || !sh.Start.Equal(at.Add(-searchHorizon)) || !sh.End.Equal(at.Add(searchHorizon)) {
		t.Errorf("OnDuty = %s (ok=%v), want a clipped to ±%v around %s", show(sh), ok, searchHorizon, at)
	}
}

func TestZeroValues(t *testing.T) {
	t.Run("empty roster", func(t *testing.T) {
		s := mustCompile(t, Roster{})
		if got := s.Location().String(); got != DefaultTimeZone {
			t.Errorf("Location = %s, want %s", got, DefaultTimeZone)
		}
		if sh, ok := s.OnDuty(ts(t, "2026-01-05T00:00:00Z")); ok {
			t.Errorf("OnDuty = %v, want nobody", sh)
		}
	})
	t.Run("zero schedule", func(t *testing.T) {
		var s Schedule
		if got := s.Location(); got != time.UTC {
			t.Errorf("Location = %v, want UTC", got)
		}
		if _, ok := s.OnDuty(ts(t, "2026-01-05T00:00:00Z")); ok {
			t.Error("OnDuty on zero Schedule reported someone")
		}
		if got := s.Next(ts(t, "2026-01-05T00:00:00Z"), 3); len(got) != 0 {
			t.Errorf("Next on zero Schedule = %v", got)
		}
	})
	t.Run("nil schedule", func(t *testing.T) {
		var s *Schedule
		if _, ok := s.OnDuty(time.Time{}); ok || s.Next(time.Time{}, 1) != nil || s.Location() != time.UTC {
			t.Error("nil Schedule should have nobody on duty, in UTC")
		}
	})
}
