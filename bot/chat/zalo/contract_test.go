package zalo_test

import (
	"context"
	"errors"
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

// contractKV is a bolt store as the adapter's state, the way cmd/irbot
// wires the store: Get reads "" for a key that is not set, Put commits the
// keys alone.
type contractKV struct{ store.Store }

func openContractKV(t *testing.T) contractKV {
	st, err := bolt.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return contractKV{st}
}

func (s contractKV) Get(ctx context.Context, key string) (string, error) {
	v, err := s.Store.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return v, err
}

func (s contractKV) Put(ctx context.Context, values map[string]string) error {
	return s.Commit(ctx, &store.Tx{Put: values})
}
