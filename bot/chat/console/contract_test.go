package console_test

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/chattest"
	"github.com/irbot/irbot/bot/chat/console"
)

// TestContract holds the console to the chat contract every platform
// passes. The terminal has no message length, no edits and never refuses
// the bot: those cases are skipped.
func TestContract(t *testing.T) { chattest.Contract(t, &contractHarness{}) }

// contractHarness is the console printing into a buffer, read back as
// messages.
type contractHarness struct{ out *lockedBuffer }

// lockedBuffer is the terminal: the console writes while tests read.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (h *contractHarness) Start(t *testing.T) (chat.Sender, bot.ChatRef) {
	h.out = &lockedBuffer{}
	return console.New(h.out), bot.ChatRef{Platform: console.Platform, ID: "soc"}
}

// Shown reads the printed messages of chat c back: each begins with
// "[<chat>] ", its buttons follow as "  (label: command)" lines, and the
// console numbers messages from 1 in the order printed.
func (h *contractHarness) Shown(t *testing.T, c bot.ChatRef) []chattest.Shown {
	printed := h.out.String()
	if printed == "" {
		return nil
	}
	var all []chattest.Shown
	var chats []string
	for _, line := range strings.Split(strings.TrimSuffix(printed, "\n"), "\n") {
		if rest, ok := strings.CutPrefix(line, "["); ok {
			if id, text, ok := strings.Cut(rest, "] "); ok {
				chats = append(chats, id)
				all = append(all, chattest.Shown{ID: strconv.Itoa(len(all) + 1), Text: text})
				continue
			}
		}
		if len(all) == 0 {
			t.Fatalf("console printed %q before any message", line)
		}
		m := &all[len(all)-1]
		if b, ok := strings.CutPrefix(line, "  ("); ok && strings.HasSuffix(b, ")") {
			label, data, ok := strings.Cut(strings.TrimSuffix(b, ")"), ": ")
			if ok {
				m.Buttons = append(m.Buttons, bot.Button{Label: label, Data: data})
				continue
			}
		}
		if len(m.Buttons) > 0 {
			t.Fatalf("text after a message's buttons: %q", line)
		}
		m.Text += "\n" + line
	}
	var out []chattest.Shown
	for i, m := range all {
		if chats[i] == c.ID {
			out = append(out, m)
		}
	}
	return out
}
