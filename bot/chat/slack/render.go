package slack

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
)

// Slack's Block Kit limits.
const (
	maxButtonValue  = 2000 // a button's value
	maxButtonText   = 75   // a button's label
	maxActionsPer   = 25   // elements of one actions block
	maxBlocks       = 50   // blocks of one message
	maxFallbackText = 4000 // the notification text we send beside the blocks
	buttonPrefix    = "irbtn:"
)

// Escape escapes the three characters Slack's mrkdwn gives a meaning to
// (&, < and >), so Slack shows s as typed.
func Escape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Render turns text in the bot's markup (bot.ParseBody) into the mrkdwn
// texts of one or more sections, each at most MaxSectionText characters:
// the headline bold (unless it has a '*' that would end the bold early),
// &, < and > escaped, and each command hint as inline code, written the
// way Slack users type it: "/ir ack IR-7" for a command of commands (see
// Config.Commands), as written otherwise. Sections break between lines
// where they can.
func Render(text string, commands ...string) []string {
	names := map[string]bool{}
	for _, c := range commands {
		names[c] = true
	}
	return render(text, names)
}

func render(text string, commands map[string]bool) []string {
	b := bot.ParseBody(strings.TrimRight(text, "\n "))
	if strings.TrimSpace(b.Plain()) == "" {
		return nil
	}
	var lines []string // mrkdwn, one a line, none longer than a section
	if b.Title != nil {
		head := mrkdwnLine(b.Title, commands)
		if h := strings.TrimSpace(head); !strings.Contains(bot.PlainLine(b.Title, nil), "*") &&
			utf8.RuneCountInString(h) <= MaxSectionText-2 {
			head = "*" + h + "*"
		}
		lines = append(lines, mrkdwnParts(bot.Body{Lines: [][]bot.Span{b.Title}}.String(), head, commands)...)
	}
	for _, l := range b.Lines {
		line := bot.Body{Lines: [][]bot.Span{l}}.String()
		lines = append(lines, mrkdwnParts(line, mrkdwnLine(l, commands), commands)...)
	}
	var out []string
	cur, n := "", -1 // the section being filled and its length, -1 = none yet
	for _, l := range lines {
		ln := utf8.RuneCountInString(l)
		if n >= 0 && n+1+ln <= MaxSectionText {
			cur, n = cur+"\n"+l, n+1+ln
			continue
		}
		if n >= 0 {
			out = append(out, strings.TrimRight(cur, "\n "))
		}
		cur, n = l, ln
		if strings.TrimSpace(l) == "" { // a section does not open with a blank line
			cur, n = "", -1
		}
	}
	if n >= 0 {
		out = append(out, strings.TrimRight(cur, "\n "))
	}
	return out
}

// mrkdwnParts returns line (its markup, and rendered as mrkdwn) as one
// part, or, when the mrkdwn is longer than a section, cut with chat.Split
// into parts that fit, each rendered.
func mrkdwnParts(marked, mrkdwn string, commands map[string]bool) []string {
	if utf8.RuneCountInString(mrkdwn) <= MaxSectionText {
		return []string{mrkdwn}
	}
	var out []string
	n := utf8.RuneCountInString(bot.StripMarks(marked))
	for _, p := range chat.Split(marked, max(n/2, 1)) {
		out = append(out, mrkdwnParts(p, mrkdwnLine(bot.ParseBody(p).Lines[0], commands), commands)...)
	}
	return out
}

// mrkdwnLine renders one line's spans as mrkdwn.
func mrkdwnLine(spans []bot.Span, commands map[string]bool) string {
	var b strings.Builder
	for _, s := range spans {
		if s.Kind != bot.SpanCommand {
			b.WriteString(Escape(s.Text))
			continue
		}
		c := slashForm(s.Text, commands)
		if strings.Contains(c, "`") { // no way to escape it inside code
			b.WriteString(Escape(c))
			continue
		}
		b.WriteString("`" + Escape(c) + "`")
	}
	return b.String()
}

