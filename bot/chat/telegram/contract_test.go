package telegram_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/chattest"
	"github.com/irbot/irbot/bot/chat/telegram"
	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/bolt"
)

// TestContract holds the adapter to the chat contract every platform
// passes, on the loopback Bot API.
func TestContract(t *testing.T) { chattest.Contract(t, &contractHarness{}) }

// contractHarness is the adapter on telegramtest, with a supergroup to
// post to and a private chat that blocked the bot.
type contractHarness struct{ fake *telegramtest.Server }

var (
	_ chattest.Blocker   = (*contractHarness)(nil)
	_ chattest.Throttler = (*contractHarness)(nil)
)

const (
	contractGroup   = -1001
	contractBlocked = 4242
)

func (h *contractHarness) Start(t *testing.T) (chat.Sender, bot.ChatRef) {
	h.fake = telegramtest.New(t)
	h.fake.AddChat(telegramtest.Chat{ID: contractGroup, Type: telegramtest.Supergroup, Title: "SOC"})
	ad, err := telegram.New(context.Background(), telegram.Config{Token: h.fake.Token(), APIURL: h.fake.URL(),
		Limits: chat.Limits{MaxLen: telegram.MaxMessageLen}}, openContractKV(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return ad, bot.ChatRef{Platform: telegram.Platform, ID: strconv.Itoa(contractGroup)}
}

func (h *contractHarness) Shown(t *testing.T, c bot.ChatRef) []chattest.Shown {
	id, err := strconv.ParseInt(c.ID, 10, 64)
	if err != nil {
		t.Fatalf("chat %s: %v", c, err)
	}
	var out []chattest.Shown
	for _, m := range h.fake.Messages(id) {
		s := chattest.Shown{ID: strconv.Itoa(m.ID), Text: m.Text, Raw: m.Raw}
		for _, row := range m.Buttons {
			for _, b := range row {
				s.Buttons = append(s.Buttons, bot.Button{Label: b.Text, Data: b.CallbackData})
			}
		}
		out = append(out, s)
	}
	return out
}

func (h *contractHarness) Blocked(t *testing.T) bot.ChatRef {
	h.fake.AddChat(telegramtest.Chat{ID: contractBlocked, Type: telegramtest.Private})
	h.fake.Block(contractBlocked)
	return bot.ChatRef{Platform: telegram.Platform, ID: strconv.Itoa(contractBlocked), Direct: true}
}

func (h *contractHarness) Throttle(t *testing.T, after time.Duration) {
	s := int(after / time.Second)
	h.fake.FailNext("sendMessage", 429, fmt.Sprintf("Too Many Requests: retry after %d", s), map[string]any{"retry_after": s})
}

// openContractKV is a fresh bolt store as the adapter's state.
func openContractKV(t *testing.T) store.KV {
	st, err := bolt.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return store.KV{Store: st}
}
