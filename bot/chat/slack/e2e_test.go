package slack_test

import (
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat/slack/slackfake"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/oncall"
	"github.com/irbot/irbot/bot/summary"
)

// slackTeam: An, Bình and Cường with Slack ids; the SOC channel and the
// leaders' channel.
func slackTeam() *bot.Directory {
	return bot.NewDirectory([]bot.Person{
		{ID: "an", Name: "An", Roles: []string{"responder", "roster_admin"}, IDs: map[string]string{"slack": uAn}},
		{ID: "binh", Name: "Bình", IDs: map[string]string{"slack": uBinh}},
		{ID: "cuong", Name: "Cường", Language: "en", IDs: map[string]string{"slack": uCuong}},
	}, []bot.Chat{
		{ID: "soc", Purpose: "response", IDs: map[string]string{"slack": soc}},
		{ID: "leaders", Purpose: "leadership", IDs: map[string]string{"slack": leaders}},
	})
}

// withPaging: a daily duty roster (an, then binh, handoff 07:30 in Hà
// Nội from 2026-11-26) paged first, then Cường, for the security policy
// the ransomware playbook names.
func withPaging(o *engine.Options) {
	o.Rosters = []oncall.Roster{{ID: "truc-ban", Name: map[string]string{"vi": "Trực ban", "en": "Duty"},
		Layers:     []oncall.Layer{{Rotation: "daily", Handoff: "07:30", Start: "2026-11-26", Members: []string{"an", "binh"}}},
		AnnounceIn: "soc"}}
	o.Policies = []oncall.Policy{
		{ID: "security", Levels: []oncall.Level{
			{Targets: []string{"roster:truc-ban"}, After: "5m"},
			{Targets: []string{"person:cuong"}, After: "10m"},
		}},
		{ID: "ops", Levels: []oncall.Level{{Targets: []string{"person:cuong"}, After: "10m"}}},
	}
}

func withSummaries(o *engine.Options) {
	o.Summaries = summary.Config{DigestAt: "07:00", MinGap: 10 * time.Minute}
}

