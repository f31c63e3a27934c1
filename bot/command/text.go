package command

import (
	"strings"
	"unicode"
)

// Vietnamese vowels with diacritics (lower case, precomposed), by base letter.
const (
	vnA = "àáảãạăằắẳẵặâầấẩẫậ"
	vnE = "èéẻẽẹêềếểễệ"
	vnI = "ìíỉĩị"
	vnO = "òóỏõọôồốổỗộơờớởỡợ"
	vnU = "ùúủũụưừứửữự"
	vnY = "ỳýỷỹỵ"
)

// foldRune maps a lower-case Vietnamese letter to its unaccented base.
func foldRune(r rune) rune {
	if r < 0x80 {
		return r
	}
	switch {
	case r == 'đ':
		return 'd'
	case strings.ContainsRune(vnA, r):
		return 'a'
	case strings.ContainsRune(vnE, r):
		return 'e'
	case strings.ContainsRune(vnI, r):
		return 'i'
	case strings.ContainsRune(vnO, r):
		return 'o'
	case strings.ContainsRune(vnU, r):
		return 'u'
	case strings.ContainsRune(vnY, r):
		return 'y'
	}
	return r
}

// foldKey normalizes a command word for lookup: trailing ".,!?:;" dropped,
// lower-cased, Vietnamese diacritics removed (precomposed or combining),
// and '-', '_' and invisible format characters dropped.
func foldKey(s string) string {
	s = strings.TrimRight(s, ".,!?:;")
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		plain = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')
	}
	if plain {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r == '-' || r == '_' || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		b.WriteRune(foldRune(unicode.ToLower(r)))
	}
	return b.String()
}

// token is one whitespace-separated word of a string and its byte span.
type token struct {
	s          string
	start, end int
}

// tokenize splits s at Unicode whitespace, remembering where each word is.
func tokenize(s string) []token { return tokenizeN(s, -1) }

// tokenizeN is tokenize stopping after max words (all words if max < 0).
func tokenizeN(s string, max int) []token {
	var toks []token
	start := -1
	for i, r := range s {
		if unicode.IsSpace(r) {
			if start >= 0 {
				toks = append(toks, token{s[start:i], start, i})
				start = -1
				if len(toks) == max {
					return toks
				}
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		toks = append(toks, token{s[start:], start, len(s)})
	}
	return toks
}

// firstWord splits s (already trimmed) into its first word and the rest,
// which still starts with the separating whitespace.
func firstWord(s string) (word, rest string) {
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// commandLike reports whether w could be a slash command word: letters,
// marks, digits, '_' and '-', optionally followed by ".,!?:;". Anything
// else ("/etc/passwd", "/¯\_(ツ)_/¯") is ordinary text.
func commandLike(w string) bool {
	w = strings.TrimRight(w, ".,!?:;")
	if w == "" || len(w) > 64 {
		return false
	}
	for _, r := range w {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) ||
			unicode.Is(unicode.Cf, r) || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// number parses a bare decimal number, ignoring a trailing ".,:;".
// isNum reports whether t is all ASCII digits; n is its value, or 0 when
// the value is out of range (0, or more than 9 digits).
func number(t string) (n int, isNum bool) {
	t = strings.TrimRight(t, ".,:;")
	if t == "" {
		return 0, false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return 0, false
		}
	}
	t = strings.TrimLeft(t, "0")
	if t == "" || len(t) > 9 {
		return 0, true
	}
	for i := 0; i < len(t); i++ {
		n = n*10 + int(t[i]-'0')
	}
	return n, true
}

// markedRef parses the explicit ref forms "#7", "IR-7" and "#IR-7", where
// "IR" is prefix compared case-insensitively, ignoring a trailing ":" or
// ",". Any other word, however ref-like ("web-01", "INC-7" when the prefix
// is "IR", "CVE-2024-3094"), is not a ref. ok reports the form; n is 0
// when the number is out of range.
func markedRef(t, prefix string) (n int, ok bool) {
	t = strings.TrimRight(t, ":,")
	hash := strings.HasPrefix(t, "#")
	t = strings.TrimPrefix(t, "#")
	if t == "" {
		return 0, false
	}
	if t[0] >= '0' && t[0] <= '9' {
		if !hash { // a bare number is not a marked ref
			return 0, false
		}
		return numberStrict(t)
	}
	k := len(prefix)
	if k == 0 || len(t) <= k+1 || t[k] != '-' || !strings.EqualFold(t[:k], prefix) {
		return 0, false
	}
	return numberStrict(t[k+1:])
}

// numberStrict is number without the trailing-punctuation allowance.
func numberStrict(t string) (int, bool) {
	if strings.ContainsAny(t, ".,:;") {
		return 0, false
	}
	return number(t)
}

// cleanUser strips a leading '@' and a trailing ',' or ':' from a user
// reference and unwraps Slack's "<@U123>" / "<@U123|name>" to "U123".
func cleanUser(u string) string {
	u = strings.TrimSpace(u)
	if strings.HasPrefix(u, "<@") && strings.HasSuffix(u, ">") {
		u = u[2 : len(u)-1]
		if i := strings.IndexByte(u, '|'); i >= 0 {
			u = u[:i]
		}
		return strings.TrimSpace(u)
	}
	u = strings.TrimSpace(strings.TrimRight(u, ",:"))
	return strings.TrimSpace(strings.TrimPrefix(u, "@"))
}

// editDistance is the optimal string alignment distance (Levenshtein plus
// adjacent transpositions), so "akc" is one edit from "ack".
func editDistance(a, b []rune) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
