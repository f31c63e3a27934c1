package bot

import (
	"strings"
	"unicode/utf8"
)

// The bot's message markup. An Outgoing's Text is plain text with one
// kind of explicit mark: a command hint (what a user could type, "/done
// 3") is written between CommandStart and CommandEnd, two private-use
// runes no keyboard produces and inbound text is stripped of (see
// StripMarks). Each platform adapter parses the text with ParseBody and
// renders the Body its own way: a command as inline code, as Slack's
// "/ir done 3", or as typed. Nothing else in the text is markup.
const (
	CommandStart = '\uE000' // opens a command hint
	CommandEnd   = '\uE001' // closes a command hint
)

// SpanKind says what a Span of a message is.
type SpanKind int

const (
	SpanText    SpanKind = iota // words, shown as they are
	SpanCommand                 // a command hint, e.g. "/done 3", shown the way the platform's users type it
)

// Span is a run of one line of a message.
type Span struct {
	Kind SpanKind
	Text string // never contains a mark or a line break
}

// Body is a message in the neutral model: an optional headline and the
// lines under it, each a list of spans. Rendering it joins Title and Lines
// with line breaks.
type Body struct {
	// Title is the headline: the first line of a message that has more
	// than one line and whose first line shows something ("🚨 IR-7 · SEV1
	// · Ransomware"). Platforms show it bold. Nil when there is none.
	Title []Span
	// Lines are the other lines, in order; an empty line has no spans.
	Lines [][]Span
}

// Command returns line marked as a command hint, for text in the bot's
// markup: Command("/done 3"). Marks already in line are dropped and line
// breaks become spaces, since a hint is one line; a blank line returns "".
func Command(line string) string {
	line = strings.ReplaceAll(StripMarks(line), "\n", " ")
	if strings.TrimSpace(line) == "" {
		return ""
	}
	return string(CommandStart) + line + string(CommandEnd)
}

// IsMark reports whether r is one of the markup's marks.
func IsMark(r rune) bool { return r == CommandStart || r == CommandEnd }

// StripMarks returns s without its marks: text as a reader sees it with
// every command shown as written. Inbound text goes through it, so no
// user can forge a command hint. Bytes that are not UTF-8 become U+FFFD
// (they could otherwise join into a mark once the marks between them are
// gone).
func StripMarks(s string) string {
	s = validUTF8(s)
	if !strings.ContainsFunc(s, IsMark) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if IsMark(r) {
			return -1
		}
		return r
	}, s)
}

// validUTF8 replaces each run of bytes of s that is not UTF-8 with U+FFFD.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, string(utf8.RuneError))
}

// ParseBody reads text in the bot's markup. A command hint is one line: a
// CommandStart whose line has no CommandEnd after it, a CommandEnd without
// a CommandStart, and a CommandStart inside a hint are dropped, never
// shown; a hint with nothing but spaces in it is text. Bytes that are not
// UTF-8 read as U+FFFD. It never fails; b.Plain() is StripMarks(text).
// ParseBody(b.String()) equals b for every Body it returns.
func ParseBody(text string) Body {
	raw := strings.Split(validUTF8(text), "\n")
	lines := make([][]Span, len(raw))
	for i, l := range raw {
		lines[i] = parseLine(l)
	}
	var b Body
	if len(lines) > 1 && strings.TrimSpace(PlainLine(lines[0], nil)) != "" {
		b.Title, lines = lines[0], lines[1:]
	}
	b.Lines = lines
	return b
}

// parseLine splits one line into spans, merging neighbours of one kind.
func parseLine(line string) []Span {
	var spans []Span
	add := func(k SpanKind, s string) {
		if s == "" {
			return
		}
		if k == SpanCommand && strings.TrimSpace(s) == "" {
			k = SpanText
		}
		if n := len(spans); n > 0 && spans[n-1].Kind == k && k == SpanText {
			spans[n-1].Text += s
			return
		}
		spans = append(spans, Span{Kind: k, Text: s})
	}
	for line != "" {
		open := strings.IndexRune(line, CommandStart)
		if open < 0 {
			add(SpanText, StripMarks(line))
			break
		}
		add(SpanText, StripMarks(line[:open]))
		rest := line[open+len(string(CommandStart)):]
		end := strings.IndexRune(rest, CommandEnd)
		if end < 0 { // unclosed: the mark is dropped
			line = rest
			continue
		}
		add(SpanCommand, StripMarks(rest[:end]))
		line = rest[end+len(string(CommandEnd)):]
	}
	return spans
}

// String returns b in the bot's markup, the text ParseBody reads back as
// b.
func (b Body) String() string { return b.render(writeMarked) }

// Plain returns b as plain text, every command as written.
func (b Body) Plain() string { return b.PlainWith(nil) }

// PlainWith returns b as plain text with each command hint replaced by
// command(hint): how the platform's users type it (Slack's "/ir ack IR-7").
// A nil command leaves hints as written.
func (b Body) PlainWith(command func(line string) string) string {
	return b.render(func(sb *strings.Builder, s Span) {
		if s.Kind == SpanCommand && command != nil {
			sb.WriteString(command(s.Text))
			return
		}
		sb.WriteString(s.Text)
	})
}

// render writes the title and the lines, one a line, each span with w.
func (b Body) render(w func(*strings.Builder, Span)) string {
	var sb strings.Builder
	line := func(spans []Span) {
		for _, s := range spans {
			w(&sb, s)
		}
	}
	if b.Title != nil {
		line(b.Title)
		sb.WriteByte('\n')
	}
	for i, l := range b.Lines {
		if i > 0 {
			sb.WriteByte('\n')
		}
		line(l)
	}
	return sb.String()
}

// writeMarked writes s in the markup.
func writeMarked(sb *strings.Builder, s Span) {
	if s.Kind == SpanCommand {
		sb.WriteRune(CommandStart)
		sb.WriteString(s.Text)
		sb.WriteRune(CommandEnd)
		return
	}
	sb.WriteString(s.Text)
}

// PlainLine returns one line's spans as plain text with each command hint
// replaced by command(hint) (nil: as written).
func PlainLine(spans []Span, command func(line string) string) string {
	return Body{Lines: [][]Span{spans}}.PlainWith(command)
}
