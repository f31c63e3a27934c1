package slack_test

import (
	"strings"
	"testing"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat/slack/slackfake"
)

// other sends text from a chat of the "other" platform to the engine.
func (e *env) other(chat, user, text string) {
	e.t.Helper()
	id := "o" + chat + "-" + strings.ReplaceAll(text, " ", "_")
	if err := e.eng.Handle(e.ctx, bot.Inbound{Platform: "other", Chat: bot.ChatRef{Platform: "other", ID: chat},
		User: user, Text: text, ID: id}); err != nil {
		e.t.Fatal(err)
	}
}

// TestCrossPlatformByRef: an incident declared in Slack is followed from
// another platform's chat at once. The other chat acts on it by ref; the
// note shows up in the incident's Slack thread, and the other chat, which
// joined by acting, hears what is done in Slack.
func TestCrossPlatformByRef(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.command(soc, uAn, "declare ddos Portal flooded")
	decl := e.waitMsg(soc, "IR-1", "Declared by")

	e.other("room1", "olga", "/note IR-1 from the other side")
	e.waitWhere(soc, func(m slackfake.Message) bool {
		return m.ThreadTS == decl.TS && strings.Contains(m.Shown(), "from the other side")
	}, "the other side's note in the Slack thread")
	e.otherRec.waitText(t, "room1", "from the other side")

	e.command(soc, uBinh, "note IR-1 from slack")
	e.otherRec.waitText(t, "room1", "from slack")
	e.mention(soc, uAn, "ack")
	e.otherRec.waitText(t, "room1", "IR-1 acknowledged by")

	e.flush()
	inc, err := e.st.Incident(e.ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !inc.HasChat(bot.ChatRef{Platform: "other", ID: "room1"}) || !inc.HasChat(bot.ChatRef{Platform: "slack", ID: soc}) {
		t.Fatalf("incident chats %+v", inc.Chats)
	}
	if len(e.failures()) != 0 {
		t.Fatalf("undelivered: %+v", e.failures())
	}
}

// TestCrossPlatformConfiguredChat: a configured chat with an id on both
// platforms is one chat: declared in Slack, the other side hears the
// declaration at once and acts without naming the incident.
func TestCrossPlatformConfiguredChat(t *testing.T) {
	dir := bot.NewDirectory(nil, []bot.Chat{{ID: "war", Purpose: "response",
		IDs: map[string]string{"slack": "C0WAR", "other": "war-room"}}})
	e := newEnv(t, envOpt{dir: dir})
	e.command("C0WAR", uAn, "declare outage Core switch down")
	decl := e.waitMsg("C0WAR", "IR-1", "Core switch down")
	e.otherRec.waitText(t, "war-room", "IR-1", "Core switch down")

	e.other("war-room", "olga", "/note power restored in rack 4")
	e.waitWhere("C0WAR", func(m slackfake.Message) bool {
		return m.ThreadTS == decl.TS && strings.Contains(m.Shown(), "power restored in rack 4")
	}, "the note in the Slack thread")
	e.mentionIn("C0WAR", decl.TS, uBinh, "note fans replaced")
	e.otherRec.waitText(t, "war-room", "fans replaced")
}
