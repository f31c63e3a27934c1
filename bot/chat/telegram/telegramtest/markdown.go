package telegramtest

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Entity is a formatting entity of a parsed message, with offsets and
// lengths in UTF-16 code units as the Bot API counts them.
type Entity struct {
	Type     string `json:"type"`
	Offset   int    `json:"offset"`
	Length   int    `json:"length"`
	URL      string `json:"url,omitempty"`
	Language string `json:"language,omitempty"`
	EmojiID  string `json:"custom_emoji_id,omitempty"`
}

// reservedMarkdownV2 are the characters MarkdownV2 reserves: outside an
// entity's own syntax they must be escaped with a preceding backslash.
const reservedMarkdownV2 = "_*[]()~`>#+-=|{}.!"

// ParseMarkdownV2 parses text the way the Bot API does for parse_mode
// MarkdownV2 and returns the text users see and its entities. It follows
// the documented rules (and TDLib's parser): any character with code 1…126
// may be escaped with a backslash and is then an ordinary character; the
// reserved characters `_*[]()~`>#+-=|{}.!` must be escaped unless they
// open or close an entity (*bold*, _italic_, __underline__, ~strike~,
// ||spoiler||, `code`, ```pre```, [text](url), ![emoji](tg://emoji?id=…),
// > blockquote at a line start); inside code and pre only ` and \ are
// special. A failure is reported like the API's "can't parse entities"
// description.
func ParseMarkdownV2(text string) (string, []Entity, error) {
	p := &mdParser{text: text}
	return p.parse()
}

type mdOpen struct {
	typ       string // entity type as the API names it
	name      string // the name TDLib uses in error messages
	utf16     int    // start offset in the output
	byteStart int    // byte offset of the opening marker in the input
	lang      string
}

type mdParser struct {
	text     string
	out      strings.Builder
	utf16    int
	stack    []mdOpen
	entities []Entity
	quote    *Entity // the blockquote being built, if any
}

func (p *mdParser) at(i int) byte {
	if i < len(p.text) {
		return p.text[i]
	}
	return 0
}

func (p *mdParser) emit(r rune) {
	p.out.WriteRune(r)
	p.utf16 += len(utf16.AppendRune(nil, r))
}

func (p *mdParser) top() *mdOpen {
	if len(p.stack) == 0 {
		return nil
	}
	return &p.stack[len(p.stack)-1]
}

func reservedErr(c byte) error {
	return fmt.Errorf("Character '%c' is reserved and must be escaped with the preceding '\\'", c)
}

