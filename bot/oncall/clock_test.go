package oncall

import (
	"testing"
	"time"
)

func TestParseUntil(t *testing.T) {
	hn, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, hn) // Thursday 10:00
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"8h", now.Add(8 * time.Hour), true},
		{" 90m ", now.Add(90 * time.Minute), true},
		{"2d", now.Add(48 * time.Hour), true},
		{"18:00", time.Date(2026, 11, 26, 18, 0, 0, 0, hn), true},
		{"until 18:00", time.Date(2026, 11, 26, 18, 0, 0, 0, hn), true},
		{"den 09:00", time.Date(2026, 11, 27, 9, 0, 0, 0, hn), true}, // passed today: tomorrow
		{"27/11 07:30", time.Date(2026, 11, 27, 7, 30, 0, 0, hn), true},
		{"25/11 07:30", time.Date(2027, 11, 25, 7, 30, 0, 0, hn), true}, // passed this year: next year
		{"01/12/2026 07:30", time.Date(2026, 12, 1, 7, 30, 0, 0, hn), true},
		{"01/01/2026 07:30", time.Time{}, false}, // in the past
		{"-1h", time.Time{}, false},
		{"0d", time.Time{}, false},
		{"soon", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseUntil(tt.in, now, hn)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("ParseUntil(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNextWeeklyAndDaily(t *testing.T) {
	hn, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	thu := time.Date(2026, 11, 26, 10, 0, 0, 0, hn)
	mon8 := time.Date(2026, 11, 30, 8, 0, 0, 0, hn)
	if got := NextWeekly(thu, time.Monday, 8, hn); !got.Equal(mon8) {
		t.Errorf("NextWeekly(Thursday) = %v, want %v", got, mon8)
	}
	if got := NextWeekly(mon8, time.Monday, 8, hn); !got.Equal(mon8.AddDate(0, 0, 7)) {
		t.Errorf("NextWeekly(Monday 08:00) = %v, want a week later", got)
	}
	if got, ok := NextDaily(thu, "07:00", hn); !ok || !got.Equal(time.Date(2026, 11, 27, 7, 0, 0, 0, hn)) {
		t.Errorf("NextDaily(07:00) = %v, %v; want tomorrow 07:00", got, ok)
	}
	if got, ok := NextDaily(thu, "11:30", hn); !ok || !got.Equal(time.Date(2026, 11, 26, 11, 30, 0, 0, hn)) {
		t.Errorf("NextDaily(11:30) = %v, %v; want today 11:30", got, ok)
	}
	if _, ok := NextDaily(thu, "7h", hn); ok {
		t.Error("NextDaily(7h) accepted a duration")
	}
}

func TestRosterHelpers(t *testing.T) {
	r := Roster{ID: "soc", Name: map[string]string{"vi": "Trực ban ATTT"}, Admins: []string{"lead"},
		Layers: []Layer{{Members: []string{"an", "binh"}, Handoff: "08:00"}}}
	if r.Title("en") != "Trực ban ATTT" || r.Title("vi") != "Trực ban ATTT" || (Roster{ID: "x"}).Title("vi") != "x" {
		t.Errorf("Title: %q %q", r.Title("en"), (Roster{ID: "x"}).Title("vi"))
	}
	if !r.IsAdmin("lead") || r.IsAdmin("an") {
		t.Error("IsAdmin")
	}
	at := ts(t, "2026-11-26T10:00:00+07:00")
	o := Override{Person: "cuong", Start: at, End: at.Add(time.Hour)}
	r2 := r.WithOverrides([]Override{o})
	if len(r.Overrides) != 0 || len(r2.Overrides) != 1 {
		t.Fatalf("WithOverrides changed the original or lost the override: %d, %d", len(r.Overrides), len(r2.Overrides))
	}
	s := mustCompile(t, r2)
	if got, ok := s.NextHandoff(at); !ok || !got.Equal(at.Add(time.Hour)) {
		t.Errorf("NextHandoff during the override = %v, %v; want its end", got, ok)
	}
	end := ts(t, "2026-11-28T00:00:00+07:00")
	got := s.Within(at, end, 10)
	if len(got) != 3 || got[0].Person != "cuong" || !got[len(got)-1].Start.Before(end) {
		t.Errorf("Within:\n%s", showAll(got))
	}
	if _, ok := (&Schedule{}).NextHandoff(at); ok {
		t.Error("NextHandoff of an empty schedule")
	}
}
