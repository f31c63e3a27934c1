package oncall

import (
	"strconv"
	"strings"
	"time"
)

// ParseUntil reads the end of an override, a snooze or a window as typed
// in chat: a duration ("8h", "90m"), days ("2d"), or a local time ("18:00",
// "27/11 07:30", "27/11/2026 07:30") with an optional "until " or "den "
// before it. A time of day without a date is the next one after now; a
// date without a year is the next one. It returns false for anything else,
// and for an end not after now.
func ParseUntil(s string, now time.Time, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "until "), "den ")
	if strings.HasSuffix(s, "d") {
		if n, err := strconv.Atoi(strings.TrimSuffix(s, "d")); err == nil && n > 0 {
			return now.Add(time.Duration(n) * 24 * time.Hour), true
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(d), true
	}
	ln := now.In(loc)
	for _, layout := range []string{"15:04", "02/01 15:04", "02/01/2006 15:04"} {
		t, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			continue
		}
		switch layout {
		case "15:04":
			t = time.Date(ln.Year(), ln.Month(), ln.Day(), t.Hour(), t.Minute(), 0, 0, loc)
			if !t.After(now) {
				t = t.AddDate(0, 0, 1)
			}
		case "02/01 15:04":
			t = time.Date(ln.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, loc)
			if !t.After(now) {
				t = t.AddDate(1, 0, 0)
			}
		}
		if t.After(now) {
			return t, true
		}
	}
	return time.Time{}, false
}

// NextWeekly returns the first instant after now that is day at hour:00
// local time in loc.
func NextWeekly(now time.Time, day time.Weekday, hour int, loc *time.Location) time.Time {
	lt := now.In(loc)
	days := (int(day) - int(lt.Weekday()) + 7) % 7
	at := time.Date(lt.Year(), lt.Month(), lt.Day()+days, hour, 0, 0, 0, loc)
	if !at.After(now) {
		at = at.AddDate(0, 0, 7)
	}
	return at
}

// NextDaily returns the first instant after now that is clock ("HH:MM")
// local time in loc; false when clock is not a time of day.
func NextDaily(now time.Time, clock string, loc *time.Location) (time.Time, bool) {
	t, err := time.ParseInLocation("15:04", clock, loc)
	if err != nil {
		return time.Time{}, false
	}
	ln := now.In(loc)
	at := time.Date(ln.Year(), ln.Month(), ln.Day(), t.Hour(), t.Minute(), 0, 0, loc)
	if !at.After(now) {
		at = at.AddDate(0, 0, 1)
	}
	return at, true
}
