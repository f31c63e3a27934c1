package slack_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
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
	_ chattest.Blocker       = (*contractHarness)(nil)
	_ chattest.Throttler     = (*contractHarness)(nil)
	_ chattest.CommandShower = (*contractHarness)(nil)
)

// contractCommands are the commands the adapter is told of (Config.Commands):
// a hint at one of them reads "/ir done …".
var contractCommands = []string{"ack", "done", "help"}

const contractArchived = "C0ARCHIVED"

func (h *contractHarness) Start(t *testing.T) (chat.Sender, bot.ChatRef) {
	h.fake = slackfake.New(t, slackfake.WithChannelError(contractArchived, "is_archived"))
	ad, err := slack.New(context.Background(), slack.Config{BotToken: h.fake.BotToken, APIURL: h.fake.URL(),
		Mode: slack.ModeEvents, SigningSecret: secret, Limits: chat.Limits{MaxLen: slack.MaxSectionText}, Commands: contractCommands},
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
		s := chattest.Shown{ID: m.TS, Text: m.Shown(), Raw: m.Text + "\n" + strings.Join(m.Sections, "\n")}
		for _, b := range m.Buttons {
			s.Buttons = append(s.Buttons, bot.Button{Label: b.Label, Data: b.Value})
		}
		out = append(out, s)
	}
	return out
}

// CommandShown is a hint as Slack users type it: "/ir done IR-7 3" for a
// command of contractCommands, as written otherwise.
func (h *contractHarness) CommandShown(line string) string {
	rest, ok := strings.CutPrefix(line, "/")
	name, _, _ := strings.Cut(rest, " ")
	if ok && slices.Contains(contractCommands, name) {
		return "/ir " + rest
	}
	return line
}

func (h *contractHarness) Blocked(t *testing.T) bot.ChatRef {
	return bot.ChatRef{Platform: slack.Platform, ID: contractArchived}
}

func (h *contractHarness) Throttle(t *testing.T, after time.Duration) {
	h.fake.Fail("chat.postMessage", slackfake.Failure{Status: http.StatusTooManyRequests, RetryAfter: int(after / time.Second)})
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
