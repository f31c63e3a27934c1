package main_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/irbot/irbot/store/redis/redistest"
)

// TestTwoReplicasOnRedis runs two "irbot serve" processes on one Redis, as
// two replicas behind a load balancer, with their clock fast-forwarded
// (IRBOT_TEST_CLOCK): the same alert group posted to both opens one
// incident, and the escalation timer both schedulers see pages the next
// level once. What the replicas did is read from their own /metrics while
// they run, so the test fails if neither replica's scheduler fires (a
// console run afterwards would otherwise fire the overdue level itself).
func TestTwoReplicasOnRedis(t *testing.T) {
	url := redistest.StartPrivate(t)
	if !strings.Contains(url, "://") {
		url = "redis://" + url
	}
	dir := t.TempDir()
	clock := filepath.Join(dir, "clock")
	advance := func(d time.Duration) {
		t.Helper()
		if err := os.WriteFile(clock, []byte(d.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	advance(0)
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
    levels: [{targets: [roster:duty], after: 5m}, {targets: [person:an], after: 1h}]
alerts:
  routes: [{id: prom, kind: alertmanager, token_env: IRBOT_TEST_PROM_TOKEN, chat: soc, escalation: ops}]
`, url)), 0o644)
	env := []string{"IRBOT_TEST_PROM_TOKEN=prom-secret", "IRBOT_TEST_CLOCK=" + clock}
	a := startServe(t, cfg, env...)
	b := startServe(t, cfg, env...)
	replicas := []*server{a, b}
	body := payload(t, "am_firing.json")
	var wg sync.WaitGroup
	codes := make([]int, 6)
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			codes[i], _ = replicas[i%2].post(t, "/alerts/prom", "prom-secret", body)
		}(i)
	}
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Fatalf("post %d: %d", i, c)
		}
	}
	escalated := `irbot_timeline_events_total{kind="page_escalated"}`
	late := "irbot_timer_lateness_seconds_count"
	// Level 1 is paged at once, by the replica that opened the incident;
	// level 2 waits for its 5 minutes.
	if got := sumMetric(t, replicas, "irbot_pages_sent_total"); got != 1 {
		t.Fatalf("%v pages sent for one new incident, want 1 (level 1)", got)
	}
	if got := sumMetric(t, replicas, escalated); got != 0 {
		t.Fatalf("level 2 paged before its delay: %v escalations", got)
	}

	advance(6 * time.Minute) // past level 1's wait, while both replicas run
	deadline := time.Now().Add(10 * time.Second)
	for sumMetric(t, replicas, escalated) < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("no replica paged level 2 within 10s of its due time (pages sent: %v, timers fired: %v)\nreplica a:\n%s\nreplica b:\n%s",
				sumMetric(t, replicas, "irbot_pages_sent_total"), sumMetric(t, replicas, late), a.errb, b.errb)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Both schedulers look again every 100 ms: give each several passes
	// to fire the timer a second time, if it could.
	time.Sleep(500 * time.Millisecond)
	if got := sumMetric(t, replicas, escalated); got != 1 {
		t.Fatalf("level 2 paged %v times by two replicas, want 1", got)
	}
	if got := sumMetric(t, replicas, "irbot_pages_sent_total"); got != 2 {
		t.Fatalf("%v pages sent in all, want 2 (level 1, then level 2)", got)
	}
	// The escalation timer is the only timer of this config: it fired
	// once, in one replica, about a minute after its due time (the clock
	// jumped from 0 to 6 minutes).
	if got := sumMetric(t, replicas, late); got != 1 {
		t.Fatalf("%v timers fired in the two replicas, want 1 (level 2's)", got)
	}
	if got := sumMetric(t, replicas, `irbot_timer_lateness_seconds_bucket{le="10"}`); got != 0 {
		t.Fatalf("the timer fired within 10s of its due time, but the clock jumped a minute past it: is the test clock honoured?")
	}
	a.stop(t)
	b.stop(t)

	out, stderr, code := irbotEnv(t, env, "/incidents all\n", "console", "--config", cfg)
	if code != 0 {
		t.Fatalf("console on redis: exit %d: %s", code, stderr)
	}
	// Both may have numbered one (numbers are never reused), but one opened it.
	list := find(t, messages(out), "Incidents (")
	if !strings.Contains(list, "Incidents (1)") {
		t.Fatalf("two replicas opened two incidents for one alert group:\n%s", list)
	}
	ref := regexp.MustCompile(`IR-\d+`).FindString(list)
	out, _, _ = irbotEnv(t, env, "/timeline "+ref+"\n", "console", "--config", cfg)
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

// sumMetric scrapes /metrics of every replica and returns the sum of the
// sample series (a metric name with its labels exactly as exposed, e.g.
// `irbot_timeline_events_total{kind="page_escalated"}`); a series a
// replica does not expose counts 0.
func sumMetric(t *testing.T, replicas []*server, series string) float64 {
	t.Helper()
	var sum float64
	for _, s := range replicas {
		code, body := s.get(t, "/metrics")
		if code != 200 {
			t.Fatalf("GET %s/metrics: %d %s", s.base, code, body)
		}
		sc := bufio.NewScanner(strings.NewReader(body))
		for sc.Scan() {
			name, value, ok := strings.Cut(sc.Text(), " ")
			if !ok || name != series {
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil {
				t.Fatalf("%s: %q: %v", s.base, sc.Text(), err)
			}
			sum += v
		}
	}
	return sum
}
