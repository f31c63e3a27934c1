package zalo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
)

// Send implements chat.Sender. The text goes out as plain text, command
// hints as written (bot.ParseBody(m.Text).Plain(): Zalo has no markup);
// the buttons become a reply-code line under it (see Hint). One
// call sends one message, except when the text with its hint is longer
// than Zalo takes (the delivery layer splits at Limits().MaxLen, before
// the hint is added, and counts code points where Zalo may count UTF-16
// units): then the text is split further and the hint goes last. The id
// returned is the last message's. Errors are classified for the delivery
// layer: *chat.RetryAfterError, chat.ErrPermanent, or transient.
func (a *Adapter) Send(ctx context.Context, m bot.Outgoing) (string, error) {
	if m.Chat.ID == "" {
		return "", fmt.Errorf("%w: zalo: message without a chat id", chat.ErrPermanent)
	}
	parts := compose(bot.ParseBody(m.Text).Plain(), a.labels.hint(m.Buttons), MaxMessageLen)
	if len(parts) == 0 {
		return "", fmt.Errorf("%w: zalo: empty message (Zalo needs 1 to %d characters)", chat.ErrPermanent, MaxMessageLen)
	}
	var id string
	for i, p := range parts {
		mid, err := a.client.SendMessage(ctx, m.Chat.ID, p)
		if err != nil {
			if i > 0 {
				a.log.Warn("zalo: a message went out only in part; a retry repeats the sent parts",
					"chat", m.Chat.ID, "sent", i, "parts", len(parts))
			}
			return "", classify(err)
		}
		id = mid
	}
	return id, nil
}

// SendTyping shows "typing…" in a chat for a few seconds (for slow
// commands). Errors are classified as Send's.
func (a *Adapter) SendTyping(ctx context.Context, chatID string) error {
	return classify(a.client.SendChatAction(ctx, chatID, ActionTyping))
}

