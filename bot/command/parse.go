package command

import (
	"strings"
	"unicode"
	"unicode/utf8"

	irbot "github.com/irbot/irbot/bot" // "bot" is the bot's name in this package's tests
)

// mode is how a message addressed the bot.
type mode int

const (
	modePlain    mode = iota // "ack 12": first word happens to be a command
	modeIRPlain              // "ir ack 12": plain, but with the "ir" prefix
	modeExplicit             // "/ack", "/ir ack", "@IrBot ack"
)

// parser holds the per-call state of Parse. Nothing is shared between calls.
type parser struct {
	bot    string // bot username without '@'; "" disables the checks
	prefix string // incident prefix, e.g. "IR"
	max    int    // longest message in characters
	n      int    // length of the trimmed message in characters
}

// tooLong reports whether the message is over the limit.
func (p *parser) tooLong() bool { return p.n > p.max }

// maxPlainScan is the longest plain message, in bytes, whose arguments are
// still parsed to tell whether an over-long message was meant as a command.
// Longer plain text is ordinary chat without further work.
const maxPlainScan = 1 << 20

// Parse turns one chat message into a Command, with the default incident
// prefix and length limit. It is ParseWith(text, &Options{BotName: botName}).
//
// botName is the bot's username without '@' (a leading '@' is ignored),
// compared case-insensitively with "/ack@IrBot" suffixes and "@IrBot"
// mentions. If botName is empty, any "/cmd@suffix" is accepted and the
// mention form is not recognized.
//
// Parse returns ErrNotCommand for ordinary chat, ErrNotForMe for commands
// addressed to another bot, *UnknownError for an unknown word after "/",
// "/ir" or "@IrBot", *UsageError for bad or missing arguments and
// *TooLongError for a command longer than the limit. The grammar, including
// the rule for telling a leading number that is an incident ref from one
// that is a step number or part of the text, is described in the package
// documentation.
func Parse(text, botName string) (Command, error) {
	return ParseWith(text, &Options{BotName: botName})
}

// ParseWith is Parse with options; a nil o gives the defaults. It is safe
// for concurrent use and keeps no state between calls.
func ParseWith(text string, o *Options) (Command, error) {
	if o == nil {
		o = &Options{}
	}
	p := &parser{
		bot:    strings.TrimPrefix(strings.TrimSpace(o.BotName), "@"),
		prefix: strings.TrimSpace(o.Prefix),
		max:    o.MaxLen,
	}
	if p.prefix == "" {
		p.prefix = DefaultPrefix
	}
	if p.max <= 0 {
		p.max = DefaultMaxLen
	}
	// Invalid UTF-8 becomes U+FFFD, and the marks of the bot's message
	// markup go: no one can type a command hint into a title or a note.
	s := strings.TrimSpace(irbot.StripMarks(text))
	p.n = utf8.RuneCountInString(s)
	switch {
	case s == "":
		return Command{}, ErrNotCommand
	case s[0] == '/':
		return p.slash(s)
	case s[0] == '@':
		return p.mention(s)
	}
	return p.body(s, modePlain)
}

// slash handles "/cmd[@bot] args…".
func (p *parser) slash(s string) (Command, error) {
	tok, after := firstWord(s)
	word, target, _ := strings.Cut(tok[1:], "@")
	if !commandLike(word) {
		return Command{}, ErrNotCommand
	}
	target = strings.TrimRight(target, ".,!?:;")
	if target != "" && p.bot != "" && !strings.EqualFold(target, p.bot) {
		return Command{}, ErrNotForMe
	}
	return p.body(word+after, modeExplicit)
}

// mention handles "@IrBot[:,] args…".
func (p *parser) mention(s string) (Command, error) {
	tok, after := firstWord(s)
	name := strings.TrimRight(tok[1:], ":,")
	if p.bot == "" || !strings.EqualFold(name, p.bot) {
		return Command{}, ErrNotCommand
	}
	rest := strings.TrimSpace(after)
	if strings.HasPrefix(rest, "/") {
		return p.slash(rest)
	}
	return p.body(rest, modeExplicit)
}

// body parses "cmd args…" (or a reply code) once the addressing is known.
// Only the first few words are split here, so that a huge message costs
// linear time before the length limit rejects it.
func (p *parser) body(s string, m mode) (Command, error) {
	for {
		if c, ok, err := replyCode(s); ok {
			return p.finish(c, err)
		}
		w, rest := firstWord(s)
		if w == "" {
			if m != modeExplicit {
				return Command{}, ErrNotCommand // plain "ir" alone
			}
			return p.finish(Command{Name: Help}, nil) // "/ir", "@IrBot"
		}
		if foldKey(w) != "ir" {
			break
		}
		// "ir ack", "/ir ack", "@IrBot ir ack": drop the prefix.
		s = strings.TrimSpace(rest)
		if m == modePlain {
			m = modeIRPlain
		}
	}
	toks := tokenizeN(s, 4)
	if m != modePlain && foldKey(toks[0].s) == "start" {
		// Telegram: "/start" on first contact, "/start CODE" from a deep link.
		rest := strings.TrimSpace(s[toks[0].end:])
		if rest == "" {
			return p.finish(Command{Name: Help}, nil)
		}
		if p.tooLong() {
			return Command{}, p.tooLongErr(Link)
		}
		c, err := p.args(Link, rest)
		return p.finish(c, err)
	}
	name, k, ok := resolve(toks)
	if !ok {
		if m == modeExplicit {
			return Command{}, &UnknownError{Word: clip(toks[0].s, maxWord), Suggest: suggest(toks[0].s)}
		}
		return Command{}, ErrNotCommand
	}
	if m == modePlain && vocative(toks, k) {
		return Command{}, ErrNotCommand
	}
	rest := strings.TrimSpace(s[toks[k-1].end:])
	if p.tooLong() {
		if m != modePlain {
			return Command{}, p.tooLongErr(name) // clearly addressed: no need to look further
		}
		if len(s) > maxPlainScan {
			return Command{}, ErrNotCommand
		}
	}
	c, err := p.args(name, rest)
	if err != nil && m == modePlain && rest != "" && !p.namesIncident(rest) {
		// Plain chat that merely starts with a command word ("xong rồi").
		// One that names an incident ("huỷ IR-2") is meant for the bot:
		// it gets the usage.
		return Command{}, ErrNotCommand
	}
	if err == nil && m == modePlain && c.Text != "" && sentenceWord(name) {
		// "xong 4 máy rồi", "bỏ qua 5 vì không có", "xử lý máy chủ trước":
		// a sentence that starts like a command. Without "/" these
		// commands are only the word and its numbers ("xong 4"); with
		// words after it, it is chat.
		return Command{}, ErrNotCommand
	}
	return p.finish(c, err)
}

