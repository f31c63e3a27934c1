package change_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/command"
)

// TestTargetAsksWhichWhenSeveralAreOpen: a command naming no incident in
// a chat with several open ones is answered with a question and a button
// per open incident of that chat, repeating the command with the incident
// named and its arguments kept; with one open it acts on that one.
func TestTargetAsksWhichWhenSeveralAreOpen(t *testing.T) {
	k := newCore(t, change.Config{})
	ctx := context.Background()
	soc := bot.ChatRef{Platform: "console", ID: "soc"}
	noc := bot.ChatRef{Platform: "console", ID: "noc"}
	first := declare(t, k, "Portal flooded", soc)
	declare(t, k, "Core switch down", noc)
	req := func(chat bot.ChatRef) *change.Request {
		return &change.Request{In: bot.Inbound{Chat: chat}, Cmd: command.Command{Name: command.Note, Text: "db1 down"}, Lang: "en"}
	}
	if id, err := k.Target(ctx, req(soc)); err != nil || id != first {
		t.Fatalf("one open incident in the chat: %d, %v; want %d", id, err, first)
	}
	second := declare(t, k, "Mail server spam", soc)
	resolved := declare(t, k, "Old flood", soc)
	if err := k.Apply(ctx, resolved, nil, func(_ context.Context, c *change.Change) error {
		c.Inc.State = bot.StateResolved
		c.Record(bot.EvResolved, nil)
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	id, err := k.Target(ctx, req(soc))
	var r *change.Refusal
	if !errors.As(err, &r) {
		t.Fatalf("two open incidents in the chat: %d, %v; want a question", id, err)
	}
	var got []string
	for _, b := range r.Buttons {
		got = append(got, b.Label+" → "+b.Data)
	}
	want := []string{"IR-1 → /note IR-1 db1 down", "IR-3 → /note IR-3 db1 down"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("buttons:\n%s\nwant (the open incidents of this chat, IR-%d and IR-%d):\n%s", strings.Join(got, "\n"), first, second, strings.Join(want, "\n"))
	}
	if text := r.Text("en"); !strings.Contains(text, "IR-1 Portal flooded") || !strings.Contains(text, "IR-3 Mail server spam") ||
		strings.Contains(text, "Core switch down") || strings.Contains(text, "Old flood") {
		t.Errorf("question lists the wrong incidents:\n%s", text)
	}
	// The example works as typed: the command as asked, an open incident
	// of this chat named (not a made-up one).
	if text := bot.StripMarks(r.Text("en")); !strings.Contains(text, "e.g. /note IR-1 db1 down") {
		t.Errorf("the question's example is not the command as asked with IR-1 named:\n%s", text)
	}

	named := req(soc)
	named.Cmd.Ref = int(second)
	if id, err := k.Target(ctx, named); err != nil || id != second {
		t.Fatalf("a named incident: %d, %v; want %d", id, err, second)
	}
}
