package main_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
)

// TestServeHeartbeatPagesWhenPingsStop drives the built binary with the
// shipped config, a heartbeat of 2 minutes and its clock fast-forwarded
// (IRBOT_TEST_CLOCK): pings keep it quiet; a missing ping opens an
// incident and pages once; pings back resolve it; a kill -9 while overdue
// pages once after the restart.
func TestServeHeartbeatPagesWhenPingsStop(t *testing.T) {
	tg := telegramtest.New(t)
	tg.AddChat(telegramtest.Chat{ID: -1001, Type: telegramtest.Supergroup, Title: "SOC"})
	tg.AddChat(telegramtest.Chat{ID: -1002, Type: telegramtest.Supergroup, Title: "Leaders"})
	for _, id := range []int64{111, 222, 333} {
		tg.AddChat(telegramtest.Chat{ID: id, Type: telegramtest.Private})
	}
	clock := filepath.Join(t.TempDir(), "clock")
	ahead := time.Duration(0)
	advance := func(d time.Duration) {
		ahead += d
		if err := os.WriteFile(clock, []byte(ahead.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	advance(0)
	cfg := shippedConfig(t, append(telegramOn(tg.URL()), "heartbeats: []",
		`heartbeats: [{id: prometheus, name: {vi: Prometheus, en: Prometheus}, interval: 2m, grace: 30s, route: prometheus, watchdog: true, token_env: IRBOT_HB_TOKEN}]`)...)
	env := []string{"TELEGRAM_BOT_TOKEN=" + tg.Token(), "IRBOT_ALERT_TOKEN=tok", "IRBOT_HB_TOKEN=hb", "IRBOT_TEST_CLOCK=" + clock}
	s := startServe(t, cfg, env...)
	ping := func(s *server) {
		t.Helper()
		req, _ := http.NewRequest("POST", s.base+"/heartbeat/prometheus", nil)
		req.Header.Set("Authorization", "Bearer hb")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("ping: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	// pages counts the pages for the heartbeat's incidents in the duty
	// officers' direct chats.
	pages := func() int {
		n := 0
		for _, id := range []int64{111, 222} {
			for _, m := range tg.Messages(id) {
				if strings.Contains(m.Text, "Mất nhịp tim") {
					n++
				}
			}
		}
		return n
	}
	if req, _ := http.NewRequest("POST", s.base+"/heartbeat/prometheus", nil); true {
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 401 {
			t.Fatalf("ping without the token: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	for range 5 {
		advance(time.Minute)
		ping(s)
		time.Sleep(150 * time.Millisecond)
	}
	if n := pages(); n != 0 {
		t.Fatalf("%d pages while pings kept coming", n)
	}
	advance(3 * time.Minute) // no ping: overdue
	if !tg.WaitFor(10*time.Second, func() bool { return pages() == 1 }) {
		t.Fatalf("a missing ping paged %d times, want 1; stderr:\n%s", pages(), s.errb)
	}
	advance(5 * time.Minute)
	time.Sleep(500 * time.Millisecond)
	if n := pages(); n != 1 {
		t.Fatalf("%d pages for one silence", n)
	}
	ping(s) // back: resolved
	if _, ok := tg.WaitMessage(-1001, 10*time.Second, func(m telegramtest.Message) bool {
		return strings.Contains(m.Text, "Có nhịp tim lại: Prometheus đã báo về")
	}); !ok {
		for _, m := range tg.Messages(-1001) {
			t.Logf("soc: %.150q", m.Text)
		}
		t.Fatalf("pings back were not told in the group")
	}
	// kill -9, then the clock passes the due time while irbot is down.
	s.cmd.Process.Kill()
	s.cmd.Wait()
	advance(3 * time.Minute)
	s2 := startServe(t, cfg, env...)
	if !tg.WaitFor(10*time.Second, func() bool { return pages() == 2 }) {
		t.Fatalf("after the restart, %d pages in all, want 2; stderr:\n%s", pages(), s2.errb)
	}
	time.Sleep(1500 * time.Millisecond)
	if n := pages(); n != 2 {
		t.Fatalf("the restart paged %d times for one silence", n-1)
	}
	s2.stop(t)
	out, _, _ := irbotEnv(t, env, "/heartbeats\n", "console", "--config", cfg)
	if !strings.Contains(out, "Prometheus: mất nhịp") {
		t.Errorf("/heartbeats does not show it missing:\n%s", out)
	}
}
