package slack_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/chattest"
	"github.com/irbot/irbot/bot/chat/slack"
	"github.com/irbot/irbot/bot/chat/slack/slackfake"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/bolt"
)

// TestContract holds the adapter to the chat contract every platform
// passes, on the fake Web API.
func TestContract(t *testing.T) { chattest.Contract(t, &contractHarness{}) }

// contractHarness is the adapter on slackfake, with a channel to post to
// and an archived one.
type contractHarness struct{ fake *slackfake.Server }

var (
	_ chattest.Blocker   = (*contractHarness)(nil)
	_ chattest.Throttler = (*contractHarness)(nil)
)

const contractArchived = "C0ARCHIVED"

func (h *contractHarness) Start(t *testing.T) (chat.Sender, bot.ChatRef) {
	h.fake = slackfake.New(t, slackfake.WithChannelError(contractArchived, "is_archived"))
	ad, err := slack.New(context.Background(), slack.Config{BotToken: h.fake.BotToken, APIURL: h.fake.URL(),
		Mode: slack.ModeEvents, SigningSecret: secret, Limits: chat.Limits{MaxLen: slack.MaxSectionText}},
		openContractKV(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := ad.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return ad, bot.ChatRef{Platform: slack.Platform, ID: soc}
}

func (h *contractHarness) Shown(t *testing.T, c bot.ChatRef) []chattest.Shown {
	var out []chattest.Shown
	for _, m := range h.fake.Messages(c.ID) {
		s := chattest.Shown{ID: m.TS, Text: m.Shown()}
		for _, b := range m.Buttons {
			s.Buttons = append(s.Buttons, bot.Button{Label: b.Label, Data: b.Value})
		}
		out = append(out, s)
	}
	return out
}

func (h *contractHarness) Blocked(t *testing.T) bot.ChatRef {
	return bot.ChatRef{Platform: slack.Platform, ID: contractArchived}
}

func (h *contractHarness) Throttle(t *testing.T, after time.Duration) {
	h.fake.Fail("chat.postMessage", slackfake.Failure{Status: http.StatusTooManyRequests, RetryAfter: int(after / time.Second)})
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
