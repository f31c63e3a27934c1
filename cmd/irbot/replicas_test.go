package main_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/irbot/irbot/store/redis/redistest"
)

// TestTwoReplicasOnRedis runs two "irbot serve" processes on one Redis, as
// two replicas behind a load balancer: the same alert group posted to both
// opens one incident, and the escalation timer both schedulers see pages
// the next level once.
func TestTwoReplicasOnRedis(t *testing.T) {
	url := redistest.StartPrivate(t)
	if !strings.Contains(url, "://") {
		url = "redis://" + url
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "irbot.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`
store: %s
language: en
http: {listen: "127.0.0.1:0"}
people: [{id: an, name: An}, {id: binh, name: Binh}]
chats: [{id: soc, purpose: response, ids: {console: soc}}]
rosters: [{id: duty, layers: [{rotation: daily, handoff: "07:30", members: [binh]}]}]
escalation:
  - {id: security, levels: [{targets: [roster:duty], after: 1h}]}
  - id: ops
    levels: [{targets: [roster:duty], after: 1s}, {targets: [person:an], after: 1h}]
alerts:
  routes: [{id: prom, kind: alertmanager, token_env: IRBOT_TEST_PROM_TOKEN, chat: soc, escalation: ops}]
`, url)), 0o644)
	a := startServe(t, cfg, "IRBOT_TEST_PROM_TOKEN=prom-secret")
	b := startServe(t, cfg, "IRBOT_TEST_PROM_TOKEN=prom-secret")
	body := payload(t, "am_firing.json")
	var wg sync.WaitGroup
	codes := make([]int, 6)
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s := a
			if i%2 == 1 {
				s = b
			}
			codes[i], _ = s.post(t, "/alerts/prom", "prom-secret", body)
		}(i)
	}
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Fatalf("post %d: %d", i, c)
		}
	}
	time.Sleep(1500 * time.Millisecond) // level 1's wait, on the wall clock, while both replicas run
	a.stop(t)
	b.stop(t)

	out, stderr, code := irbot(t, "/incidents all\n", "console", "--config", cfg)
	if code != 0 {
		t.Fatalf("console on redis: exit %d: %s", code, stderr)
	}
	// Both may have numbered one (numbers are never reused), but one opened it.
	list := find(t, messages(out), "Incidents (")
	if !strings.Contains(list, "Incidents (1)") {
		t.Fatalf("two replicas opened two incidents for one alert group:\n%s", list)
	}
	ref := regexp.MustCompile(`IR-\d+`).FindString(list)
	out, _, _ = irbot(t, "/timeline "+ref+"\n", "console", "--config", cfg)
	tl := find(t, messages(out), "Timeline of "+ref)
	if n := strings.Count(tl, "escalated to level 2"); n != 1 {
		t.Fatalf("level 2 paged %d times by two replicas, want 1:\n%s", n, tl)
	}
	if vout, _, code := irbot(t, "", "verify", "--config", cfg, ref); code != 0 || !strings.Contains(vout, "ok ") {
		t.Fatalf("verify on redis: exit %d\n%s", code, vout)
	}
	if n := strings.Count(tl, "— alert"); n != 12 {
		t.Fatalf("%d alerts recorded, want 12 (6 posts × 2 alerts):\n%s", n, tl)
	}
}
