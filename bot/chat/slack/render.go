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

// Render turns the bot's plain text into the mrkdwn texts of one or more
// sections, each at most MaxSectionText characters after escaping. The
// first line is bold when the text has more than one line (the engine's
// messages open with a headline such as "🚨 IR-7 · SEV1 · Ransomware")
// and the line has no '*' that would end the bold early.
func Render(text string) []string {
	text = strings.TrimRight(text, "\n ")
	if strings.TrimSpace(text) == "" {
		return nil
	}
	var out []string
	for _, p := range chat.Split(text, MaxSectionText-2) { // room for the bold marks
		out = append(out, escapedParts(p)...)
	}
	head, rest, multi := strings.Cut(out[0], "\n")
	if h := strings.TrimSpace(head); multi && h != "" && !strings.Contains(h, "*") {
		out[0] = "*" + h + "*\n" + rest
	}
	return out
}

// escapedParts escapes p, splitting it further when the escaping made it
// longer than a section allows (a text full of '&').
func escapedParts(p string) []string {
	e := Escape(p)
	if utf8.RuneCountInString(e) <= MaxSectionText-2 {
		return []string{e}
	}
	var out []string
	for _, q := range chat.Split(p, max(utf8.RuneCountInString(p)/2, 1)) {
		out = append(out, escapedParts(q)...)
	}
	return out
}

// blocks builds m's Block Kit blocks and its notification text: sections
// for the text, then actions blocks with the buttons.
func (a *Adapter) blocks(ctx context.Context, m bot.Outgoing) ([]slackapi.Block, string, error) {
	var blocks []slackapi.Block
	text := slashCommands(m.Text, a.commands) // the notification says "/ir ack" too
	sections := Render(text)
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
	fallback := Escape(clipRunes(strings.TrimSpace(text), maxFallbackText))
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

// slashCommands rewrites the hints at the commands named in names in the
// bot's text ("type /ack") the way Slack users type them ("/ir ack"): in
// Slack a message beginning with "/ack" is taken as an unknown slash
// command of its own. See Config.Commands.
func slashCommands(text string, names map[string]bool) string {
	if len(names) == 0 {
		return text
	}
	var b strings.Builder
	for i := 0; i < len(text); {
		j := strings.IndexByte(text[i:], '/')
		if j < 0 {
			b.WriteString(text[i:])
			break
		}
		j += i
		b.WriteString(text[i:j])
		k := j + 1
		for k < len(text) && text[k] >= 'a' && text[k] <= 'z' {
			k++
		}
		word := text[j+1 : k]
		atStart := j == 0 || strings.ContainsRune(" \n(“\"'", rune(text[j-1]))
		atEnd := k == len(text) || !(text[k] >= '0' && text[k] <= '9' || text[k] == '_' || text[k] == '/')
		if atStart && atEnd && names[word] {
			b.WriteString("/ir " + word)
		} else {
			b.WriteString(text[j:k])
		}
		i = k
	}
	return b.String()
}
