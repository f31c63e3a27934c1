package main_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
)

// TestServeOnTelegram drives the built binary the way a Telegram group
// would: updates through the Bot API's getUpdates, buttons as callback
// queries, and the bot's answers read back from the API.
func TestServeOnTelegram(t *testing.T) {
	tg := telegramtest.New(t)
	// Like the real Bot API, the bot can only write where it was added or
	// started: the two groups and the duty officer's private chat.
	tg.AddChat(telegramtest.Chat{ID: -1001, Type: telegramtest.Supergroup, Title: "SOC"})
	tg.AddChat(telegramtest.Chat{ID: -1002, Type: telegramtest.Supergroup, Title: "Leaders"})
	tg.AddChat(telegramtest.Chat{ID: 222, Type: telegramtest.Private})
	tg.AddUser(222, "Binh", "", "binh")
	tg.AddUser(111, "An", "", "an")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "irbot.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`
data_dir: %s
language: en
http: {listen: "127.0.0.1:0"}
people:
  - {id: an, name: An, ids: {telegram: "111"}}
  - {id: binh, name: Binh, ids: {telegram: "222"}}
chats:
  - {id: soc, purpose: response, ids: {telegram: "-1001"}}
  - {id: leaders, purpose: leadership, ids: {telegram: "-1002"}}
rosters:
  - {id: duty, layers: [{rotation: daily, handoff: "07:30", members: [binh]}]}
escalation:
  - {id: security, levels: [{targets: [roster:duty], after: 5m}]}
  - {id: ops, levels: [{targets: [roster:duty], after: 5m}]}
platforms:
  telegram: {enabled: true, api_url: %q, token_env: IRBOT_TEST_TG_TOKEN, rate_per_group: 30, rate_per_chat: 30}
`, filepath.Join(dir, "data"), tg.URL())), 0o644)
	s := startServe(t, cfg, "IRBOT_TEST_TG_TOKEN="+tg.Token())
	wait := func(chat int64, want string) telegramtest.Message {
		t.Helper()
		m, ok := tg.WaitMessage(chat, 20*time.Second, func(m telegramtest.Message) bool { return strings.Contains(m.Text, want) })
		if !ok {
			var got []string
			for _, m := range tg.Messages(chat) {
				got = append(got, m.Text)
			}
			t.Fatalf("chat %d never got %q; it has:\n%s\nstderr:\n%s", chat, want, strings.Join(got, "\n---\n"), s.errb.String())
		}
		return m
	}
	tg.SendText(-1001, 111, "/declare@IrBot ransomware sev1 Kế toán bị mã hoá _*[]()~>#+-=|{}.!")
	decl := wait(-1001, "Kế toán bị mã hoá _*[]()~>#+-=|{}.!")
	if len(decl.Buttons) == 0 {
		t.Fatalf("declaration without buttons: %+v", decl)
	}
	page := wait(222, "PAGE — IR-1") // the duty officer's direct chat
	wait(-1002, "📊 IR-1")            // the leaders' summary
	tg.PressButtonLabeled(222, 222, page.ID, "✅ Acknowledge")
	wait(-1001, "acknowledged by Binh")
	tg.SendText(-1001, 111, "/done 1 hosts isolated")
	wait(-1001, "step 1 done")
	// The live status card is pinned and edited in place.
	card := wait(-1001, "State: Phase 1/5")
	if tg.Pinned(-1001) != card.ID || card.Edits == 0 {
		t.Errorf("status card %d (edited %d×) not the pinned message %d", card.ID, card.Edits, tg.Pinned(-1001))
	}

	if len(tg.CommandsFor("default", "vi")) == 0 || len(tg.CommandsFor("default", "en")) == 0 {
		t.Errorf("command menu not registered in both languages: %+v", tg.Commands())
	}
	s.stop(t, tg.Token())
}

// TestServeTelegramWebhook: in webhook mode the bot registers its public
// URL with the Bot API, which then posts updates to it with the secret
// header; a post without the secret is refused.
func TestServeTelegramWebhook(t *testing.T) {
	tg := telegramtest.New(t)
	tg.AddChat(telegramtest.Chat{ID: -1001, Type: telegramtest.Supergroup, Title: "SOC"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "irbot.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`
data_dir: %s
language: en
http: {listen: %q, public_url: "http://%s"}
chats: [{id: soc, purpose: response, ids: {telegram: "-1001"}}]
platforms:
  telegram: {enabled: true, mode: webhook, api_url: %q, rate_per_group: 30}
`, filepath.Join(dir, "data"), addr, addr, tg.URL())), 0o644)
	s := startServe(t, cfg, "TELEGRAM_BOT_TOKEN="+tg.Token(), "TELEGRAM_WEBHOOK_SECRET=hook-secret-123")
	if wh := tg.Webhook(); wh == nil || wh.URL != "http://"+addr+"/telegram/webhook" {
		t.Fatalf("webhook not registered: %+v", wh)
	}
	tg.SendText(-1001, 111, "/declare@IrBot outage Core switch down")
	if _, ok := tg.WaitMessage(-1001, 20*time.Second, func(m telegramtest.Message) bool { return strings.Contains(m.Text, "Core switch down") }); !ok {
		t.Fatalf("no declaration through the webhook\n%s", s.errb)
	}
	req, _ := http.NewRequest("POST", s.base+"/telegram/webhook", strings.NewReader(`{"update_id":999,"message":{"message_id":1,"chat":{"id":-1001,"type":"supergroup"},"from":{"id":111},"text":"/cancel IR-1 forged"}}`))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("forged webhook post: %v %v", resp, err)
	}
	resp.Body.Close()
	s.stop(t, tg.Token(), "hook-secret-123")
}
