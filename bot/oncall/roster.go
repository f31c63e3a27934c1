package oncall

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DefaultTimeZone is the IANA zone used when Roster.TimeZone is empty.
const DefaultTimeZone = "Asia/Ho_Chi_Minh"

// DefaultStart is the local date (a Monday) anchoring a rotation when
// Layer.Start is empty.
const DefaultStart = "2026-01-05"

// Rotation kinds accepted in Layer.Rotation. An empty rotation means
// RotationDaily.
const (
	// RotationHourly hands off every Layer.Shift (an absolute duration such
	// as "8h"), counted from the anchor instant.
	RotationHourly = "hourly"
	// RotationDaily hands off every day at Layer.Handoff local time.
	RotationDaily = "daily"
	// RotationWeekly hands off every week on Layer.HandoffDay at
	// Layer.Handoff local time.
	RotationWeekly = "weekly"
	// RotationPattern works Layer.Shift patterns such as "24h-on/48h-off"
	// (see ParseShiftPattern), members staggered by the on-duty length.
	RotationPattern = "pattern"
)

// OverrideLayer is the Shift.Layer value of shifts that come from an
// Override.
const OverrideLayer = "override"

// minShift is the shortest hourly or pattern shift accepted by Compile.
const minShift = time.Minute

// Roster is the configuration of one on-call rotation, as decoded from YAML.
// The zero value is a valid roster with nobody on duty, in DefaultTimeZone.
type Roster struct {
	// ID identifies the roster; it appears in errors and ICS UIDs.
	ID string `yaml:"id"`
	// Name is the display name by language code, e.g. {vi: ..., en: ...}.
	Name map[string]string `yaml:"name"`
	// TimeZone is an IANA zone name; "" means DefaultTimeZone.
	TimeZone string `yaml:"time_zone"`
	// Layers are evaluated with later layers winning while they are active.
	Layers []Layer `yaml:"layers"`
	// Overrides win over every layer while active; later ones win over
	// earlier ones.
	Overrides []Override `yaml:"overrides"`
	// Admins are the person ids allowed to edit the roster (not used by the
	// time computations).
	Admins []string `yaml:"admins"`
	// AnnounceIn is the chat id for handoff announcements (not used by the
	// time computations).
	AnnounceIn string `yaml:"announce_in"`
}

// Layer is one rotation of a Roster, optionally restricted to some days,
// dates or a daily time window. Outside its restrictions a layer is
// transparent and lower layers show through.
type Layer struct {
	// Name labels the layer in Shift.Layer; "" means "layer <index>".
	Name string `yaml:"name"`
	// Rotation is hourly, daily, weekly or pattern; "" means daily.
	Rotation string `yaml:"rotation"`
	// Shift is the shift length for hourly rotations (a Go duration such as
	// "8h" or "12h", at least 1m) and the pattern for pattern rotations
	// (e.g. "24h-on/48h-off"). It must be empty for daily and weekly.
	Shift string `yaml:"shift"`
	// Handoff is the local "HH:MM" at which shifts change for daily and
	// weekly rotations, and the local time of the anchor for hourly and
	// pattern rotations; "" means "00:00".
	Handoff string `yaml:"handoff"`
	// HandoffDay is the weekday (monday..sunday or mon..sun) of weekly
	// handoffs; "" means monday. It must be empty for other rotations.
	HandoffDay string `yaml:"handoff_day"`
	// Start is the local date "2006-01-02" of the anchor, the beginning of
	// member 0's first shift; "" means DefaultStart. For weekly rotations
	// the anchor is the first HandoffDay on or after Start.
	Start string `yaml:"start"`
	// Members are person ids in rotation order; at least one is required.
	Members []string `yaml:"members"`
	// Days restricts the layer to these local weekdays (monday..sunday or
	// mon..sun); empty means every day.
	Days []string `yaml:"days"`
	// Between restricts the layer to a local "HH:MM-HH:MM" window each day.
	// The end is exclusive and may be "24:00". A window whose end is before
	// its start wraps midnight, and its part after midnight belongs to the
	// day it started on for Days and Dates: days [friday] with between
	// "22:00-06:00" is Friday 22:00 to Saturday 06:00.
	Between string `yaml:"between"`
	// Dates restricts the layer to these local dates "2006-01-02" (e.g.
	// public holidays); empty means no date restriction. Combined with Days
	// and Between, all restrictions must hold.
	Dates []string `yaml:"dates"`
}

