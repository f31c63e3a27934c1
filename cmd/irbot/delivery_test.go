package main_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
	"github.com/irbot/irbot/store/redis/redistest"
)

// shippedConfig writes configs/irbot.yaml, as shipped, with the edits a
// user makes to try it (each old→new pair replaced once), and returns its
// path. Data goes to a temp dir, the HTTP server to a free port.
func shippedConfig(t *testing.T, edits ...string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "configs/irbot.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	dir := t.TempDir()
	root, _ := filepath.Abs(repoRoot)
	edits = append([]string{"data_dir: ../data", "data_dir: " + filepath.Join(dir, "data"),
		"playbooks_dir: ../playbooks", "playbooks_dir: " + filepath.Join(root, "playbooks"),
		"listen: 127.0.0.1:8080", "listen: 127.0.0.1:0"}, edits...)
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(text, edits[i]) {
			t.Fatalf("configs/irbot.yaml has no %q to edit", edits[i])
		}
		text = strings.Replace(text, edits[i], edits[i+1], 1)
	}
	path := filepath.Join(dir, "irbot.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// telegramOn are the edits that turn on Telegram in the shipped config,
// against the fake at url.
func telegramOn(url string) []string {
	return []string{"telegram:\n    enabled: false", fmt.Sprintf("telegram:\n    enabled: true\n    api_url: %q", url)}
}

// TestServeDeliversAtTelegramLimits drives the built binary with the
// shipped config against a loopback Bot API that enforces Telegram's
// documented limits (1/s per chat, 20/min per group, 30/s in all) in real
// time: a group types 40 notes, then an alert comes in. The duty
// officer's page does not wait behind the group's backlog, his /ack is
// answered at once, the group's replies keep their order, and nothing is
// refused with 429.
func TestServeDeliversAtTelegramLimits(t *testing.T) {
	tg := telegramtest.New(t, telegramtest.WithTelegramLimits())
	tg.AddChat(telegramtest.Chat{ID: -1001, Type: telegramtest.Supergroup, Title: "SOC"})
	tg.AddChat(telegramtest.Chat{ID: -1002, Type: telegramtest.Supergroup, Title: "Leaders"})
	for _, u := range []struct {
		id   int64
		name string
	}{{111, "An"}, {222, "Binh"}, {333, "Cuong"}} {
		tg.AddChat(telegramtest.Chat{ID: u.id, Type: telegramtest.Private})
		tg.AddUser(u.id, u.name, "", strings.ToLower(u.name))
	}
	cfg := shippedConfig(t, telegramOn(tg.URL())...)
	s := startServe(t, cfg, "TELEGRAM_BOT_TOKEN="+tg.Token(), "IRBOT_ALERT_TOKEN=tok")

	tg.SendText(-1001, 111, "/declare@IrBot ransomware sev1 Máy chủ kế toán bị mã hoá")
	for i := range 40 {
		tg.SendText(-1001, 222, fmt.Sprintf("/note ghi chú số %02d", i))
		time.Sleep(50 * time.Millisecond)
	}
	posted := time.Now()
	body := strings.ReplaceAll(string(payload(t, "am_firing.json")), `"alertname": "`, `"alertname": "Storm`)
	if code, resp := s.post(t, "/alerts/prometheus", "tok", []byte(body)); code != 200 {
		t.Fatalf("alert: %d %s", code, resp)
	}
	// The page goes to whoever is on duty (an or binh); find it.
	var page telegramtest.Message
	var officer int64
	deadline := time.Now().Add(10 * time.Second)
	for officer == 0 && time.Now().Before(deadline) {
		for _, id := range []int64{111, 222} {
			for _, m := range tg.Messages(id) {
				if strings.Contains(m.Text, "IR-2") {
					page, officer = m, id
				}
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if officer == 0 {
		t.Fatalf("no duty officer was paged for IR-2; stderr:\n%s", s.errb)
	}
	t.Logf("alert → page delivered in %s", page.At.Sub(posted))
	if wait := page.At.Sub(posted); wait > time.Second {
		t.Errorf("page arrived %s after the alert, behind the group's backlog; want well under a second", wait)
	}
	acked := time.Now()
	if len(page.Buttons) == 0 {
		t.Fatalf("page without an acknowledge button: %+v", page)
	}
	tg.PressButton(officer, officer, page.ID, page.Buttons[0][0].CallbackData)
	if _, ok := tg.WaitMessage(officer, 5*time.Second, func(m telegramtest.Message) bool { return m.At.After(acked) || m.Edits > 0 }); !ok {
		t.Error("the officer's acknowledgement was not answered")
	}
	// The group's notes arrive in order, at the group's pace.
	time.Sleep(3 * time.Second)
	var last int = -1
	n := 0
	for _, m := range tg.Messages(-1001) {
		var k int
		if _, err := fmt.Sscanf(m.Text[strings.Index(m.Text, "ghi chú số")+len("ghi chú số "):], "%02d", &k); err != nil || !strings.Contains(m.Text, "ghi chú số") {
			continue
		}
		if k < last {
			t.Fatalf("note %d arrived after note %d", k, last)
		}
		last, n = k, n+1
	}
	if n == 0 || n > 20 {
		t.Errorf("%d notes confirmed in the group within its first minute; want some, and at most 20", n)
	}
	if c := tg.Count429(); c != 0 {
		t.Errorf("%d messages refused with 429", c)
	}
}

// TestConsoleShippedConfigAnswersEveryCommand: the shipped config names
// people and chats on Telegram, Zalo and Slack, none running in the
// console. One /declare and 999 /note commands: every one is answered.
func TestConsoleShippedConfigAnswersEveryCommand(t *testing.T) {
	var script strings.Builder
	script.WriteString("/declare ddos sev2 Cổng thông tin chậm\n")
	for i := 1; i < 1000; i++ {
		fmt.Fprintf(&script, "/note lần %d: web-01 vẫn chậm\n", i)
	}
	cmd := irbotCmd("console", "--config", shippedConfig(t))
	cmd.Dir = repoRoot
	cmd.Stdin = strings.NewReader(script.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("console: %v", err)
	}
	for i := 1; i < 1000; i++ {
		if !strings.Contains(string(out), fmt.Sprintf("lần %d: web-01 vẫn chậm", i)) {
			t.Fatalf("note %d was not answered; the console printed %d lines", i, strings.Count(string(out), "\n"))
		}
	}
}

// TestServeStopsWithinGraceWhileAPlatformFails: Telegram answers every
// send with 502; SIGTERM still ends serve within http.shutdown_grace, and
// the unsent messages are kept for the next start.
func TestServeStopsWithinGraceWhileAPlatformFails(t *testing.T) {
	tg := telegramtest.New(t)
	tg.AddChat(telegramtest.Chat{ID: -1001, Type: telegramtest.Supergroup, Title: "SOC"})
	cfg := shippedConfig(t, append(telegramOn(tg.URL()), "shutdown_grace: 10s", "shutdown_grace: 2s")...)
	s := startServe(t, cfg, "TELEGRAM_BOT_TOKEN="+tg.Token(), "IRBOT_ALERT_TOKEN=tok")
	for range 100 {
		tg.FailNext("sendMessage", 502, "Bad Gateway", nil)
	}
	tg.SendText(-1001, 111, "/declare@IrBot ddos sev2 Cổng chậm")
	time.Sleep(2 * time.Second) // the reply is failing and backing off
	begin := time.Now()
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
		if took := time.Since(begin); took > 4*time.Second {
			t.Errorf("serve took %s to stop; grace is 2s", took)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("serve still running 15s after SIGTERM; stderr:\n%s", s.errb)
	}
}

// TestServeNotReadyAfterRedisIsEmptied: a replica whose Redis restarted
// without persistence (here: FLUSHALL under it) reports not ready, says
// why, and refuses alerts instead of paging from an empty store.
func TestServeNotReadyAfterRedisIsEmptied(t *testing.T) {
	url := redistest.StartPrivate(t)
	if !strings.Contains(url, "://") {
		url = "redis://" + url
	}
	cfg := shippedConfig(t, `store: ""`, "store: "+url)
	s := startServe(t, cfg, "IRBOT_ALERT_TOKEN=tok")
	if code, body := s.post(t, "/alerts/prometheus", "tok", payload(t, "am_firing.json")); code != 200 {
		t.Fatalf("alert before: %d %s", code, body)
	}
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	if err := rdb.FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	code, body := s.get(t, "/readyz")
	if code != 503 || !strings.Contains(body, "emptied") {
		t.Fatalf("readyz after the wipe: %d %q; want 503 saying the store was emptied", code, body)
	}
	if code, _ := s.post(t, "/alerts/prometheus", "tok", payload(t, "am_firing.json")); code < 500 {
		t.Fatalf("alert after the wipe: %d; want it refused", code)
	}
	if keys, _ := rdb.Keys(context.Background(), "*").Result(); len(keys) > 2 {
		t.Fatalf("the wiped store was written again: %v", keys)
	}
	if !strings.Contains(s.errb.String(), "emptied") {
		t.Errorf("nothing logged about the wipe; stderr:\n%s", s.errb)
	}
}
