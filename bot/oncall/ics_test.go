package oncall

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestICSGolden(t *testing.T) {
	r := Roster{
		ID:     "hn-noc",
		Name:   map[string]string{"vi": "Trực ban NOC", "en": "NOC duty"},
		Layers: []Layer{{Name: "ngay", Handoff: "07:30", Members: []string{"an", "binh"}}},
	}
	s := mustCompile(t, r)
	got := ICS(s, r, ts(t, "2026-01-05T08:00:00+07:00"), 2)
	want := strings.Join([]string{
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//irbot//oncall//VI",
		"CALSCALE:GREGORIAN",
		"METHOD:PUBLISH",
		"X-WR-CALNAME:Trực ban NOC",
		"X-WR-TIMEZONE:Asia/Ho_Chi_Minh",
		"BEGIN:VEVENT",
		"UID:20260105T003000Z-hn-noc@irbot",
		"DTSTAMP:20260105T010000Z",
		"DTSTART:20260105T003000Z",
		"DTEND:20260106T003000Z",
		"SUMMARY:Trực ban: an",
		"DESCRIPTION:Trực ban NOC (ngay)",
		"END:VEVENT",
		"BEGIN:VEVENT",
		"UID:20260106T003000Z-hn-noc@irbot",
		"DTSTAMP:20260105T010000Z",
		"DTSTART:20260106T003000Z",
		"DTEND:20260107T003000Z",
		"SUMMARY:Trực ban: binh",
		"DESCRIPTION:Trực ban NOC (ngay)",
		"END:VEVENT",
		"END:VCALENDAR",
		"",
	}, "\r\n")
	if got != want {
		t.Errorf("ICS mismatch\n got:\n%s\nwant:\n%s", got, want)
	}

	// UIDs are stable per roster and shift start, whatever the query time.
	later := ICS(s, r, ts(t, "2026-01-05T20:00:00+07:00"), 1)
	if !strings.Contains(later, "UID:20260105T003000Z-hn-noc@irbot\r\n") {
		t.Errorf("UID changed with the query time:\n%s", later)
	}
	// A nil schedule compiles the roster itself.
	if nilSched := ICS(nil, r, ts(t, "2026-01-05T08:00:00+07:00"), 2); nilSched != want {
		t.Errorf("ICS(nil, r, ...) differs from ICS(s, r, ...):\n%s", nilSched)
	}
}

func TestICSFolding(t *testing.T) {
	long := "Trực ban Trung tâm Giám sát An toàn thông tin mạng, Hà Nội; lịch trực 24/7 của các đơn vị"
	person := "Nguyễn Thị Phương Thảo (Phòng Ứng cứu sự cố An toàn thông tin, Cục An toàn thông tin)"
	r := Roster{
		ID:        "hn-noc",
		Name:      map[string]string{"vi": long},
		TimeZone:  "Europe/Berlin",
		Layers:    []Layer{{Name: "ngay", Handoff: "07:30", Start: "2026-03-28", Members: []string{person, "b"}}},
		Overrides: nil,
	}
	s := mustCompile(t, r)
	out := ICS(s, r, ts(t, "2026-03-28T12:00:00+01:00"), 2)

	if !strings.HasSuffix(out, "END:VCALENDAR\r\n") {
		t.Errorf("output does not end with END:VCALENDAR CRLF")
	}
	if strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") || strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\r") {
		t.Errorf("bare LF or CR in output")
	}
	physical := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
	folded := 0
	for i, line := range physical {
		if len(line) > 75 {
			t.Errorf("line %d is %d octets (> 75): %q", i, len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d splits a UTF-8 sequence: %q", i, line)
		}
		if strings.HasPrefix(line, " ") {
			folded++
		}
	}
	if folded < 3 {
		t.Errorf("expected long lines to be folded, got %d continuation lines:\n%s", folded, out)
	}

	unfolded := strings.ReplaceAll(out, "\r\n ", "")
	for _, want := range []string{
		"\r\nX-WR-CALNAME:Trực ban Trung tâm Giám sát An toàn thông tin mạng\\, Hà Nội\\; lịch trực 24/7 của các đơn vị\r\n",
		"\r\nSUMMARY:Trực ban: " + strings.ReplaceAll(person, ",", "\\,") + "\r\n",
		// DST: the 07:30 shift on the spring-forward day is 23h long.
		"\r\nDTSTART:20260328T063000Z\r\nDTEND:20260329T053000Z\r\n",
		"\r\nDTSTART:20260329T053000Z\r\nDTEND:20260330T053000Z\r\n",
		"\r\nX-WR-TIMEZONE:Europe/Berlin\r\n",
	} {
		if !strings.Contains(unfolded, want) {
			t.Errorf("unfolded output lacks %q:\n%s", want, unfolded)
		}
	}
}

func TestWriteFolded(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"short", "BEGIN:VEVENT", "BEGIN:VEVENT\r\n"},
		{"exactly 75", a(75), a(75) + "\r\n"},
		{"76 folds", a(76), a(75) + "\r\n a\r\n"},
		{"continuations hold 74 plus the space", a(160), a(75) + "\r\n " + a(74) + "\r\n " + a(11) + "\r\n"},
		{"does not split UTF-8", a(74) + "ự", a(74) + "\r\n ự\r\n"},
		{"multi-byte at the edge fits", a(72) + "ự", a(72) + "ự\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			writeFolded(&b, tc.in)
			if got := b.String(); got != tc.want {
				t.Errorf("writeFolded(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestEscapeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{`a,b;c\d`, `a\,b\;c\\d`},
		{"line1\nline2\r\nline3", `line1\nline2\nline3`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := escapeText(tc.in); got != tc.want {
				t.Errorf("escapeText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