// sentenceWord reports whether a command's word, typed without "/", often
// opens an ordinary sentence ("gọi Bình giúp em", "set it up"), and the
// command changes the incident or pages someone: its plain form takes no
// free text. (/cancel and /close are guarded by the engine, which asks for
// the incident to be named. "ghi chú …" stays a note without "/": it is
// how Zalo users, who type every command, add one.)
func sentenceWord(name Name) bool {
	switch name {
	case Done, Skip, Resolve, Reopen, Escalate, Sev, Next, Page, Set:
		return true
	}
	return false
}

// maxWord is the longest UnknownError.Word, in bytes.
const maxWord = 64

// clip shortens s to at most n bytes without splitting a rune.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// finish applies the length limit to a parsed command.
func (p *parser) finish(c Command, err error) (Command, error) {
	if err != nil {
		return Command{}, err
	}
	if p.tooLong() {
		return Command{}, p.tooLongErr(c.Name)
	}
	return c, nil
}

// tooLongErr is the error for an over-long message recognized as command n.
func (p *parser) tooLongErr(n Name) error {
	return &TooLongError{Name: n, N: p.n, Max: p.max}
}

// replyCode parses the reply codes "<n>a", "<n>d<k>", "<n>s<k>", "<n>n",
// "<n>r" and "<n>e", and for d, s, r and e a note after them, separated by
// whitespace ("1d2 đã kiểm tra"). Spaces may separate the parts of a code
// without a note ("12 d 3"); a code followed by a note must be written
// without them, so chat such as "2 e trực đêm nay" (two "em") stays chat.
// ok is false when s is not a reply code at all; an out-of-range number is
// a UsageError.
func replyCode(s string) (c Command, ok bool, err error) {
	digits := func(s string) (string, string) {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return s[:i], s[i:]
	}
	trim := func(s string) (string, bool) {
		t := strings.TrimLeftFunc(s, unicode.IsSpace)
		return t, len(t) < len(s)
	}
	ref, rest := digits(s)
	if ref == "" {
		return Command{}, false, nil
	}
	rest, spaced := trim(rest)
	if rest == "" {
		return Command{}, false, nil
	}
	c = Command{Code: true}
	switch rest[0] | 0x20 { // ASCII lower case
	case 'a':
		c.Name = Ack
	case 'n':
		c.Name = Next
	case 'r':
		c.Name = Resolve
	case 'e':
		c.Name = Escalate
	case 'd':
		c.Name = Done
	case 's':
		c.Name = Skip
	default:
		return Command{}, false, nil
	}
	rest = rest[1:]
	var step string
	if c.Name == Done || c.Name == Skip {
		var sp bool
		rest, sp = trim(rest)
		if step, rest = digits(rest); step == "" {
			return Command{}, false, nil
		}
		spaced = spaced || sp
	}
	note, sep := trim(rest)
	switch {
	case note == "":
	case !sep: // "12ab", "3d2x", "1e6"
		return Command{}, false, nil
	case spaced || c.Name == Ack || c.Name == Next:
		return Command{}, false, nil
	}
	if c.Ref, _ = number(ref); c.Ref == 0 {
		return Command{}, true, &UsageError{Name: c.Name, Reason: "invalid incident number"}
	}
	if step != "" {
		if c.Step, _ = number(step); c.Step == 0 {
			return Command{}, true, &UsageError{Name: c.Name, Reason: "invalid step number"}
		}
	}
	c.Text = note
	return c, true, nil
}

// vocative reports whether a plain message starting with a command word of
// k tokens actually addresses a person of that name, the Vietnamese way:
// "Huy ơi, xem giúp" or "Đông, check giúp" (Huy, Đông and Tiệp are common
// names that fold to the aliases huy, dong and tiep).
func vocative(toks []token, k int) bool {
	if k != 1 { // names are one syllable; "xác nhận," is not a name
		return false
	}
	return strings.HasSuffix(toks[0].s, ",") || (len(toks) > 1 && foldKey(toks[1].s) == "oi")
}

// namesIncident reports whether rest starts with an incident reference
// written as one ("IR-2", "#2"), not a bare number.
func (p *parser) namesIncident(rest string) bool {
	w, _ := firstWord(rest)
	_, ok := markedRef(w, p.prefix)
	return ok
}