// slashForm returns a command hint as Slack users type it: "/ack IR-7"
// is "/ir ack IR-7" when ack is one of commands, since in Slack a message
// beginning with "/ack" is taken as a slash command of its own. Other
// hints are as written.
func slashForm(hint string, commands map[string]bool) string {
	rest, ok := strings.CutPrefix(hint, "/")
	if !ok {
		return hint
	}
	name, _, _ := strings.Cut(rest, " ")
	if !commands[strings.ToLower(name)] {
		return hint
	}
	return "/ir " + rest
}

// plain returns text as plain text with its command hints in the Slack
// form (the notification text, a file's comment).
func (a *Adapter) plain(text string) string {
	return bot.ParseBody(text).PlainWith(func(hint string) string { return slashForm(hint, a.commands) })
}

// blocks builds m's Block Kit blocks and its notification text: sections
// for the text, then actions blocks with the buttons.
func (a *Adapter) blocks(ctx context.Context, m bot.Outgoing) ([]slackapi.Block, string, error) {
	var blocks []slackapi.Block
	sections := render(m.Text, a.commands)
	nButtons := len(m.Buttons)
	room := maxBlocks - (nButtons+maxActionsPer-1)/maxActionsPer
	if len(sections) > room {
		sections = append(sections[:room-1], "…")
	}
	for _, s := range sections {
		// verbatim: Slack does not turn words like "@channel" in a title
		// into notifications.
		blocks = append(blocks, slackapi.NewSectionBlock(slackapi.NewTextBlockObject(slackapi.MarkdownType, s, false, true), nil, nil))
	}
	var elems []slackapi.BlockElement
	for i, btn := range m.Buttons {
		if btn.Data == "" {
			continue
		}
		value := btn.Data
		if len(value) > maxButtonValue || strings.HasPrefix(value, buttonPrefix) {
			var err error
			if value, err = a.storeButton(ctx, btn.Data); err != nil {
				return nil, "", err
			}
		}
		label := strings.TrimSpace(btn.Label)
		if label == "" {
			label = btn.Data
		}
		e := slackapi.NewButtonBlockElement(actionID(i, btn.Data), value,
			slackapi.NewTextBlockObject(slackapi.PlainTextType, clipRunes(label, maxButtonText), true, false))
		elems = append(elems, e)
	}
	for len(elems) > 0 {
		n := min(len(elems), maxActionsPer)
		blocks = append(blocks, slackapi.NewActionBlock("", elems[:n]...))
		elems = elems[n:]
	}
	fallback := Escape(clipRunes(strings.TrimSpace(a.plain(m.Text)), maxFallbackText))
	if fallback == "" {
		fallback = "…"
	}
	return blocks, fallback, nil
}

// actionID names button i of a message: unique within the message and the
// same for the same button on every render.
func actionID(i int, data string) string {
	sum := sha256.Sum256([]byte(data))
	return fmt.Sprintf("irbot_%d_%s", i, base64.RawURLEncoding.EncodeToString(sum[:])[:8])
}

// storeButton keeps data longer than a button value may be in the store
// and returns the short value sent instead ("irbtn:" and 16 characters of
// its SHA-256).
func (a *Adapter) storeButton(ctx context.Context, data string) (string, error) {
	sum := sha256.Sum256([]byte(data))
	h := base64.RawURLEncoding.EncodeToString(sum[:])[:16]
	a.mu.Lock()
	known := a.btnSeen[h]
	a.mu.Unlock()
	if !known {
		if err := a.put(ctx, map[string]string{keyButton + h: data}); err != nil {
			return "", err
		}
		a.mu.Lock()
		a.btnSeen[h] = true
		a.mu.Unlock()
	}
	return buttonPrefix + h, nil
}

// buttonData resolves a pressed button's value to the data the engine
// gave; ok is false for a stored value that is gone.
func (a *Adapter) buttonData(ctx context.Context, value string) (string, bool, error) {
	h, stored := strings.CutPrefix(value, buttonPrefix)
	if !stored {
		return value, true, nil
	}
	v, err := a.getKV(ctx, keyButton+h)
	if err != nil {
		return "", false, err
	}
	return v, v != "", nil
}

// clipRunes cuts s to at most n runes, ending in "…" when cut.
func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
