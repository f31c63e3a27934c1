package main_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
	"github.com/irbot/irbot/bot/chat/zalo/zalotest"
)

// TestConsoleLeaderCannotSilenceAlerts: with the shipped config, Cường (a
// leader) cannot open a maintenance window; An (an admin) can. The chat
// and "irbot audit" show who did what.
func TestConsoleLeaderCannotSilenceAlerts(t *testing.T) {
	cfg := shippedConfig(t)
	out, stderr, code := irbot(t, strings.Join([]string{
		"cuong@soc: /maintenance prometheus 8760h",
		"cuong@soc: /maintenance alertname=RansomwareDetected 2h test",
		"an@soc: /maintenance alertname=RansomwareDetected 100000h forever",
		"an@soc: /maintenance prometheus 2h nâng cấp Prometheus",
		"cuong@soc: /cancel IR-1 nope",
	}, "\n")+"\n", "console", "--config", cfg)
	if code != 0 {
		t.Fatalf("console: %d %s", code, stderr)
	}
	msgs := messages(out)
	find(t, msgs, "Bạn không có quyền dùng /maintenance", "quản lý lịch trực")
	find(t, msgs, "Khung bảo trì dài nhất là 7 ngày")
	find(t, msgs, "Bảo trì prometheus đến", "nâng cấp Prometheus", "Nguyễn Văn An")
	audit, stderr, code := irbot(t, "", "audit", "--config", cfg)
	if code != 0 {
		t.Fatalf("irbot audit: %d %s", code, stderr)
	}
	for _, want := range []string{`refused                action="maintenance" chat="console:soc" person="cuong"`,
		`maintenance_started    chat="console:soc" end=`, `person="an" reason="nâng cấp Prometheus"`} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit log lacks %q:\n%s", want, audit)
		}
	}
	if n := strings.Count(audit, "refused "); n != 3 {
		t.Errorf("%d refusals in the audit log, want 3 (two windows, one cancel):\n%s", n, audit)
	}
}

// TestServeLongNotesAndZaloCodesWithNotes: the shipped config with Telegram
// and Zalo on. A 4,000-character Vietnamese note typed in Telegram is
// accepted whole there and reaches the Zalo group split into parts of at
// most 2,000 characters; a longer one gets "too long: N of M characters";
// a Zalo reply code followed by a note marks the step done with the note.
func TestServeLongNotesAndZaloCodesWithNotes(t *testing.T) {
	tg := telegramtest.New(t)
	tg.AddChat(telegramtest.Chat{ID: -1001, Type: telegramtest.Supergroup, Title: "SOC"})
	tg.AddChat(telegramtest.Chat{ID: -1002, Type: telegramtest.Supergroup, Title: "Leaders"})
	tg.AddUser(111, "An", "", "an")
	za := zalotest.New(t)
	za.AddChat("g-soc", zalotest.Group)
	cfg := shippedConfig(t, append(telegramOn(tg.URL()),
		"zalo:                   # Zalo Bot Platform; no buttons: replies use short codes (12a, 12d3, …)\n    enabled: false",
		fmt.Sprintf("zalo:\n    enabled: true\n    api_url: %q", za.URL()))...)
	s := startServe(t, cfg, "TELEGRAM_BOT_TOKEN="+tg.Token(), "ZALO_BOT_TOKEN="+za.Token(), "IRBOT_ALERT_TOKEN=tok")

	tg.SendText(-1001, 111, "/declare@IrBot ransomware sev1 Máy chủ kế toán bị mã hoá")
	if _, ok := za.WaitMessage("g-soc", 20*time.Second, func(m zalotest.Message) bool { return strings.Contains(m.Text, "IR-1") }); !ok {
		t.Fatalf("the Zalo group never heard of IR-1; stderr:\n%s", s.errb)
	}
	note := strings.Repeat("Đã cô lập máy chủ kế toán, giữ nguyên hiện trạng. ", 80)[:0]
	for utf8.RuneCountInString(note) < 4000 {
		note += "Đã cô lập máy chủ kế toán, giữ nguyên hiện trạng. "
	}
	note = string([]rune(note)[:3980]) + " HẾT-GHI-CHÚ-4000"
	tg.SendText(-1001, 111, "/note "+note)
	tail := "HẾT-GHI-CHÚ-4000"
	if _, ok := tg.WaitMessage(-1001, 20*time.Second, func(m telegramtest.Message) bool { return strings.Contains(m.Text, strings.TrimSpace(tail)) }); !ok {
		t.Fatalf("Telegram never showed the whole note; stderr:\n%s", s.errb)
	}
	if !za.WaitFor(20*time.Second, func() bool { return strings.Contains(joinZalo(za, "g-soc"), strings.TrimSpace(tail)) }) {
		t.Fatalf("the note never reached the Zalo group whole")
	}
	parts := 0
	for _, m := range za.Messages("g-soc") {
		if n := utf8.RuneCountInString(m.Text); n > 2000 {
			t.Errorf("a Zalo message of %d characters", n)
		}
		if strings.Contains(m.Text, "giữ nguyên hiện trạng") || strings.Contains(m.Text, tail) {
			parts++
		}
	}
	if parts < 2 {
		for _, m := range za.Messages("g-soc") {
			t.Logf("zalo message of %d characters: %.80q", utf8.RuneCountInString(m.Text), m.Text)
		}
		t.Errorf("the note reached Zalo in %d part(s), want it split", parts)
	}
	tg.SendText(-1001, 111, "/note "+strings.Repeat("ệ", 4200))
	if _, ok := tg.WaitMessage(-1001, 20*time.Second, func(m telegramtest.Message) bool {
		return strings.Contains(m.Text, "Quá dài: 4206 trên 4096 ký tự")
	}); !ok {
		for _, m := range tg.Messages(-1001) {
			t.Logf("telegram: %.120q", m.Text)
		}
		t.Fatalf("no 'too long' answer")
	}
	za.SendText("g-soc", "GROUP", "z-an", "An", "1a")
	za.SendText("g-soc", "GROUP", "z-an", "An", "1d1 đã kiểm tra các máy trạm phòng kế toán")
	if _, ok := za.WaitMessage("g-soc", 20*time.Second, func(m zalotest.Message) bool {
		return strings.Contains(m.Text, "bước 1 xong") && strings.Contains(m.Text, "đã kiểm tra các máy trạm phòng kế toán")
	}); !ok {
		t.Fatalf("the Zalo code with a note did not mark step 1 done with the note:\n%s", joinZalo(za, "g-soc"))
	}
	s.stop(t, tg.Token(), za.Token())
}

func joinZalo(za *zalotest.Server, chat string) string {
	var b strings.Builder
	for _, m := range za.Messages(chat) {
		b.WriteString(m.Text)
	}
	return b.String()
}
