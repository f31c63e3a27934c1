package main_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot/chat/zalo/zalotest"
)

// TestServeOnZalo drives the binary as a Zalo group would: plain-text
// commands, Vietnamese aliases and reply codes through the Bot API.
func TestServeOnZalo(t *testing.T) {
	za := zalotest.New(t)
	za.AddChat("g-soc", zalotest.Group)
	za.AddChat("z-binh", zalotest.Private) // Bình has talked to the bot before, so it may write to her
	dir := t.TempDir()
	cfg := filepath.Join(dir, "irbot.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`
data_dir: %s
http: {listen: "127.0.0.1:0"}
people:
  - {id: an, name: Nguyễn Văn An, ids: {zalo: "z-an"}}
  - {id: binh, name: Trần Thị Bình, ids: {zalo: "z-binh"}}
chats:
  - {id: soc, purpose: response, ids: {zalo: "g-soc"}}
rosters:
  - {id: duty, layers: [{rotation: daily, handoff: "07:30", members: [binh]}]}
escalation:
  - {id: security, levels: [{targets: [roster:duty], after: 5m}]}
  - {id: ops, levels: [{targets: [roster:duty], after: 5m}]}
platforms:
  zalo: {enabled: true, api_url: %q, token_env: IRBOT_TEST_ZALO_TOKEN, rate_per_group: 30, rate_per_chat: 30}
`, filepath.Join(dir, "data"), za.URL())), 0o644)
	s := startServe(t, cfg, "IRBOT_TEST_ZALO_TOKEN="+za.Token())
	wait := func(chat, want string) {
		t.Helper()
		if _, ok := za.WaitMessage(chat, 20*time.Second, func(m zalotest.Message) bool { return strings.Contains(m.Text, want) }); !ok {
			var got []string
			for _, m := range za.Messages(chat) {
				got = append(got, m.Text)
			}
			t.Fatalf("%s never got %q; it has:\n%s\nstderr:\n%s", chat, want, strings.Join(got, "\n---\n"), s.errb.String())
		}
	}
	za.SendText("g-soc", "GROUP", "z-an", "An", "khaibao phishing Lộ mật khẩu thư công vụ của phòng Tài vụ")
	wait("g-soc", "Lộ mật khẩu thư công vụ của phòng Tài vụ")
	wait("z-binh", "1a") // the page in Bình's direct chat, with its reply code
	za.SendText("z-binh", "PRIVATE", "z-binh", "Bình", "1a")
	wait("g-soc", "đã được Trần Thị Bình xác nhận")
	za.SendText("g-soc", "GROUP", "z-an", "An", "1d1")
	wait("g-soc", "bước 1 xong")
	s.stop(t, za.Token())
}