func (p *mdParser) parse() (string, []Entity, error) {
	text := p.text
	lineStart := true
	for i := 0; i < len(text); {
		c := text[i]
		if lineStart {
			lineStart = false
			if c == '>' && (p.top() == nil) {
				// A blockquote line: '>' at the start of a line.
				if p.quote == nil {
					p.quote = &Entity{Type: "blockquote", Offset: p.utf16}
				}
				i++
				continue
			}
			if p.quote != nil && p.top() == nil {
				p.closeQuote()
			}
		}
		if c == '\\' && i+1 < len(text) && text[i+1] > 0 && text[i+1] <= 126 {
			p.emit(rune(text[i+1]))
			if text[i+1] == '\n' {
				lineStart = true
			}
			i += 2
			continue
		}
		if t := p.top(); t != nil && (t.typ == "code" || t.typ == "pre") && c != '`' {
			r, n := utf8.DecodeRuneInString(text[i:])
			p.emit(r)
			i += n
			continue
		}
		if !strings.ContainsRune(reservedMarkdownV2, rune(c)) {
			r, n := utf8.DecodeRuneInString(text[i:])
			p.emit(r)
			if r == '\n' {
				lineStart = true
			}
			i += n
			continue
		}
		end := false
		if t := p.top(); t != nil {
			switch t.typ {
			case "bold":
				end = c == '*'
			case "italic":
				end = c == '_' && p.at(i+1) != '_'
			case "underline":
				end = c == '_' && p.at(i+1) == '_'
			case "strikethrough":
				end = c == '~'
			case "spoiler":
				end = c == '|' && p.at(i+1) == '|'
			case "code":
				end = c == '`'
			case "pre":
				end = c == '`' && p.at(i+1) == '`' && p.at(i+2) == '`'
			case "text_link", "custom_emoji":
				end = c == ']'
			}
		}
		if !end {
			o := mdOpen{utf16: p.utf16, byteStart: i}
			switch c {
			case '_':
				if p.at(i+1) == '_' {
					o.typ, o.name = "underline", "Underline"
					i++
				} else {
					o.typ, o.name = "italic", "Italic"
				}
			case '*':
				o.typ, o.name = "bold", "Bold"
			case '~':
				o.typ, o.name = "strikethrough", "Strikethrough"
			case '|':
				if p.at(i+1) != '|' {
					return "", nil, reservedErr(c)
				}
				o.typ, o.name = "spoiler", "Spoiler"
				i++
			case '[':
				o.typ, o.name = "text_link", "TextUrl"
			case '`':
				if p.at(i+1) == '`' && p.at(i+2) == '`' {
					o.typ, o.name = "pre", "Pre"
					i += 3
					// An optional language up to the end of the line.
					if nl := strings.IndexByte(text[i:], '\n'); nl >= 0 && !strings.ContainsAny(text[i:i+nl], "` \\") {
						o.lang = text[i : i+nl]
						i += nl + 1
					}
					p.stack = append(p.stack, o)
					continue
				}
				o.typ, o.name = "code", "Code"
			case '!':
				if p.at(i+1) != '[' {
					return "", nil, reservedErr(c)
				}
				o.typ, o.name = "custom_emoji", "CustomEmoji"
				i++
			default:
				return "", nil, reservedErr(c)
			}
			for _, s := range p.stack {
				if s.typ == o.typ {
					return "", nil, fmt.Errorf("Can't use nested %s entities at byte offset %d", o.name, o.byteStart)
				}
			}
			p.stack = append(p.stack, o)
			i++
			continue
		}
		// The end of the innermost entity.
		o := p.stack[len(p.stack)-1]
		p.stack = p.stack[:len(p.stack)-1]
		e := Entity{Type: o.typ, Offset: o.utf16, Length: p.utf16 - o.utf16}
		switch o.typ {
		case "underline", "spoiler":
			i += 2
		case "pre":
			e.Language = o.lang
			i += 3
		case "text_link", "custom_emoji":
			i++
			var url string
			if p.at(i) == '(' {
				j := i + 1
				var b strings.Builder
				for ; j < len(text) && text[j] != ')'; j++ {
					if text[j] == '\\' && j+1 < len(text) && text[j+1] > 0 && text[j+1] <= 126 {
						j++
					}
					b.WriteByte(text[j])
				}
				if j >= len(text) {
					return "", nil, fmt.Errorf("Can't find end of a URL at byte offset %d", i)
				}
				url = b.String()
				i = j + 1
			} else {
				s := p.out.String()
				url = s[byteLenOfUTF16Tail(s, e.Length):]
			}
			if o.typ == "custom_emoji" {
				id, ok := strings.CutPrefix(url, "tg://emoji?id=")
				if !ok || id == "" {
					return "", nil, fmt.Errorf("Custom emoji entity must contain a tg://emoji URL")
				}
				e.EmojiID = id
			} else {
				e.URL = url
			}
		default:
			i++
		}
		if e.Length > 0 {
			p.entities = append(p.entities, e)
		}
	}
	if t := p.top(); t != nil {
		return "", nil, fmt.Errorf("Can't find end of %s entity at byte offset %d", t.name, t.byteStart)
	}
	if p.quote != nil {
		p.closeQuote()
	}
	return p.out.String(), p.entities, nil
}

func (p *mdParser) closeQuote() {
	p.quote.Length = p.utf16 - p.quote.Offset
	if p.quote.Length > 0 {
		p.entities = append(p.entities, *p.quote)
	}
	p.quote = nil
}

// byteLenOfUTF16Tail returns the byte offset in s where its last n UTF-16
// code units start.
func byteLenOfUTF16Tail(s string, n int) int {
	i := len(s)
	for n > 0 && i > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
		n -= len(utf16.AppendRune(nil, r))
	}
	return i
}

// UTF16Len returns the length of s in UTF-16 code units.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += len(utf16.AppendRune(nil, r))
	}
	return n
}
