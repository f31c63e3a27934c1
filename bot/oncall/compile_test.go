package oncall

import (
	"strings"
	"testing"
	"time"
)

func TestCompileErrors(t *testing.T) {
	ok := Layer{Name: "ngay", Members: []string{"a", "b"}}
	with := func(mod func(l *Layer)) Roster {
		l := ok
		l.Members = append([]string(nil), ok.Members...)
		mod(&l)
		return Roster{ID: "hn-noc", Layers: []Layer{ok, l}}
	}
	start := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		roster Roster
		want   []string // substrings of the error
	}{
		{"unknown rotation", with(func(l *Layer) { l.Rotation = "fortnightly" }),
			[]string{`roster "hn-noc"`, `layer 1 ("ngay")`, `rotation "fortnightly" is not supported`, "hourly, daily, weekly or pattern"}},
		{"bad handoff", with(func(l *Layer) { l.Handoff = "7h30" }), []string{"layer 1", `handoff "7h30"`, `"HH:MM"`}},
		{"handoff out of range", with(func(l *Layer) { l.Handoff = "24:00" }), []string{`handoff "24:00"`}},
		{"bad zone", Roster{ID: "hn-noc", TimeZone: "Asia/Hanoi_City"}, []string{`roster "hn-noc"`, `time_zone "Asia/Hanoi_City"`, "IANA"}},
		{"local zone rejected", Roster{ID: "hn-noc", TimeZone: "Local"}, []string{`time_zone "Local"`}},
		{"pattern syntax", with(func(l *Layer) { l.Rotation, l.Shift = "pattern", "24h on 48h off" }), []string{"layer 1", `shift "24h on 48h off" is not a pattern`, `"24h-on/48h-off"`}},
		{"pattern needs 3 members", with(func(l *Layer) { l.Rotation, l.Shift = "pattern", "24h-on/48h-off" }), []string{"layer 1", "needs 3 members", "got 2"}},
		{"pattern cycle not a multiple", with(func(l *Layer) { l.Rotation, l.Shift = "pattern", "24h-on/36h-off" }), []string{"not a multiple of the on-duty length"}},
		{"pattern shift missing", with(func(l *Layer) { l.Rotation = "pattern" }), []string{"is not a pattern"}},
		{"hourly shift missing", with(func(l *Layer) { l.Rotation = "hourly" }), []string{"shift is required for hourly"}},
		{"hourly shift not a duration", with(func(l *Layer) { l.Rotation, l.Shift = "hourly", "8 hours" }), []string{`shift "8 hours" is not a duration`}},
		{"hourly shift too short", with(func(l *Layer) { l.Rotation, l.Shift = "hourly", "30s" }), []string{"too short"}},
		{"shift on daily", with(func(l *Layer) { l.Shift = "8h" }), []string{"only used by hourly and pattern"}},
		{"handoff_day on daily", with(func(l *Layer) { l.HandoffDay = "friday" }), []string{"handoff_day is only used by weekly"}},
		{"bad handoff_day", with(func(l *Layer) { l.Rotation, l.HandoffDay = "weekly", "thu sau" }), []string{`handoff_day "thu sau"`}},
		{"empty members", with(func(l *Layer) { l.Members = nil }), []string{"layer 1", "members is empty"}},
		{"blank member", with(func(l *Layer) { l.Members = []string{"a", " "} }), []string{"members[1] is empty"}},
		{"bad start", with(func(l *Layer) { l.Start = "05/01/2026" }), []string{`start "05/01/2026"`, "YYYY-MM-DD"}},
		{"bad day", with(func(l *Layer) { l.Days = []string{"saturday", "caturday"} }), []string{`days: "caturday"`}},
		{"bad date", with(func(l *Layer) { l.Dates = []string{"2026-02-30"} }), []string{`dates: "2026-02-30"`}},
		{"bad between", with(func(l *Layer) { l.Between = "22:00" }), []string{`between "22:00"`, `"HH:MM-HH:MM"`}},
		{"empty between", with(func(l *Layer) { l.Between = "08:00-08:00" }), []string{"start equals end"}},
		{"override end before start", Roster{ID: "hn-noc", Overrides: []Override{{Person: "x", Start: start, End: start}}},
			[]string{`override 0 (person "x")`, "is not after start", "set end later than start"}},
		{"override without person", Roster{ID: "hn-noc", Overrides: []Override{{Start: start, End: start.Add(time.Hour)}}},
			[]string{"override 0", "person is empty"}},
		{"override without times", Roster{ID: "hn-noc", Overrides: []Override{{Person: "x"}}}, []string{"start and end are required"}},
		{"several problems reported together", Roster{ID: "hn-noc", Layers: []Layer{{Rotation: "x", Members: []string{"a"}}, {Handoff: "x", Members: []string{"a"}}}},
			[]string{`layer 0 (""): rotation "x"`, `layer 1 (""): handoff "x"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Compile(tc.roster)
			if err == nil {
				t.Fatalf("Compile succeeded, want error containing %q", tc.want)
			}
			if s != nil {
				t.Errorf("Compile returned a schedule with an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestCompileAccepts(t *testing.T) {
	tests := []struct {
		name string
		l    Layer
	}{
		{"defaults", Layer{Members: []string{"a"}}},
		{"single-digit hour", Layer{Handoff: "7:30", Members: []string{"a"}}},
		{"weekly abbreviations", Layer{Rotation: "Weekly", HandoffDay: "SUN", Days: []string{"sat", "Sunday"}, Members: []string{"a"}}},
		{"whole day window", Layer{Between: "00:00-24:00", Members: []string{"a"}}},
		{"pattern one member no off", Layer{Rotation: "pattern", Shift: "24h-on/0h-off", Members: []string{"a"}}},
		{"pattern 12h with 4 members", Layer{Rotation: "pattern", Shift: "12h-on/36h-off", Members: []string{"a", "b", "c", "d"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Compile(Roster{ID: "ok", Layers: []Layer{tc.l}}); err != nil {
				t.Errorf("Compile: %v", err)
			}
		})
	}
}