// TestEndToEnd drives the real engine through the adapter and the fake
// Slack: a slash command declares (its title full of mrkdwn's special
// characters), the declaration starts the incident's thread, the live
// status card stays top-level, the duty officer is paged by DM, the
// leaders' channel gets a summary, the Acknowledge button edits the
// pressed message in place, and "@irbot status" answers in the thread.
func TestEndToEnd(t *testing.T) {
	e := newEnv(t, envOpt{dir: slackTeam(), engine: []func(*engine.Options){withPaging, withSummaries}})
	const title = "Title & <b>"
	e.command(soc, uAn, "declare ransomware "+title)

	decl := e.waitMsg(soc, "IR-1", "Declared by An", title)
	if decl.ThreadTS != "" {
		t.Fatalf("the declaration is in thread %s, want it to start the incident's thread", decl.ThreadTS)
	}
	if text := strings.Join(decl.Sections, "\n"); !strings.Contains(text, "Title &amp; &lt;b&gt;") {
		t.Fatalf("the title was not escaped for mrkdwn:\n%s", text)
	}
	if !strings.HasPrefix(decl.Sections[0], "*🚨 IR-1 · SEV1 · ") {
		t.Fatalf("the headline is not bold:\n%s", decl.Sections[0])
	}
	if !strings.Contains(decl.Text, "Title &amp; &lt;b&gt;") {
		t.Fatalf("the notification text was not escaped: %q", decl.Text)
	}
	if !e.fake.WaitFor(wait, func() bool { ts, _ := e.st.Get(e.ctx, "slack:thread:"+soc+":1"); return ts == decl.TS }) {
		ts, _ := e.st.Get(e.ctx, "slack:thread:"+soc+":1")
		t.Fatalf("the incident's thread is %q, want the declaration %s", ts, decl.TS)
	}
	ids := map[string]bool{}
	for _, b := range decl.Buttons {
		if ids[b.ActionID] {
			t.Fatalf("action id %s repeated: %+v", b.ActionID, decl.Buttons)
		}
		ids[b.ActionID] = true
	}

	// The live status card is top-level, not in the thread.
	card := e.waitWhere(soc, func(m slackfake.Message) bool {
		return m.TS != decl.TS && strings.Contains(m.Shown(), "IR-1") && strings.Contains(m.Shown(), "State:")
	}, "status card")
	if card.ThreadTS != "" {
		t.Fatalf("the status card went into thread %s", card.ThreadTS)
	}

	// The duty officer (An at 08:00) is paged by DM, outside any thread.
	page := e.waitMsg(e.fake.DMChannel(uAn), "PAGE — IR-1", title)
	if page.ThreadTS != "" {
		t.Fatalf("the page went into a thread in the DM")
	}
	if _, ok := page.Button("✅ Acknowledge"); !ok {
		t.Fatalf("the page has no Acknowledge button: %+v", page.Buttons)
	}
	// The leaders hear of it in their channel.
	e.waitMsg(leaders, "📊 IR-1", title)

	// Bình taps Acknowledge: the declaration is edited in place.
	e.press(decl, uBinh, "✅ Acknowledge")
	acked := e.waitWhere(soc, func(m slackfake.Message) bool {
		return m.TS == decl.TS && strings.Contains(m.Shown(), "IR-1 acknowledged by Bình")
	}, "acknowledged by Bình, in place")
	if acked.Edits == 0 {
		t.Fatal("the pressed message was not updated with chat.update")
	}
	for _, m := range e.fake.Messages(soc) {
		if m.TS != decl.TS && strings.Contains(m.Shown(), "acknowledged by Bình") && !strings.Contains(m.Shown(), "State:") {
			t.Fatalf("the ack was posted anew instead of editing:\n%s", dump(e.fake.Messages(soc)))
		}
	}
	// Pressing Acknowledge again, on the page notice in the thread: the
	// refusal answers in the thread, not to the whole channel.
	paged := e.waitWhere(soc, func(m slackfake.Message) bool {
		_, ok := m.Button("✅ Acknowledge")
		return ok && m.ThreadTS == decl.TS && strings.Contains(m.Shown(), "paged")
	}, "the page notice in the thread")
	e.press(paged, uAn, "✅ Acknowledge")
	refusal := e.waitWhere(soc, func(m slackfake.Message) bool {
		return strings.Contains(m.Shown(), "already acknowledged") || strings.Contains(m.Shown(), "acknowledged the page")
	}, "answer to the second press")
	if refusal.ThreadTS != decl.TS {
		t.Fatalf("the answer to a second press went to thread %q, want the incident's thread %s:\n%s", refusal.ThreadTS, decl.TS, dump(e.fake.Messages(soc)))
	}
	// The status card follows, edited in place.
	e.waitWhere(soc, func(m slackfake.Message) bool { return m.TS == card.TS && m.Edits > 0 }, "status card edited")

	// "@irbot status" is answered where it was asked: top-level, or in
	// the incident's thread.
	before := len(e.fake.Messages(soc))
	e.mention(soc, uAn, "status")
	e.waitWhere(soc, func(m slackfake.Message) bool {
		return m.ThreadTS == "" && m.TS > card.TS && strings.Contains(m.Shown(), "IR-1") && strings.Contains(m.Shown(), "Phase 1/5")
	}, "status answered top-level")
	e.mentionIn(soc, decl.TS, uBinh, "status")
	e.waitWhere(soc, func(m slackfake.Message) bool {
		return m.ThreadTS == decl.TS && strings.Contains(m.Shown(), "IR-1") && strings.Contains(m.Shown(), "Phase 1/5")
	}, "status answered in the thread")
	if n := len(e.fake.Messages(soc)); n != before+2 {
		t.Fatalf("two status questions made %d messages, want 2:\n%s", n-before, dump(e.fake.Messages(soc)))
	}
	e.flush()
	if len(e.failures()) != 0 {
		t.Fatalf("undelivered messages: %+v", e.failures())
	}
	for _, m := range e.fake.Messages(e.fake.DMChannel(uAn)) {
		if m.ThreadTS != "" {
			t.Errorf("a DM went into a thread: %s", m.Shown())
		}
	}
}

// TestPageInDMAckedByButton: the page reaches the duty officer's DM
// (opened with conversations.open), the Acknowledge button there
// acknowledges the page, the DM message is edited to say so, and the SOC
// channel is told in the incident's thread.
func TestPageInDMAckedByButton(t *testing.T) {
	e := newEnv(t, envOpt{dir: slackTeam(), engine: []func(*engine.Options){withPaging}})
	e.command(soc, uBinh, "declare ransomware Shares encrypted")
	decl := e.waitMsg(soc, "IR-1", "Declared by Bình")
	dm := e.fake.DMChannel(uAn)
	page := e.waitMsg(dm, "PAGE — IR-1")

	e.press(page, uAn, "✅ Acknowledge")
	e.waitWhere(dm, func(m slackfake.Message) bool {
		return m.TS == page.TS && m.Edits > 0 && strings.Contains(m.Shown(), "acknowledged by An")
	}, "page edited to acknowledged by An")
	e.waitWhere(soc, func(m slackfake.Message) bool {
		return m.ThreadTS == decl.TS && strings.Contains(m.Shown(), "acknowledged by An")
	}, "ack told in the thread")
	e.flush()
	inc, err := e.st.Incident(e.ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(inc.Pages) == 0 || inc.Pages[0].Status != bot.PageAcknowledged || inc.Pages[0].AckBy != "an" {
		t.Fatalf("page record %+v", inc.Pages)
	}
	if n := len(e.fake.Calls("conversations.open")); n != 1 {
		t.Fatalf("conversations.open called %d times for one DM, want 1 (remembered)", n)
	}
	if n := len(e.fake.Messages(dm)); n != 1 {
		t.Fatalf("%d messages in the DM, want the page alone, edited:\n%s", n, dump(e.fake.Messages(dm)))
	}
}
