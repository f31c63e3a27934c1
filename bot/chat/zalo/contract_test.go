package zalo_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/chattest"
	"github.com/irbot/irbot/bot/chat/zalo"
	"github.com/irbot/irbot/bot/chat/zalo/zalotest"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/bolt"
)

// TestContract holds the adapter to the chat contract every platform
// passes, on the loopback Bot API. Zalo has no buttons: its messages carry
// reply codes instead.
func TestContract(t *testing.T) { chattest.Contract(t, &contractHarness{}) }

// contractHarness is the adapter on zalotest, with a group to post to and
// a user who blocked the bot.
type contractHarness struct{ fake *zalotest.Server }

var (
	_ chattest.Blocker    = (*contractHarness)(nil)
	_ chattest.Throttler  = (*contractHarness)(nil)
	_ chattest.ReplyCoder = (*contractHarness)(nil)
)

func (h *contractHarness) Start(t *testing.T) (chat.Sender, bot.ChatRef) {
	h.fake = zalotest.New(t)
	h.fake.AddChat("g-soc", zalotest.Group)
	ad, err := zalo.New(context.Background(), zalo.Config{Token: h.fake.Token(), APIURL: h.fake.URL(),
		Limits: chat.Limits{MaxLen: zalo.MaxMessageLen}}, openContractKV(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return ad, bot.ChatRef{Platform: zalo.Platform, ID: "g-soc"}
}

func (h *contractHarness) Shown(t *testing.T, c bot.ChatRef) []chattest.Shown {
	var out []chattest.Shown
	for _, m := range h.fake.Messages(c.ID) {
		out = append(out, chattest.Shown{ID: m.ID, Text: m.Text})
	}
	return out
}

func (h *contractHarness) Blocked(t *testing.T) bot.ChatRef {
	h.fake.AddChat("u-blocked", zalotest.Private)
	h.fake.Block("u-blocked")
	return bot.ChatRef{Platform: zalo.Platform, ID: "u-blocked", Direct: true}
}

func (h *contractHarness) Throttle(t *testing.T, after time.Duration) {
	h.fake.FailNext("sendMessage", 429, 429, fmt.Sprintf("Too Many Requests: retry after %d", int(after/time.Second)))
}

// ReplyCodes are the codes of zalo.Hint, one button at a time ("↩ 7a xác
// nhận" → "7a").
func (h *contractHarness) ReplyCodes(buttons []bot.Button) []string {
	var codes []string
	for _, b := range buttons {
		f := strings.Fields(zalo.Hint([]bot.Button{b}, "vi"))
		if len(f) < 2 {
			codes = append(codes, "")
			continue
		}
		codes = append(codes, f[1])
	}
	return codes
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
