package oncall

import "time"

const secondsPerDay = 24 * 60 * 60

// civilDay returns the day number (days since 1970-01-01) of t's calendar
// date in t's own location.
func civilDay(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay
}

// weekdayOf returns the weekday of a civil day number.
func weekdayOf(day int64) time.Weekday {
	return time.Weekday(floorMod(day+4, 7)) // 1970-01-01 was a Thursday
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 {
	return a - floorDiv(a, b)*b
}

// wallTime returns the instant at which local wall-clock time (day, minute)
// occurs in loc, resolving DST gaps and overlaps as RFC 5545 does: a
// nonexistent time uses the UTC offset in force before the gap (so it moves
// forward by the gap's length) and an ambiguous time is its first
// occurrence. The result is non-decreasing in (day, minute).
func wallTime(day int64, minute int, loc *time.Location) time.Time {
	w := day*secondsPerDay + int64(minute)*60 // wall clock as if it were UTC
	offsetAt := func(u int64) int64 {
		_, off := time.Unix(u, 0).In(loc).Zone()
		return int64(off)
	}
	// Offsets that can be in force around w: a day earlier, a day later
	// and at the naive instant. Offsets are within ±14h, so the true
	// instant lies between the first two.
	before, after := offsetAt(w-secondsPerDay), offsetAt(w+secondsPerDay)
	if before == after { // no transition nearby: the common case
		return time.Unix(w-before, 0).In(loc)
	}
	cands := [3]int64{before, after, offsetAt(w)}
	found := false
	var best, minOff int64
	for i, off := range cands {
		if i == 0 || off < minOff {
			minOff = off
		}
		if offsetAt(w-off) != off {
			continue
		}
		if u := w - off; !found || u < best { // first occurrence
			best, found = u, true
		}
	}
	if !found {
		// In a gap the clocks jumped forward, so the offset before the gap
		// is the smaller one.
		best = w - minOff
	}
	return time.Unix(best, 0).In(loc)
}
