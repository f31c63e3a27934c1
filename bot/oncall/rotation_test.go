package oncall

import (
	"testing"
	"time"
)

func TestWallTime(t *testing.T) {
	tests := []struct {
		name   string
		zone   string
		date   string
		clock  string
		wantTZ string // the instant, RFC 3339 in UTC
	}{
		{"ho chi minh no DST", "Asia/Ho_Chi_Minh", "2026-01-05", "07:30", "2026-01-05T00:30:00Z"},
		{"utc", "UTC", "2026-03-29", "02:30", "2026-03-29T02:30:00Z"},
		{"berlin winter", "Europe/Berlin", "2026-03-28", "02:30", "2026-03-28T01:30:00Z"},
		{"berlin spring-forward gap moves forward", "Europe/Berlin", "2026-03-29", "02:30", "2026-03-29T01:30:00Z"},
		{"berlin gap end equals gap start", "Europe/Berlin", "2026-03-29", "03:00", "2026-03-29T01:00:00Z"},
		{"berlin fall-back overlap first occurrence", "Europe/Berlin", "2026-10-25", "02:30", "2026-10-25T00:30:00Z"},
		{"berlin after overlap", "Europe/Berlin", "2026-10-25", "03:00", "2026-10-25T02:00:00Z"},
		{"new york spring-forward gap moves forward", "America/New_York", "2026-03-08", "02:30", "2026-03-08T07:30:00Z"},
		{"new york fall-back overlap first occurrence", "America/New_York", "2026-11-01", "01:30", "2026-11-01T05:30:00Z"},
		{"new york after overlap", "America/New_York", "2026-11-01", "02:30", "2026-11-01T07:30:00Z"},
		{"new york summer", "America/New_York", "2026-07-01", "07:30", "2026-07-01T11:30:00Z"},
		{"before 1970 uses historical offset UTC+8", "Asia/Ho_Chi_Minh", "1969-12-31", "23:00", "1969-12-31T15:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc, err := time.LoadLocation(tc.zone)
			if err != nil {
				t.Fatal(err)
			}
			day, err := parseDate(tc.date)
			if err != nil {
				t.Fatal(err)
			}
			minute, err := parseClock(tc.clock, false)
			if err != nil {
				t.Fatal(err)
			}
			got := wallTime(day, minute, loc)
			if got.Location() != loc {
				t.Errorf("location = %v, want %v", got.Location(), loc)
			}
			if g := got.UTC().Format(time.RFC3339); g != tc.wantTZ {
				t.Errorf("wallTime(%s %s %s) = %s, want %s", tc.zone, tc.date, tc.clock, g, tc.wantTZ)
			}
		})
	}
}

func TestWeekdayOf(t *testing.T) {
	for _, date := range []string{"1969-12-28", "1970-01-01", "2026-01-05", "2028-02-29", "2026-12-31"} {
		t.Run(date, func(t *testing.T) {
			d, _ := parseDate(date)
			want, _ := time.Parse(time.DateOnly, date)
			if got := weekdayOf(d); got != want.Weekday() {
				t.Errorf("weekdayOf(%s) = %v, want %v", date, got, want.Weekday())
			}
		})
	}
}

// single returns a one-layer roster.
func single(zone string, l Layer) Roster {
	return Roster{ID: "test", TimeZone: zone, Layers: []Layer{l}}
}