// Override puts Person on duty during [Start, End), taking precedence over
// every layer.
type Override struct {
	// Person is the person id put on duty; required.
	Person string `yaml:"person"`
	// Start is the first instant of the override (inclusive).
	Start time.Time `yaml:"start"`
	// End is the end of the override (exclusive); it must be after Start.
	End time.Time `yaml:"end"`
	// Replace, if set, limits the override to times when this person would
	// otherwise be on duty; "" replaces whoever is on duty.
	Replace string `yaml:"replace"`
}

// Shift is a contiguous interval [Start, End) during which Person is on duty.
type Shift struct {
	// Person is the person id on duty.
	Person string
	// Start and End bound the shift, expressed in the roster's location.
	Start, End time.Time
	// Layer is the name of the layer the shift comes from, or OverrideLayer.
	// For a shift merged from several sources it names the source at Start.
	Layer string
}

// Schedule is a compiled, validated Roster. It is immutable and safe for
// concurrent use. The zero value has nobody on duty, in UTC; use Compile to
// obtain a useful one.
type Schedule struct {
	loc       *time.Location
	layers    []layer
	overrides []Override
}

// layer is a compiled Layer.
type layer struct {
	name     string
	members  []string
	constant bool // every member is the same person: rotation never changes who

	// absolute rotations (hourly, pattern): shift k is [anchor+k*length, +length)
	absolute bool
	anchor   time.Time
	length   time.Duration

	// wall-clock rotations (daily, weekly): shift k starts at local
	// (anchorDay + k*periodDays) handoff.
	anchorDay  int64
	periodDays int64
	handoff    int // minutes after local midnight

	// restrictions
	restricted bool
	days       [7]bool // indexed by time.Weekday; all true when unrestricted
	dates      map[int64]bool
	between    bool
	from, to   int // minutes after midnight; to may be 1440; wraps when to < from
}

