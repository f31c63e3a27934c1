// Package console is the terminal as a chat platform: try irbot with no
// tokens and no services, or script it. Each input line is
// "<user>@<chat>: <text>" or a plain "<text>" from the default user and
// chat; every bot message is printed as "[<chat>] <text>", a direct message
// as "[dm:<user>] <text>", and buttons as "  (label: command)" lines below.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
)

// Platform is the console's platform name.
const Platform = "console"

// Console reads commands from r and prints the bot's messages to w. It
// implements chat.Sender; Send is safe for concurrent use.
type Console struct {
	w    io.Writer
	mu   sync.Mutex
	next int
}

var _ chat.Sender = (*Console)(nil)

// New returns a console printing to w.
func New(w io.Writer) *Console { return &Console{w: w} }

// Platform implements chat.Sender.
func (c *Console) Platform() string { return Platform }

// Send implements chat.Sender: it prints the message as plain text,
// command hints as written.
func (c *Console) Send(ctx context.Context, m bot.Outgoing) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s\n", m.Chat.ID, bot.ParseBody(m.Text).Plain())
	for _, btn := range m.Buttons {
		fmt.Fprintf(&b, "  (%s: %s)\n", btn.Label, btn.Data)
	}
	if _, err := io.WriteString(c.w, b.String()); err != nil {
		return "", fmt.Errorf("write to terminal: %w", err)
	}
	c.next++
	return strconv.Itoa(c.next), nil
}

var linePattern = regexp.MustCompile(`^([\p{L}\p{N}_.\-]+)@([\p{L}\p{N}_.:\-]+):\s?(.*)$`)

// ParseLine turns an input line into an inbound message: "<user>@<chat>:
// <text>" names both, anything else comes from defUser in defChat. A chat
// named "dm" or "dm:<user>" is the user's direct chat with the bot.
func ParseLine(line, defUser, defChat string) bot.Inbound {
	user, chatID, text := defUser, defChat, line
	if m := linePattern.FindStringSubmatch(line); m != nil {
		user, chatID, text = m[1], m[2], m[3]
	}
	ref := bot.ChatRef{Platform: Platform, ID: chatID}
	if chatID == "dm" || strings.HasPrefix(chatID, "dm:") {
		ref = bot.ChatRef{Platform: Platform, ID: "dm:" + user, Direct: true}
	}
	return bot.Inbound{Platform: Platform, Chat: ref, User: user, Text: strings.TrimSpace(text)}
}

// Run reads lines from r until EOF or ctx ends, handing each to h. When
// prompt is set (an interactive terminal) it is printed before each line.
func Run(ctx context.Context, r io.Reader, w io.Writer, prompt func() string, defUser, defChat string, h chat.Handler) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for {
		if prompt != nil {
			fmt.Fprint(w, prompt())
		}
		if !sc.Scan() {
			return sc.Err()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := h(ctx, ParseLine(line, defUser, defChat)); err != nil {
			return err
		}
	}
}
