package main_test

import (
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
	"github.com/irbot/irbot/store/redis/redistest"
)

// TestReplicasDeliverAndPollOnce: two replicas on one Redis, both with
// Telegram on. One delivers the outbox and one polls at a time (leases),
// so every message reaches its chat once and every update is handled once,
// whichever replica took the alert; when the delivering replica stops, the
// other takes over.
func TestReplicasDeliverAndPollOnce(t *testing.T) {
	url := redistest.StartPrivate(t)
	if !strings.Contains(url, "://") {
		url = "redis://" + url
	}
	tg := telegramtest.New(t)
	tg.AddChat(telegramtest.Chat{ID: -1001, Type: telegramtest.Supergroup, Title: "SOC"})
	tg.AddChat(telegramtest.Chat{ID: -1002, Type: telegramtest.Supergroup, Title: "Leaders"})
	for _, id := range []int64{111, 222, 333} {
		tg.AddChat(telegramtest.Chat{ID: id, Type: telegramtest.Private})
	}
	cfg := shippedConfig(t, append(telegramOn(tg.URL()), `store: ""`, "store: "+url)...)
	env := []string{"TELEGRAM_BOT_TOKEN=" + tg.Token(), "IRBOT_ALERT_TOKEN=tok"}
	a := startServe(t, cfg, env...)
	b := startServe(t, cfg, env...)
	count := func(chat int64, want string) int {
		n := 0
		for _, m := range tg.Messages(chat) {
			if strings.Contains(m.Text, want) {
				n++
			}
		}
		return n
	}
	for i, s := range []*server{a, b, a, b} {
		body := strings.ReplaceAll(string(payload(t, "am_firing.json")), `HighErrorRate`, `Replica`+string(rune('A'+i)))
		if code, resp := s.post(t, "/alerts/prometheus", "tok", []byte(body)); code != 200 {
			t.Fatalf("alert %d: %d %s", i, code, resp)
		}
	}
	tg.SendText(-1001, 111, "/incidents@IrBot")
	if !tg.WaitFor(20*time.Second, func() bool {
		return count(-1001, "🚨 IR-4") == 1 && count(-1001, "IR-1") > 0 && count(-1001, "(4)") >= 1
	}) {
		for _, m := range tg.Messages(-1001) {
			t.Logf("soc: %.100q", m.Text)
		}
		t.Fatalf("the group never got all four incidents and the list; stderr A:\n%s\nB:\n%s", a.errb, b.errb)
	}
	time.Sleep(2 * time.Second) // a second deliverer or poller would have doubled them by now
	for i := 1; i <= 4; i++ {
		ref := "🚨 IR-" + string(rune('0'+i))
		if n := count(-1001, ref); n != 1 {
			t.Errorf("%s reached the group %d times", ref, n)
		}
	}
	if n := count(-1001, "(4)"); n != 1 {
		t.Errorf("/incidents was answered %d times", n)
	}
	// The replica that delivers stops; the other takes over within a lease.
	holder := a
	if !strings.Contains(a.errb.String(), `"lease":"deliver"`) {
		holder = b
	}
	holder.stop(t)
	other := a
	if holder == a {
		other = b
	}
	tg.SendText(-1001, 111, "/note@IrBot IR-1 sau khi một bản sao dừng")
	if _, ok := tg.WaitMessage(-1001, 40*time.Second, func(m telegramtest.Message) bool { return strings.Contains(m.Text, "sau khi một bản sao dừng") }); !ok {
		t.Fatalf("the other replica did not take over; stderr:\n%s", other.errb)
	}
}