func TestOnDutyRotations(t *testing.T) {
	hcmDaily := single("", Layer{Name: "ngay", Rotation: "daily", Handoff: "07:30", Members: []string{"an", "binh", "chi"}})
	daily := func(zone, handoff, start string) Roster {
		return single(zone, Layer{Name: "ngay", Handoff: handoff, Start: start, Members: []string{"a", "b"}})
	}
	weeklyFri := single("Asia/Ho_Chi_Minh", Layer{Name: "tuan", Rotation: "weekly", Handoff: "09:00", HandoffDay: "Friday", Members: []string{"a", "b"}})
	weeklyMon := single("", Layer{Name: "tuan", Rotation: "weekly", Members: []string{"a", "b"}})
	weeklyBerlin := single("Europe/Berlin", Layer{Name: "tuan", Rotation: "weekly", Handoff: "07:30", Start: "2026-03-23", Members: []string{"a", "b"}})
	hourly := single("", Layer{Name: "ca", Rotation: "hourly", Shift: "8h", Handoff: "06:00", Members: []string{"a", "b", "c"}})
	hourlyBerlin := single("Europe/Berlin", Layer{Name: "ca", Rotation: "hourly", Shift: "8h", Handoff: "06:00", Start: "2026-03-28", Members: []string{"a", "b", "c"}})
	pattern := single("", Layer{Name: "kip", Rotation: "pattern", Shift: "24h-on/48h-off", Handoff: "08:00", Members: []string{"a", "b", "c"}})
	pattern12 := single("", Layer{Name: "kip", Rotation: "pattern", Shift: "12h-on/24h-off", Handoff: "07:00", Members: []string{"a", "b", "c"}})
	patternBerlin := single("Europe/Berlin", Layer{Name: "kip", Rotation: "pattern", Shift: "24h-on/48h-off", Handoff: "08:00", Start: "2026-03-28", Members: []string{"a", "b", "c"}})

	tests := []struct {
		name   string
		roster Roster
		at     string
		want   string
		length time.Duration // expected End-Start, 0 = not checked
	}{
		// Asia/Ho_Chi_Minh (UTC+7, no DST), default anchor Monday 2026-01-05.
		{"hcm/anchor", hcmDaily, "2026-01-05T07:30:00+07:00", "an 2026-01-05T07:30:00+07:00..2026-01-06T07:30:00+07:00 ngay", 24 * time.Hour},
		{"hcm/just before anchor", hcmDaily, "2026-01-05T07:29:59+07:00", "chi 2026-01-04T07:30:00+07:00..2026-01-05T07:30:00+07:00 ngay", 24 * time.Hour},
		{"hcm/query in UTC", hcmDaily, "2026-01-05T00:30:00Z", "an 2026-01-05T07:30:00+07:00..2026-01-06T07:30:00+07:00 ngay", 0},
		{"hcm/31 jan", hcmDaily, "2026-01-31T12:00:00+07:00", "chi 2026-01-31T07:30:00+07:00..2026-02-01T07:30:00+07:00 ngay", 0},
		{"hcm/1 feb before handoff", hcmDaily, "2026-02-01T07:00:00+07:00", "chi 2026-01-31T07:30:00+07:00..2026-02-01T07:30:00+07:00 ngay", 0},
		{"hcm/1 feb after handoff", hcmDaily, "2026-02-01T08:00:00+07:00", "an 2026-02-01T07:30:00+07:00..2026-02-02T07:30:00+07:00 ngay", 0},
		{"hcm/28 feb 2028", hcmDaily, "2028-02-28T12:00:00+07:00", "binh 2028-02-28T07:30:00+07:00..2028-02-29T07:30:00+07:00 ngay", 0},
		{"hcm/29 feb 2028 leap day", hcmDaily, "2028-02-29T12:00:00+07:00", "chi 2028-02-29T07:30:00+07:00..2028-03-01T07:30:00+07:00 ngay", 0},
		{"hcm/1 mar 2028 early", hcmDaily, "2028-03-01T06:00:00+07:00", "chi 2028-02-29T07:30:00+07:00..2028-03-01T07:30:00+07:00 ngay", 0},
		{"hcm/1 mar 2028", hcmDaily, "2028-03-01T12:00:00+07:00", "an 2028-03-01T07:30:00+07:00..2028-03-02T07:30:00+07:00 ngay", 0},
		{"hcm/31 dec", hcmDaily, "2026-12-31T12:00:00+07:00", "an 2026-12-31T07:30:00+07:00..2027-01-01T07:30:00+07:00 ngay", 0},
		{"hcm/new year night", hcmDaily, "2027-01-01T03:00:00+07:00", "an 2026-12-31T07:30:00+07:00..2027-01-01T07:30:00+07:00 ngay", 0},
		{"hcm/new year day", hcmDaily, "2027-01-01T09:00:00+07:00", "binh 2027-01-01T07:30:00+07:00..2027-01-02T07:30:00+07:00 ngay", 0},
		{"hcm/years before anchor", hcmDaily, "2020-01-01T12:00:00+07:00", "an 2020-01-01T07:30:00+07:00..2020-01-02T07:30:00+07:00 ngay", 0},

		// Europe/Berlin: spring forward 2026-03-29 02:00->03:00, fall back 2026-10-25 03:00->02:00.
		{"berlin/07:30 spring-forward shift is 23h", daily("Europe/Berlin", "07:30", "2026-03-28"), "2026-03-28T12:00:00+01:00", "a 2026-03-28T07:30:00+01:00..2026-03-29T07:30:00+02:00 ngay", 23 * time.Hour},
		{"berlin/07:30 after spring-forward", daily("Europe/Berlin", "07:30", "2026-03-28"), "2026-03-29T12:00:00+02:00", "b 2026-03-29T07:30:00+02:00..2026-03-30T07:30:00+02:00 ngay", 24 * time.Hour},
		{"berlin/07:30 fall-back shift is 25h", daily("Europe/Berlin", "07:30", "2026-10-24"), "2026-10-25T05:00:00+01:00", "a 2026-10-24T07:30:00+02:00..2026-10-25T07:30:00+01:00 ngay", 25 * time.Hour},
		{"berlin/02:30 before gap", daily("Europe/Berlin", "02:30", "2026-03-28"), "2026-03-28T12:00:00+01:00", "a 2026-03-28T02:30:00+01:00..2026-03-29T03:30:00+02:00 ngay", 24 * time.Hour},
		{"berlin/02:30 gap handoff not yet", daily("Europe/Berlin", "02:30", "2026-03-28"), "2026-03-29T03:15:00+02:00", "a 2026-03-28T02:30:00+01:00..2026-03-29T03:30:00+02:00 ngay", 0},
		{"berlin/02:30 gap handoff at 03:30", daily("Europe/Berlin", "02:30", "2026-03-28"), "2026-03-29T03:30:00+02:00", "b 2026-03-29T03:30:00+02:00..2026-03-30T02:30:00+02:00 ngay", 23 * time.Hour},
		{"berlin/02:30 overlap first occurrence", daily("Europe/Berlin", "02:30", "2026-10-24"), "2026-10-24T12:00:00+02:00", "a 2026-10-24T02:30:00+02:00..2026-10-25T02:30:00+02:00 ngay", 24 * time.Hour},
		{"berlin/02:30 second occurrence already handed off", daily("Europe/Berlin", "02:30", "2026-10-24"), "2026-10-25T02:15:00+01:00", "b 2026-10-25T02:30:00+02:00..2026-10-26T02:30:00+01:00 ngay", 25 * time.Hour},

		// America/New_York: spring forward 2026-03-08 02:00->03:00, fall back 2026-11-01 02:00->01:00.
		{"new york/07:30 spring-forward shift is 23h", daily("America/New_York", "07:30", "2026-03-07"), "2026-03-07T12:00:00-05:00", "a 2026-03-07T07:30:00-05:00..2026-03-08T07:30:00-04:00 ngay", 23 * time.Hour},
		{"new york/07:30 fall-back shift is 25h", daily("America/New_York", "07:30", "2026-10-31"), "2026-10-31T12:00:00-04:00", "a 2026-10-31T07:30:00-04:00..2026-11-01T07:30:00-05:00 ngay", 25 * time.Hour},
		{"new york/02:30 gap handoff at 03:30", daily("America/New_York", "02:30", "2026-03-07"), "2026-03-08T03:00:00-04:00", "a 2026-03-07T02:30:00-05:00..2026-03-08T03:30:00-04:00 ngay", 24 * time.Hour},
		{"new york/02:30 after gap", daily("America/New_York", "02:30", "2026-03-07"), "2026-03-08T12:00:00-04:00", "b 2026-03-08T03:30:00-04:00..2026-03-09T02:30:00-04:00 ngay", 23 * time.Hour},
		{"new york/02:30 fall-back shift is 25h", daily("America/New_York", "02:30", "2026-10-31"), "2026-10-31T12:00:00-04:00", "a 2026-10-31T02:30:00-04:00..2026-11-01T02:30:00-05:00 ngay", 25 * time.Hour},
		{"new york/01:30 overlap first occurrence", daily("America/New_York", "01:30", "2026-10-31"), "2026-11-01T01:15:00-04:00", "a 2026-10-31T01:30:00-04:00..2026-11-01T01:30:00-04:00 ngay", 24 * time.Hour},
		{"new york/01:30 second occurrence already handed off", daily("America/New_York", "01:30", "2026-10-31"), "2026-11-01T01:15:00-05:00", "b 2026-11-01T01:30:00-04:00..2026-11-02T01:30:00-05:00 ngay", 25 * time.Hour},

		// UTC.
		{"utc/anchor", daily("UTC", "", ""), "2026-01-05T00:00:00Z", "a 2026-01-05T00:00:00Z..2026-01-06T00:00:00Z ngay", 24 * time.Hour},
		{"utc/before anchor", daily("UTC", "", ""), "2026-01-04T23:59:59Z", "b 2026-01-04T00:00:00Z..2026-01-05T00:00:00Z ngay", 24 * time.Hour},

		// Weekly.
		{"weekly/friday anchor first friday after start", weeklyFri, "2026-01-09T09:00:00+07:00", "a 2026-01-09T09:00:00+07:00..2026-01-16T09:00:00+07:00 tuan", 7 * 24 * time.Hour},
		{"weekly/before anchor", weeklyFri, "2026-01-09T08:59:00+07:00", "b 2026-01-02T09:00:00+07:00..2026-01-09T09:00:00+07:00 tuan", 0},
		{"weekly/second week", weeklyFri, "2026-01-20T12:00:00+07:00", "b 2026-01-16T09:00:00+07:00..2026-01-23T09:00:00+07:00 tuan", 0},
		{"weekly/default monday midnight", weeklyMon, "2026-01-05T00:00:00+07:00", "a 2026-01-05T00:00:00+07:00..2026-01-12T00:00:00+07:00 tuan", 0},
		{"weekly/default monday before anchor", weeklyMon, "2026-01-04T23:00:00+07:00", "b 2025-12-29T00:00:00+07:00..2026-01-05T00:00:00+07:00 tuan", 0},
		{"weekly/berlin week with spring-forward", weeklyBerlin, "2026-03-25T12:00:00+01:00", "a 2026-03-23T07:30:00+01:00..2026-03-30T07:30:00+02:00 tuan", 167 * time.Hour},

		// Hourly 8h, anchored 2026-01-05 06:00 local.
		{"hourly/first shift", hourly, "2026-01-05T13:59:59+07:00", "a 2026-01-05T06:00:00+07:00..2026-01-05T14:00:00+07:00 ca", 8 * time.Hour},
		{"hourly/second shift", hourly, "2026-01-05T14:00:00+07:00", "b 2026-01-05T14:00:00+07:00..2026-01-05T22:00:00+07:00 ca", 8 * time.Hour},
		{"hourly/night shift crosses midnight", hourly, "2026-01-05T23:00:00+07:00", "c 2026-01-05T22:00:00+07:00..2026-01-06T06:00:00+07:00 ca", 8 * time.Hour},
		{"hourly/wraps to first member", hourly, "2026-01-06T06:00:00+07:00", "a 2026-01-06T06:00:00+07:00..2026-01-06T14:00:00+07:00 ca", 8 * time.Hour},
		{"hourly/just before anchor", hourly, "2026-01-05T05:00:00+07:00", "c 2026-01-04T22:00:00+07:00..2026-01-05T06:00:00+07:00 ca", 8 * time.Hour},
		{"hourly/days before anchor", hourly, "2025-12-31T15:00:00+07:00", "b 2025-12-31T14:00:00+07:00..2025-12-31T22:00:00+07:00 ca", 8 * time.Hour},
		{"hourly/berlin absolute across spring-forward", hourlyBerlin, "2026-03-29T06:30:00+02:00", "c 2026-03-28T22:00:00+01:00..2026-03-29T07:00:00+02:00 ca", 8 * time.Hour},

		// Pattern 24h-on/48h-off with three members.
		{"pattern/member 0", pattern, "2026-01-05T08:00:00+07:00", "a 2026-01-05T08:00:00+07:00..2026-01-06T08:00:00+07:00 kip", 24 * time.Hour},
		{"pattern/member 1", pattern, "2026-01-06T09:00:00+07:00", "b 2026-01-06T08:00:00+07:00..2026-01-07T08:00:00+07:00 kip", 24 * time.Hour},
		{"pattern/member 2", pattern, "2026-01-07T09:00:00+07:00", "c 2026-01-07T08:00:00+07:00..2026-01-08T08:00:00+07:00 kip", 24 * time.Hour},
		{"pattern/member 0 again after 48h off", pattern, "2026-01-08T09:00:00+07:00", "a 2026-01-08T08:00:00+07:00..2026-01-09T08:00:00+07:00 kip", 24 * time.Hour},
		{"pattern/before anchor", pattern, "2026-01-05T07:00:00+07:00", "c 2026-01-04T08:00:00+07:00..2026-01-05T08:00:00+07:00 kip", 24 * time.Hour},
		{"pattern/12h-on/24h-off", pattern12, "2026-01-05T19:30:00+07:00", "b 2026-01-05T19:00:00+07:00..2026-01-06T07:00:00+07:00 kip", 12 * time.Hour},
		{"pattern/berlin absolute across spring-forward", patternBerlin, "2026-03-29T08:30:00+02:00", "a 2026-03-28T08:00:00+01:00..2026-03-29T09:00:00+02:00 kip", 24 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustCompile(t, tc.roster)
			at := ts(t, tc.at)
			sh, ok := s.OnDuty(at)
			if !ok {
				t.Fatalf("OnDuty(%s): nobody on duty, want %s", tc.at, tc.want)
			}
			if got := show(sh); got != tc.want {
				t.Errorf("OnDuty(%s)\n got %s\nwant %s", tc.at, got, tc.want)
			}
			if tc.length != 0 {
				if got := sh.End.Sub(sh.Start); got != tc.length {
					t.Errorf("shift length = %v, want %v", got, tc.length)
				}
			}
			if sh.Start.Location() != s.Location() || sh.End.Location() != s.Location() {
				t.Errorf("shift times in %v/%v, want roster location %v", sh.Start.Location(), sh.End.Location(), s.Location())
			}
		})
	}
}

func TestParseShiftPattern(t *testing.T) {
	tests := []struct {
		in      string
		on, off time.Duration
		wantErr bool
	}{
		{"24h-on/48h-off", 24 * time.Hour, 48 * time.Hour, false},
		{"12h-on/36h-off", 12 * time.Hour, 36 * time.Hour, false},
		{" 12h30m-ON / 25h-Off ", 12*time.Hour + 30*time.Minute, 25 * time.Hour, false},
		{"24h-on/0h-off", 24 * time.Hour, 0, false},
		{"24h/48h", 0, 0, true},
		{"24h-on", 0, 0, true},
		{"24h-off/48h-on", 0, 0, true},
		{"1d-on/2d-off", 0, 0, true},
		{"0h-on/24h-off", 0, 0, true},
		{"24h-on/-1h-off", 0, 0, true},
		{"", 0, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			on, off, err := ParseShiftPattern(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseShiftPattern(%q) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			}
			if on != tc.on || off != tc.off {
				t.Errorf("ParseShiftPattern(%q) = %v, %v; want %v, %v", tc.in, on, off, tc.on, tc.off)
			}
		})
	}
}
