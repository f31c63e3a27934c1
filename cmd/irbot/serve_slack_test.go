package main_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot/chat/slack/slackfake"
)

// TestServeOnSlack drives the binary as a Slack workspace would over the
// Events API: signed slash commands and button presses in, Web API calls out.
func TestServeOnSlack(t *testing.T) {
	sl := slackfake.New(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "irbot.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`
data_dir: %s
language: en
http: {listen: "127.0.0.1:0"}
people:
  - {id: an, name: An, ids: {slack: U0AN}}
  - {id: binh, name: Binh, ids: {slack: U0BINH}}
chats:
  - {id: soc, purpose: response, ids: {slack: C0SOC}}
rosters:
  - {id: duty, layers: [{rotation: daily, handoff: "07:30", members: [binh]}]}
escalation:
  - {id: security, levels: [{targets: [roster:duty], after: 5m}]}
  - {id: ops, levels: [{targets: [roster:duty], after: 5m}]}
platforms:
  slack: {enabled: true, mode: events, api_url: %q, rate_per_channel: 30}
`, filepath.Join(dir, "data"), sl.URL()+"/")), 0o644)
	s := startServe(t, cfg, "SLACK_BOT_TOKEN="+sl.BotToken, "SLACK_SIGNING_SECRET=test-signing-secret")
	c := &slackfake.Client{URL: s.base + "/slack/events", Secret: "test-signing-secret"}
	wait := func(ch, want string) slackfake.Message {
		t.Helper()
		m, ok := sl.WaitMessage(ch, 20*time.Second, func(m slackfake.Message) bool { return strings.Contains(m.Shown(), want) })
		if !ok {
			var got []string
			for _, m := range sl.Messages(ch) {
				got = append(got, m.Shown())
			}
			t.Fatalf("%s never got %q; it has:\n%s\nstderr:\n%s", ch, want, strings.Join(got, "\n---\n"), s.errb)
		}
		return m
	}
	if r, err := c.SlashCommand(slackfake.SlashCommand{Text: "declare ransomware Shares & <files> encrypted", ChannelID: "C0SOC", UserID: "U0AN"}); err != nil || r.Status != 200 {
		t.Fatalf("slash command: %+v %v", r, err)
	}
	wait("C0SOC", "Shares & <files> encrypted")
	page := wait(sl.DMChannel("U0BINH"), "PAGE — IR-1")
	if len(page.Buttons) == 0 {
		t.Fatalf("page without buttons: %+v", page)
	}
	if r, err := c.Press(slackfake.Press{User: "U0BINH", Channel: sl.DMChannel("U0BINH"), MessageTS: page.TS, Button: page.Buttons[0]}); err != nil || r.Status != 200 {
		t.Fatalf("press: %+v %v", r, err)
	}
	wait("C0SOC", "acknowledged by Binh")
	// A forged request is refused before anything happens.
	bad := &slackfake.Client{URL: c.URL, Secret: "wrong"}
	if r, _ := bad.SlashCommand(slackfake.SlashCommand{Text: "cancel IR-1 forged", ChannelID: "C0SOC", UserID: "U0AN"}); r.Status != 401 {
		t.Fatalf("forged request: %d", r.Status)
	}
	s.stop(t, sl.BotToken, "test-signing-secret")
}
