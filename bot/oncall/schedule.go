package oncall

import "time"

// searchHorizon bounds how far from the query instant OnDuty and Next look
// for shift boundaries (1464 days, about four years).
const searchHorizon = 1464 * 24 * time.Hour

// maxSteps bounds the number of constant segments examined per call; it is
// a safety net far above what any realistic roster needs.
const maxSteps = 200_000

// span is an interval [lo, hi); a zero lo or hi means unbounded.
type span struct{ lo, hi time.Time }

// clip narrows sp to [lo, hi) (zero values leave that side alone).
func (sp *span) clip(lo, hi time.Time) {
	if !lo.IsZero() && (sp.lo.IsZero() || lo.After(sp.lo)) {
		sp.lo = lo
	}
	if !hi.IsZero() && (sp.hi.IsZero() || hi.Before(sp.hi)) {
		sp.hi = hi
	}
}

// segment is an interval during which the winner does not change.
type segment struct {
	person, source string
	span
}

// Location returns the roster's time zone (UTC for a zero Schedule).
func (s *Schedule) Location() *time.Location {
	if s == nil || s.loc == nil {
		return time.UTC
	}
	return s.loc
}

// OnDuty reports who is on duty at t: the shift containing t, merged over
// consecutive segments of the same person exactly as Next does, so that
// OnDuty(t) equals Next(t, 1)[0] whenever someone is on duty at t. It
// returns ok=false, and a zero Shift, if nobody is on duty at t.
func (s *Schedule) OnDuty(t time.Time) (Shift, bool) {
	if s == nil {
		return Shift{}, false
	}
	seg := s.segmentAt(t)
	if seg.person == "" {
		return Shift{}, false
	}
	sh := s.collect(t, seg, 1)
	if len(sh) == 0 {
		return Shift{}, false
	}
	return sh[0], true
}

// Next returns up to n shifts in chronological order, starting with the
// shift containing t (which may have started before t) or, if nobody is on
// duty at t, the first shift starting after t. Consecutive segments with
// the same person are merged into one shift whichever layer or override
// they come from; boundaries come from any layer rotation, layer
// restriction or override change. Gaps with nobody on duty separate shifts
// and are not returned.
//
// The search is bounded to 1464 days (about four years) either side of t:
// fewer than n shifts are returned if the roster runs out within that
// range, and a shift extending beyond it (e.g. a single-member layer
// without restrictions) is clipped to it. Times are in the roster's
// location. Next returns nil when n <= 0.
func (s *Schedule) Next(t time.Time, n int) []Shift {
	if s == nil || n <= 0 {
		return nil
	}
	return s.collect(t, s.segmentAt(t), n)
}

// collect implements Next, given seg = s.segmentAt(t).
func (s *Schedule) collect(t time.Time, seg segment, n int) []Shift {
	loc := s.Location()
	minT, maxT := t.Add(-searchHorizon), t.Add(searchHorizon)
	steps := 0
	out := make([]Shift, 0, min(n, 64))

	var cur Shift
	open := false
	if seg.person != "" {
		// Extend the shift containing t backwards.
		start, src := seg.lo, seg.source
		for !start.IsZero() && start.After(minT) && steps < maxSteps {
			steps++
			prev := s.segmentAt(start.Add(-time.Nanosecond))
			if prev.person != seg.person || (!prev.lo.IsZero() && !prev.lo.Before(start)) {
				break
			}
			start, src = prev.lo, prev.source
		}
		if start.IsZero() || start.Before(minT) {
			start = minT
		}
		cur, open = Shift{Person: seg.person, Start: start, Layer: src}, true
	}

	x := seg.hi
	for {
		if x.IsZero() || !x.Before(maxT) || steps >= maxSteps {
			if open {
				cur.End = x
				if x.IsZero() || x.After(maxT) {
					cur.End = maxT
				}
				out = append(out, cur)
			}
			break
		}
		steps++
		next := s.segmentAt(x)
		if !next.hi.IsZero() && !next.hi.After(x) {
			// Cannot happen with consistent segments; stop rather than spin.
			if open {
				cur.End = x
				out = append(out, cur)
			}
			break
		}
		if open && next.person == cur.Person {
			x = next.hi
			continue
		}
		if open {
			cur.End = x
			out = append(out, cur)
			open = false
			if len(out) == n {
				break
			}
		}
		if next.person != "" {
			cur, open = Shift{Person: next.person, Start: x, Layer: next.source}, true
		}
		x = next.hi
	}
	for i := range out {
		out[i].Start = out[i].Start.In(loc)
		out[i].End = out[i].End.In(loc)
	}
	return out
}

