package enginetest

import (
	"strings"
	"testing"

	"github.com/irbot/irbot/bot"
)

// Pages returns the page messages of out.
func Pages(out []bot.Outgoing) []bot.Outgoing {
	var p []bot.Outgoing
	for _, m := range out {
		if m.Kind == bot.KindPage {
			p = append(p, m)
		}
	}
	return p
}

// PagesTo returns the page messages of out sent to person's direct chat
// on the console.
func PagesTo(out []bot.Outgoing, person string) []bot.Outgoing {
	var p []bot.Outgoing
	for _, m := range Pages(out) {
		if m.Chat.ID == "dm:"+person {
			p = append(p, m)
		}
	}
	return p
}

// JoinTexts writes out one message a line, each as "[chat id] text", for
// matching and for failure messages.
func JoinTexts(out []bot.Outgoing) string {
	var s []string
	for _, m := range out {
		s = append(s, "["+m.Chat.ID+"] "+m.Text)
	}
	return strings.Join(s, "\n")
}

// MustContain fails the test unless got contains each of wants; what
// names the step in the failure message.
func MustContain(t testing.TB, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Fatalf("%s: reply lacks %q; got:\n%s", what, w, got)
		}
	}
}