// Compile validates r and returns its Schedule. It reports every problem it
// finds (joined with errors.Join); each message names the roster id and the
// layer or override index and says what to fix. Checked are: the time zone,
// rotation kind, handoff and handoff_day syntax, shift lengths and pattern
// syntax (including that a pattern's cycle equals its on-duty length times
// the number of members), start and holiday dates, days names, the between
// window, non-empty member lists and person ids, and overrides (person set,
// end after start).
func Compile(r Roster) (*Schedule, error) {
	var errs []error
	report := func(where, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if where != "" {
			msg = where + ": " + msg
		}
		errs = append(errs, fmt.Errorf("oncall: roster %q: %s", r.ID, msg))
	}

	tz := r.TimeZone
	if tz == "" {
		tz = DefaultTimeZone
	}
	loc, err := loadZone(tz)
	if err != nil {
		report("", "time_zone %q: %v; use an IANA zone name such as %q or \"UTC\"", r.TimeZone, err, DefaultTimeZone)
		loc = time.UTC // keep validating the rest
	}

	s := &Schedule{loc: loc}
	for i, l := range r.Layers {
		name := l.Name
		if name == "" {
			name = fmt.Sprintf("layer %d", i)
		}
		where := fmt.Sprintf("layer %d (%q)", i, l.Name)
		cl, problems := compileLayer(l, loc)
		for _, p := range problems {
			report(where, "%s", p)
		}
		cl.name = name
		s.layers = append(s.layers, cl)
	}
	for i, o := range r.Overrides {
		where := fmt.Sprintf("override %d (person %q)", i, o.Person)
		switch {
		case strings.TrimSpace(o.Person) == "":
			report(where, "person is empty; set the person id who takes the shift")
		case o.Start.IsZero() || o.End.IsZero():
			report(where, "start and end are required (RFC 3339 timestamps such as 2026-09-02T07:30:00+07:00)")
		case !o.End.After(o.Start):
			report(where, "end %s is not after start %s; set end later than start",
				o.End.Format(time.RFC3339), o.Start.Format(time.RFC3339))
		}
		s.overrides = append(s.overrides, o)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

func loadZone(name string) (*time.Location, error) {
	if name == "Local" {
		return nil, errors.New("\"Local\" depends on the host")
	}
	return time.LoadLocation(name)
}

// compileLayer validates l and compiles it; problems describe what to fix.
func compileLayer(l Layer, loc *time.Location) (layer, []string) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	cl := layer{members: append([]string(nil), l.Members...)}
	if len(l.Members) == 0 {
		bad("members is empty; list at least one person id in rotation order")
	}
	cl.constant = true
	for j, m := range l.Members {
		if strings.TrimSpace(m) == "" {
			bad("members[%d] is empty; every member must be a person id", j)
		}
		if m != l.Members[0] {
			cl.constant = false
		}
	}

	handoff := 0
	if l.Handoff != "" {
		h, err := parseClock(l.Handoff, false)
		if err != nil {
			bad("handoff %q must be a local time \"HH:MM\" such as \"07:30\"", l.Handoff)
		}
		handoff = h
	}
	cl.handoff = handoff

	startDay, err := parseDate(orDefault(l.Start, DefaultStart))
	if err != nil {
		bad("start %q must be a local date \"YYYY-MM-DD\" such as %q", l.Start, DefaultStart)
	}

	rotation := strings.ToLower(strings.TrimSpace(l.Rotation))
	if rotation == "" {
		rotation = RotationDaily
	}
	if l.HandoffDay != "" && rotation != RotationWeekly {
		bad("handoff_day is only used by weekly rotations; remove it or set rotation: weekly")
	}
	switch rotation {
	case RotationDaily, RotationWeekly:
		if l.Shift != "" {
			bad("shift %q is only used by hourly and pattern rotations; remove it (%s rotations hand off at handoff)", l.Shift, rotation)
		}
		cl.anchorDay = startDay
		cl.periodDays = 1
		if rotation == RotationWeekly {
			cl.periodDays = 7
			wd := time.Monday
			if l.HandoffDay != "" {
				d, ok := parseWeekday(l.HandoffDay)
				if !ok {
					bad("handoff_day %q is not a weekday; use monday..sunday", l.HandoffDay)
				}
				wd = d
			}
			cl.anchorDay = startDay + floorMod(int64(wd)-int64(weekdayOf(startDay)), 7)
		}
	case RotationHourly:
		d, err := time.ParseDuration(strings.TrimSpace(l.Shift))
		switch {
		case l.Shift == "":
			bad("shift is required for hourly rotations; set a length such as \"8h\" or \"12h\"")
		case err != nil:
			bad("shift %q is not a duration; use a length such as \"8h\" or \"12h\"", l.Shift)
		case d < minShift:
			bad("shift %q is too short; use at least %v", l.Shift, minShift)
		}
		cl.absolute, cl.length = true, d
	case RotationPattern:
		on, off, err := ParseShiftPattern(l.Shift)
		switch {
		case err != nil:
			bad("shift %q is not a pattern; use \"<on>-on/<off>-off\" such as \"24h-on/48h-off\"", l.Shift)
		case on < minShift:
			bad("shift %q: on-duty length is too short; use at least %v", l.Shift, minShift)
		case (on+off)%on != 0:
			bad("shift %q: cycle %v is not a multiple of the on-duty length %v, so members cannot be staggered without gaps or overlaps", l.Shift, on+off, on)
		case len(l.Members) > 0 && int64((on+off)/on) != int64(len(l.Members)):
			bad("shift %q needs %d members (cycle %v / %v on duty), got %d; change members or the pattern",
				l.Shift, (on+off)/on, on+off, on, len(l.Members))
		}
		cl.absolute, cl.length = true, on
	default:
		bad("rotation %q is not supported; use hourly, daily, weekly or pattern", l.Rotation)
	}
	if cl.absolute {
		cl.anchor = wallTime(startDay, handoff, loc)
		if cl.length <= 0 {
			cl.length = time.Hour // placeholder; compilation failed anyway
		}
	}

	// Restrictions.
	for d := range cl.days {
		cl.days[d] = len(l.Days) == 0
	}
	for _, name := range l.Days {
		d, ok := parseWeekday(name)
		if !ok {
			bad("days: %q is not a weekday; use monday..sunday", name)
			continue
		}
		cl.days[d] = true
	}
	for _, ok := range cl.days {
		if !ok {
			cl.restricted = true
		}
	}
	if len(l.Dates) > 0 {
		cl.restricted = true
		cl.dates = make(map[int64]bool, len(l.Dates))
		for _, ds := range l.Dates {
			d, err := parseDate(ds)
			if err != nil {
				bad("dates: %q must be a local date \"YYYY-MM-DD\" such as \"2026-09-02\"", ds)
				continue
			}
			cl.dates[d] = true
		}
	}
	if l.Between != "" {
		from, to, err := parseWindow(l.Between)
		if err != nil {
			bad("between %q: %v; use a local window \"HH:MM-HH:MM\" such as \"22:00-06:00\"", l.Between, err)
		} else if !(from == 0 && to == minutesPerDay) {
			cl.restricted, cl.between, cl.from, cl.to = true, true, from, to
		}
	}
	return cl, problems
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func parseWeekday(s string) (time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for d := time.Sunday; d <= time.Saturday; d++ {
		full := strings.ToLower(d.String())
		if s == full || s == full[:3] {
			return d, true
		}
	}
	return 0, false
}

// parseDate parses a local date "2006-01-02" into a civil day number.
func parseDate(s string) (int64, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return civilDay(t), nil
}

const minutesPerDay = 24 * 60

// parseClock parses "H:MM" or "HH:MM" into minutes after midnight. "24:00"
// is accepted only when allow24 is set.
func parseClock(s string, allow24 bool) (int, error) {
	hs, ms, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(hs) < 1 || len(hs) > 2 || len(ms) != 2 || !allDigits(hs) || !allDigits(ms) {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	h, m := atoi(hs), atoi(ms)
	if allow24 && h == 24 && m == 0 {
		return minutesPerDay, nil
	}
	if h > 23 || m > 59 {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	return h*60 + m, nil
}

// parseWindow parses "HH:MM-HH:MM".
func parseWindow(s string) (from, to int, err error) {
	fs, ts, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, errors.New("missing \"-\" between start and end")
	}
	if from, err = parseClock(fs, false); err != nil {
		return 0, 0, err
	}
	if to, err = parseClock(ts, true); err != nil {
		return 0, 0, err
	}
	if from == to {
		return 0, 0, errors.New("start equals end; omit between for the whole day")
	}
	return from, to, nil
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// Title is the roster's display name in lang: its name in lang, else in
// English, else in Vietnamese, else its id.
func (r Roster) Title(lang string) string {
	for _, l := range []string{lang, "en", "vi"} {
		if n := r.Name[l]; n != "" {
			return n
		}
	}
	return r.ID
}

// IsAdmin reports whether person is one of the roster's admins.
func (r Roster) IsAdmin(person string) bool { return slices.Contains(r.Admins, person) }

// WithOverrides returns a copy of r with extra added after its own
// overrides (so they win over them); r is not changed.
func (r Roster) WithOverrides(extra []Override) Roster {
	r.Overrides = append(slices.Clone(r.Overrides), extra...)
	return r
}