// segmentAt returns the winner at x and an interval containing x during
// which the winner cannot change.
func (s *Schedule) segmentAt(x time.Time) segment {
	loc := s.Location()
	var seg segment
	for i := len(s.layers) - 1; i >= 0; i-- {
		l := &s.layers[i]
		active, sp := l.activeAt(x, loc)
		seg.clip(sp.lo, sp.hi)
		if !active {
			continue
		}
		person, sp := l.memberAt(x, loc)
		seg.clip(sp.lo, sp.hi)
		seg.person, seg.source = person, l.name
		// Lower layers cannot show through while this one stays active.
		break
	}
	for _, o := range s.overrides {
		switch {
		case x.Before(o.Start):
			seg.clip(time.Time{}, o.Start)
		case x.Before(o.End):
			seg.clip(o.Start, o.End)
			if o.Replace == "" || o.Replace == seg.person {
				seg.person, seg.source = o.Person, OverrideLayer
			}
		default:
			seg.clip(o.End, time.Time{})
		}
	}
	return seg
}

// memberAt returns the rotation member on duty at x and the rotation shift
// containing x.
func (l *layer) memberAt(x time.Time, loc *time.Location) (string, span) {
	if l.constant {
		return l.members[0], span{}
	}
	n := int64(len(l.members))
	if l.absolute {
		k := floorDiv(int64(x.Sub(l.anchor)), int64(l.length))
		start := l.anchor.Add(time.Duration(k) * l.length)
		return l.members[floorMod(k, n)], span{start, start.Add(l.length)}
	}
	k := floorDiv(civilDay(x.In(loc))-l.anchorDay, l.periodDays)
	start := l.handoffAt(k, loc)
	for x.Before(start) {
		k--
		start = l.handoffAt(k, loc)
	}
	end := l.handoffAt(k+1, loc)
	for !x.Before(end) {
		k++
		start, end = end, l.handoffAt(k+1, loc)
	}
	return l.members[floorMod(k, n)], span{start, end}
}

// handoffAt returns the start of wall-clock rotation shift k.
func (l *layer) handoffAt(k int64, loc *time.Location) time.Time {
	return wallTime(l.anchorDay+k*l.periodDays, l.handoff, loc)
}

// dayOK reports whether the day and date restrictions allow civil day d.
func (l *layer) dayOK(d int64) bool {
	if !l.days[weekdayOf(d)] {
		return false
	}
	return l.dates == nil || l.dates[d]
}

// activeAt reports whether the layer's restrictions allow x, and an
// interval containing x with the same answer.
func (l *layer) activeAt(x time.Time, loc *time.Location) (bool, span) {
	if !l.restricted {
		return true, span{}
	}
	day := civilDay(x.In(loc))
	for range 4 { // the first guess is right except around odd DST changes
		type piece struct {
			minute int
			active bool
		}
		var pieces [3]piece
		var np int
		switch {
		case !l.between:
			pieces[0] = piece{0, l.dayOK(day)}
			np = 1
		case l.from < l.to:
			pieces = [3]piece{{0, false}, {l.from, l.dayOK(day)}, {l.to, false}}
			np = 3
		default: // wraps midnight: the early part belongs to the previous day
			pieces = [3]piece{{0, l.dayOK(day - 1)}, {l.to, false}, {l.from, l.dayOK(day)}}
			np = 3
		}
		dayStart, dayEnd := wallTime(day, 0, loc), wallTime(day+1, 0, loc)
		if x.Before(dayStart) {
			day--
			continue
		}
		if !x.Before(dayEnd) {
			day++
			continue
		}
		for i := np - 1; i >= 0; i-- {
			lo := wallTime(day, pieces[i].minute, loc)
			if x.Before(lo) {
				continue
			}
			hi := dayEnd
			if i+1 < np {
				hi = wallTime(day, pieces[i+1].minute, loc)
			}
			return pieces[i].active, span{lo, hi}
		}
	}
	// Unreachable for real zones; fall back to a conservative answer.
	return false, span{x, x.Add(time.Minute)}
}

// NextHandoff returns when duty next changes hands after now: the end of
// the shift in progress, else the start of the next shift. It returns false
// when nobody is on duty now or later.
func (s *Schedule) NextHandoff(now time.Time) (time.Time, bool) {
	if sh, ok := s.OnDuty(now); ok {
		return sh.End, true
	}
	if next := s.Next(now, 1); len(next) > 0 {
		return next[0].Start, true
	}
	return time.Time{}, false
}

// Within returns the shifts of s from now (the one in progress included)
// that start before end, at most n.
func (s *Schedule) Within(now, end time.Time, n int) []Shift {
	var out []Shift
	for _, sh := range s.Next(now, n) {
		if !sh.Start.Before(end) {
			break
		}
		out = append(out, sh)
	}
	return out
}
