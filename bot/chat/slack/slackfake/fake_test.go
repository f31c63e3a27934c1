package slackfake_test

import (
	"context"
	"strings"
	"testing"

	slackapi "github.com/slack-go/slack"

	"github.com/irbot/irbot/bot/chat/slack/slackfake"
)

// TestFakeChecksLikeSlack: the fake gives unique ts values and refuses
// what Slack refuses.
func TestFakeChecksLikeSlack(t *testing.T) {
	s := slackfake.New(t)
	api := slackapi.New(s.BotToken, slackapi.OptionAPIURL(s.URL()))
	ctx := context.Background()
	section := func(text string) slackapi.Block {
		return slackapi.NewSectionBlock(slackapi.NewTextBlockObject(slackapi.MarkdownType, text, false, false), nil, nil)
	}
	button := func(id string) slackapi.BlockElement {
		return slackapi.NewButtonBlockElement(id, "v", slackapi.NewTextBlockObject(slackapi.PlainTextType, "b", false, false))
	}
	_, ts1, err := api.PostMessageContext(ctx, "C1", slackapi.MsgOptionText("a", false))
	if err != nil {
		t.Fatal(err)
	}
	_, ts2, err := api.PostMessageContext(ctx, "C1", slackapi.MsgOptionText("b", false), slackapi.MsgOptionTS(ts1))
	if err != nil || ts2 <= ts1 {
		t.Fatalf("second post: %s %v", ts2, err)
	}
	for name, c := range map[string]struct {
		channel string
		opts    []slackapi.MsgOption
		code    string
	}{
		"user id as channel": {"U1", []slackapi.MsgOption{slackapi.MsgOptionText("a", false)}, "channel_not_found"},
		"no text":            {"C1", nil, "no_text"},
		"long section":       {"C1", []slackapi.MsgOption{slackapi.MsgOptionBlocks(section(strings.Repeat("x", 3001)))}, "invalid_blocks"},
		"same action id":     {"C1", []slackapi.MsgOption{slackapi.MsgOptionBlocks(slackapi.NewActionBlock("", button("x"), button("x")))}, "invalid_blocks"},
		"reply to a reply":   {"C1", []slackapi.MsgOption{slackapi.MsgOptionText("c", false), slackapi.MsgOptionTS(ts2)}, "thread_not_found"},
	} {
		_, _, err := api.PostMessageContext(ctx, c.channel, c.opts...)
		if err == nil || err.Error() != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", "1.2", slackapi.MsgOptionText("x", false)); err == nil || err.Error() != "message_not_found" {
		t.Errorf("update of a missing message: %v", err)
	}
	bad := slackapi.New("xoxb-wrong", slackapi.OptionAPIURL(s.URL()))
	if _, err := bad.AuthTestContext(ctx); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("wrong token: %v", err)
	}
	if n := len(s.Messages("C1")); n != 2 {
		t.Fatalf("%d messages kept", n)
	}
}
