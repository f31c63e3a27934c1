package chat

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/irbot/irbot/bot"
)

// Split cuts text, in the bot's markup (bot.ParseBody), into parts of at
// most max characters a reader sees, preferring line breaks, then spaces
// outside command hints, and never cutting inside a UTF-8 sequence or
// between a base character and the combining marks that follow it
// (Vietnamese written in decomposed form keeps its diacritics). The marks
// of the markup are not counted, and each part is markup of its own: a
// command hint cut in two (only when it is longer than a part can be) is
// closed at the end of one part and opened again at the start of the next.
// max <= 0 means no limit.
func Split(text string, max int) []string {
	if max <= 0 || visible(text) <= max {
		return []string{text}
	}
	var parts []string
	for visible(text) > max {
		cut, split := cutPoint(text, max)
		part := strings.TrimRight(text[:cut], "\n ")
		rest := strings.TrimLeft(text[cut:], "\n")
		if split {
			part += string(bot.CommandEnd)
			rest = string(bot.CommandStart) + rest
		}
		parts = append(parts, part)
		text = rest
	}
	if text != "" {
		parts = append(parts, text)
	}
	return parts
}

// visible counts the runes of s a reader sees: all but the marks.
func visible(s string) int {
	n := 0
	for _, r := range s {
		if !bot.IsMark(r) {
			n++
		}
	}
	return n
}

// hints returns the byte ranges [start, end] of s's command hints as
// bot.ParseBody reads them: from a CommandStart to the first CommandEnd
// after it on its line (a mark left open at the end of its line is no
// hint).
func hints(s string) [][2]int {
	var out [][2]int
	open := -1
	for i, r := range s {
		switch {
		case r == '\n':
			open = -1
		case r == bot.CommandStart && open < 0:
			open = i
		case r == bot.CommandEnd && open >= 0:
			out = append(out, [2]int{open, i})
			open = -1
		}
	}
	return out
}

// inHint reports whether cutting s at byte offset i would cut the hint of
// one of ranges in two.
func inHint(ranges [][2]int, i int) bool {
	for _, h := range ranges {
		if h[0] < i && i <= h[1] {
			return true
		}
	}
	return false
}

// cutPoint returns a byte offset of s, after at most max visible runes,
// where s may be cut, and whether the cut is inside a command hint.
func cutPoint(s string, max int) (int, bool) {
	limit := 0 // byte offset after max visible runes
	for n := 0; n < max && limit < len(s); {
		r, size := utf8.DecodeRuneInString(s[limit:])
		limit += size
		if !bot.IsMark(r) {
			n++
		}
	}
	lineEnd := len(s)
	if j := strings.IndexByte(s[limit:], '\n'); j >= 0 {
		lineEnd = limit + j
	}
	ranges := hints(s[:lineEnd])
	if i := strings.LastIndexByte(s[:limit], '\n'); i > limit/2 {
		return i + 1, false
	}
	for i := strings.LastIndexByte(s[:limit], ' '); i > limit/2; i = strings.LastIndexByte(s[:i], ' ') {
		if !inHint(ranges, i) {
			return i + 1, false
		}
	}
	// Hard cut: step back over combining marks so a letter keeps its accents.
	cut := limit
	for cut > 0 {
		r, _ := utf8.DecodeRuneInString(s[cut:])
		if !unicode.Is(unicode.Mn, r) && r != '\u200d' {
			break
		}
		_, n := utf8.DecodeLastRuneInString(s[:cut])
		cut -= n
	}
	if cut == 0 {
		cut = limit
	}
	return cut, inHint(ranges, cut)
}
