package oncall

import (
	"strings"
	"time"
	"unicode/utf8"
)

// icsStamp is the RFC 5545 UTC DATE-TIME layout.
const icsStamp = "20060102T150405Z"

// ICS renders the next n shifts of s from instant from (as returned by
// s.Next(from, n)) as an iCalendar (RFC 5545) VCALENDAR with one VEVENT per
// shift. r supplies the roster id and display name and should be the roster
// s was compiled from; if s is nil, ICS compiles r itself and renders no
// events if that fails.
//
// Each VEVENT has a UID stable per roster id and shift start
// ("<start>-<roster id>@irbot"), DTSTART and DTEND in UTC (e.g.
// 20260105T003000Z), SUMMARY "Trực ban: <person>", and DTSTAMP set to from
// (the function never reads the clock). Lines end in CRLF and are folded so
// that no line exceeds 75 octets, never splitting a UTF-8 sequence; TEXT
// values are escaped.
func ICS(s *Schedule, r Roster, from time.Time, n int) string {
	if s == nil {
		s, _ = Compile(r)
	}
	var b strings.Builder
	line := func(parts ...string) { writeFolded(&b, strings.Join(parts, "")) }

	name := r.Name["vi"]
	if name == "" {
		name = r.Name["en"]
	}
	if name == "" {
		name = r.ID
	}
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//irbot//oncall//VI")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	if name != "" {
		line("X-WR-CALNAME:", escapeText(name))
	}
	if s != nil {
		line("X-WR-TIMEZONE:", s.Location().String())
		stamp := from.UTC().Format(icsStamp)
		for _, sh := range s.Next(from, n) {
			start := sh.Start.UTC().Format(icsStamp)
			line("BEGIN:VEVENT")
			line("UID:", escapeText(start+"-"+r.ID+"@irbot"))
			line("DTSTAMP:", stamp)
			line("DTSTART:", start)
			line("DTEND:", sh.End.UTC().Format(icsStamp))
			line("SUMMARY:", escapeText("Trực ban: "+sh.Person))
			if name != "" {
				line("DESCRIPTION:", escapeText(name+" ("+sh.Layer+")"))
			} else {
				line("DESCRIPTION:", escapeText(sh.Layer))
			}
			line("END:VEVENT")
		}
	}
	line("END:VCALENDAR")
	return b.String()
}

// escapeText escapes an RFC 5545 TEXT value.
func escapeText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// writeFolded writes one content line, folded at 75 octets (continuation
// lines start with a space), terminated by CRLF.
func writeFolded(b *strings.Builder, s string) {
	const limit = 75
	max := limit
	for len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		max = limit - 1 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
