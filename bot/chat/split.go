package chat

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Split cuts text into parts of at most max runes, preferring line breaks,
// then spaces, and never cutting inside a UTF-8 sequence or between a base
// character and the combining marks that follow it (Vietnamese written in
// decomposed form keeps its diacritics). max <= 0 means no limit.
func Split(text string, max int) []string {
	if max <= 0 || utf8.RuneCountInString(text) <= max {
		return []string{text}
	}
	var parts []string
	for utf8.RuneCountInString(text) > max {
		cut := cutPoint(text, max)
		parts = append(parts, strings.TrimRight(text[:cut], "\n "))
		text = strings.TrimLeft(text[cut:], "\n")
	}
	if text != "" {
		parts = append(parts, text)
	}
	return parts
}

// cutPoint returns a byte offset at most max runes into s where s may be cut.
func cutPoint(s string, max int) int {
	limit := 0 // byte offset after max runes
	for i := 0; i < max; i++ {
		_, n := utf8.DecodeRuneInString(s[limit:])
		limit += n
	}
	if i := strings.LastIndexByte(s[:limit], '\n'); i > limit/2 {
		return i + 1
	}
	if i := strings.LastIndexByte(s[:limit], ' '); i > limit/2 {
		return i + 1
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
		return limit
	}
	return cut
}