// compose cuts text into messages of at most limit UTF-16 units, each
// non-blank, and adds hint to the last (or as a message of its own when it
// does not fit).
func compose(text, hint string, limit int) []string {
	var out []string
	for _, p := range splitUnits(text, limit) {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	if hint == "" {
		return out
	}
	if n := len(out); n > 0 && units(out[n-1])+1+units(hint) <= limit {
		out[n-1] += "\n" + hint
		return out
	}
	return append(out, hint)
}

// splitUnits splits text with chat.Split (line breaks first, then spaces,
// never inside a letter's combining marks) into parts of at most limit
// UTF-16 units, shrinking the rune budget until every part fits.
func splitUnits(text string, limit int) []string {
	if units(text) <= limit {
		return []string{text}
	}
	for budget := limit; ; budget -= max(budget/10, 1) {
		parts := chat.Split(text, budget)
		fits := true
		for _, p := range parts {
			if units(p) > limit {
				fits = false
				break
			}
		}
		if fits || budget <= 1 {
			return parts
		}
	}
}

// units counts UTF-16 code units.
func units(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// maxHint bounds the reply-code line, in UTF-16 units.
const maxHint = 400

// labels are the words of the reply-code line in one language.
type labels struct {
	ack, doneN, doneMany, skipN, next, resolve, escalate string
}

// hintLabels returns the labels for lang ("" = Vietnamese).
func hintLabels(lang string) (labels, bool) {
	switch strings.ToLower(lang) {
	case "", "vi":
		return labels{ack: "xác nhận", doneN: "xong bước %d", doneMany: "xong bước", skipN: "bỏ qua bước %d",
			next: "tiếp", resolve: "xử lý xong", escalate: "leo thang"}, true
	case "en":
		return labels{ack: "acknowledge", doneN: "step %d done", doneMany: "steps done", skipN: "skip step %d",
			next: "next", resolve: "resolve", escalate: "escalate"}, true
	}
	return labels{}, false
}

// Hint renders buttons as the reply-code line Zalo shows instead of
// buttons, in lang ("vi" or "en"; other values mean "vi"): each button
// whose command has a reply code becomes the code and a short label, Done
// buttons of one incident share a label, and any other button shows its
// command. Example: "↩ 12a xác nhận · 12d2 12d3 xong bước · 12n tiếp ·
// /steps IR-12". It returns "" for no buttons.
func Hint(buttons []bot.Button, lang string) string {
	lb, ok := hintLabels(lang)
	if !ok {
		lb, _ = hintLabels("vi")
	}
	return lb.hint(buttons)
}

func (lb labels) hint(buttons []bot.Button) string {
	var entries []string
	seen := map[string]bool{}
	var doneCodes []string
	var doneSteps []int
	doneInc := 0
	flush := func() {
		switch len(doneCodes) {
		case 0:
		case 1:
			entries = append(entries, doneCodes[0]+" "+fmt.Sprintf(lb.doneN, doneSteps[0]))
		default:
			entries = append(entries, strings.Join(doneCodes, " ")+" "+lb.doneMany)
		}
		doneCodes, doneSteps, doneInc = nil, nil, 0
	}
	for _, b := range buttons {
		data := strings.Join(strings.Fields(b.Data), " ")
		if data == "" || seen[data] {
			continue
		}
		seen[data] = true
		rc, ok := parseReplyCode(data)
		if ok && rc.kind == 'd' {
			if doneInc != 0 && doneInc != rc.incident {
				flush()
			}
			doneInc = rc.incident
			doneCodes = append(doneCodes, rc.code)
			doneSteps = append(doneSteps, rc.step)
			continue
		}
		flush()
		if !ok {
			entries = append(entries, data)
			continue
		}
		var label string
		switch rc.kind {
		case 'a':
			label = lb.ack
		case 's':
			label = fmt.Sprintf(lb.skipN, rc.step)
		case 'n':
			label = lb.next
		case 'r':
			label = lb.resolve
		case 'e':
			label = lb.escalate
		}
		entries = append(entries, rc.code+" "+label)
	}
	flush()
	if len(entries) == 0 {
		return ""
	}
	line := "↩ " + entries[0]
	for _, e := range entries[1:] {
		if units(line)+units(e)+5 > maxHint {
			return line + " · …"
		}
		line += " · " + e
	}
	return line
}

// replyCode is a button command in its reply-code form.
type replyCode struct {
	code     string // e.g. "12d3"
	kind     byte   // a, d, s, n, r, e
	incident int
	step     int
}

// parseReplyCode turns a button's command into its reply code: "/ack
// IR-12" → 12a, "/done IR-12 3" → 12d3, "/skip IR-12 3" → 12s3, "/next
// IR-12" → 12n, "/resolve IR-12" → 12r, "/escalate IR-12" → 12e. Commands
// with more arguments (a resolve summary) or other commands have none.
func parseReplyCode(data string) (replyCode, bool) {
	f := strings.Fields(data)
	if len(f) < 2 || !strings.HasPrefix(f[0], "/") {
		return replyCode{}, false
	}
	cmd := strings.ToLower(strings.TrimPrefix(f[0], "/"))
	if i := strings.IndexByte(cmd, '@'); i >= 0 {
		cmd = cmd[:i]
	}
	inc, ok := refNumber(f[1])
	if !ok {
		return replyCode{}, false
	}
	var kind byte
	step := 0
	switch {
	case len(f) == 2 && cmd == "ack":
		kind = 'a'
	case len(f) == 2 && cmd == "next":
		kind = 'n'
	case len(f) == 2 && cmd == "resolve":
		kind = 'r'
	case len(f) == 2 && cmd == "escalate":
		kind = 'e'
	case len(f) == 3 && (cmd == "done" || cmd == "skip"):
		n, err := strconv.Atoi(f[2])
		if err != nil || n <= 0 || n > 9999 || f[2][0] == '+' {
			return replyCode{}, false
		}
		kind, step = cmd[0], n
	default:
		return replyCode{}, false
	}
	code := strconv.Itoa(inc) + string(kind)
	if step > 0 {
		code += strconv.Itoa(step)
	}
	return replyCode{code: code, kind: kind, incident: inc, step: step}, true
}

// refNumber reads an incident ref: "IR-12", "#12", "#IR-12", "12" or any
// ASCII-letters-hyphen-digits token.
func refNumber(s string) (int, bool) {
	s = strings.TrimPrefix(s, "#")
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		prefix := s[:i]
		if prefix == "" {
			return 0, false
		}
		for _, c := range prefix {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				return 0, false
			}
		}
		s = s[i+1:]
	}
	if s == "" || len(s) > 9 {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}
