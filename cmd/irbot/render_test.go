package main_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
)

// TestServeRendersTheMessageModelForTelegram drives the built binary with
// the shipped config against a loopback Bot API: what the SOC group reads
// is MarkdownV2 rendered from the message model — the headline bold, a
// command with arguments as inline code (tap to copy), no private-use
// marks — and a plain sentence that starts like a command changes nothing.
func TestServeRendersTheMessageModelForTelegram(t *testing.T) {
	tg := telegramtest.New(t, telegramtest.WithTelegramLimits())
	tg.AddChat(telegramtest.Chat{ID: -1001, Type: telegramtest.Supergroup, Title: "SOC"})
	tg.AddChat(telegramtest.Chat{ID: -1002, Type: telegramtest.Supergroup, Title: "Leaders"})
	for _, u := range []struct {
		id   int64
		name string
	}{{111, "An"}, {222, "Binh"}} {
		tg.AddChat(telegramtest.Chat{ID: u.id, Type: telegramtest.Private})
		tg.AddUser(u.id, u.name, "", strings.ToLower(u.name))
	}
	s := startServe(t, shippedConfig(t, telegramOn(tg.URL())...), "TELEGRAM_BOT_TOKEN="+tg.Token(), "IRBOT_ALERT_TOKEN=tok")

	tg.SendText(-1001, 111, "/declare@IrBot ransomware sev1 Máy chủ kế toán bị mã hoá")
	declared, ok := tg.WaitMessage(-1001, 10*time.Second, func(m telegramtest.Message) bool { return strings.Contains(m.Text, "IR-1") })
	if !ok {
		t.Fatalf("no declaration in the group; stderr:\n%s", s.errb)
	}
	if head := entityText(declared, "bold"); !strings.HasPrefix(head, "🚨 IR-1") {
		t.Errorf("the headline is not bold: bold %q in\n%s", head, declared.Text)
	}

	asked := time.Now()
	tg.SendText(-1001, 111, "/skip@IrBot 2")
	usage, ok := tg.WaitMessage(-1001, 10*time.Second, func(m telegramtest.Message) bool {
		return m.At.After(asked) && strings.Contains(m.Text, "/skip")
	})
	if !ok {
		t.Fatalf("no answer to /skip 2; stderr:\n%s", s.errb)
	}
	if code := entityText(usage, "code"); !strings.HasPrefix(code, "/skip ") {
		t.Errorf("the usage's command is not inline code: code %q in\n%s", code, usage.Text)
	}
	if !strings.Contains(usage.Text, "Cần ghi lý do.") {
		t.Errorf("the usage does not say what is missing:\n%s", usage.Text)
	}

	acked := time.Now()
	tg.SendText(-1001, 111, "/ack@IrBot")
	if _, ok := tg.WaitMessage(-1001, 10*time.Second, func(m telegramtest.Message) bool { return m.At.After(acked) && strings.Contains(m.Text, "✅ IR-1") }); !ok {
		t.Fatalf("no answer to /ack; stderr:\n%s", s.errb)
	}
	tg.SendText(-1001, 222, "xong 1 máy rồi") // chat, not /done
	for _, m := range append(tg.Messages(-1001), tg.Messages(-1002)...) {
		if strings.ContainsFunc(m.Text, func(r rune) bool { return r >= 0xE000 && r <= 0xF8FF }) {
			t.Errorf("a private-use mark reached Telegram: %q", m.Text)
		}
	}
	listed := time.Now()
	tg.SendText(-1001, 111, "/timeline@IrBot")
	timeline, ok := tg.WaitMessage(-1001, 10*time.Second, func(m telegramtest.Message) bool {
		return m.At.After(listed) && strings.Contains(m.Text, "IR-1") && strings.Contains(m.Text, "#1")
	})
	if !ok {
		t.Fatalf("no timeline; stderr:\n%s", s.errb)
	}
	if strings.Contains(timeline.Text, "máy rồi") {
		t.Errorf("a plain sentence was taken as /done:\n%s", timeline.Text)
	}
}

// entityText is the text of m's first entity of type typ ("" if none).
func entityText(m telegramtest.Message, typ string) string {
	u := utf16.Encode([]rune(m.Text))
	for _, e := range m.Entities {
		if e.Type == typ && e.Offset+e.Length <= len(u) {
			return string(utf16.Decode(u[e.Offset : e.Offset+e.Length]))
		}
	}
	return ""
}
