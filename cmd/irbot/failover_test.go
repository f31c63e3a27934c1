package main_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/irbot/irbot/store/redis/redistest"
)

// TestServeRidesOutASentinelFailover: two replicas on a Sentinel set (AOF
// on) take a stream of alerts; the master is killed -9 mid-stream. While
// it fails over, senders get 503 with Retry-After (never another 5xx),
// and /readyz says so; the replicas recover without a restart; every
// alert group that was answered 200 has its incident afterwards.
func TestServeRidesOutASentinelFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("failover test: seconds of real time")
	}
	set := redistest.StartSentinelSet(t, "irbot")
	cfg := shippedConfig(t, `store: ""`, "store: "+set.URL())
	env := []string{"IRBOT_ALERT_TOKEN=tok"}
	a := startServe(t, cfg, env...)
	b := startServe(t, cfg, env...)

	var mu sync.Mutex
	acked := map[string]bool{} // alert names answered 200
	codes := map[int]int{}
	retryAfter := true
	post := func(s *server, name string) {
		body := strings.ReplaceAll(string(payload(t, "am_firing.json")), "HighErrorRate", name)
		req, _ := http.NewRequest("POST", s.base+"/alerts/prometheus", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer tok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		resp.Body.Close()
		mu.Lock()
		defer mu.Unlock()
		codes[resp.StatusCode]++
		switch resp.StatusCode {
		case 200:
			acked[name] = true
		case 503:
			retryAfter = retryAfter && resp.Header.Get("Retry-After") != ""
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				s := a
				if (c+i)%2 == 1 {
					s = b
				}
				post(s, fmt.Sprintf("Storm%dx%d", c, i))
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	time.Sleep(2 * time.Second)
	set.Master.Kill()
	notReady := false
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		code, _ := a.get(t, "/readyz")
		if code == 503 {
			notReady = true
		}
		mu.Lock()
		recovered := notReady && code == 200
		mu.Unlock()
		if recovered {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // and a while after the recovery
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("answers: %v", codes)
	if codes[503] == 0 || !retryAfter {
		t.Errorf("during the failover: %d × 503 (Retry-After on all: %v); want some, all with Retry-After", codes[503], retryAfter)
	}
	for code, n := range codes {
		if code >= 500 && code != 503 {
			t.Errorf("%d answers %d; a failover must be a 503", n, code)
		}
	}
	if code, body := b.get(t, "/readyz"); code != 200 {
		t.Fatalf("replica b not ready after the failover: %d %s", code, body)
	}
	// Every acknowledged alert group is an incident (the list from a replica
	// still running, through the console on the same store).
	a.stop(t)
	b.stop(t)
	out, stderr, code := irbot(t, "", "verify", "--config", cfg)
	if code != 0 {
		t.Fatalf("irbot verify: %d %s", code, stderr)
	}
	n := strings.Count(out, "\nok ") + map[bool]int{true: 1}[strings.HasPrefix(out, "ok ")]
	if len(acked) == 0 || n < len(acked) {
		t.Fatalf("%d alert groups were answered 200, but the store has %d intact incidents: acknowledged writes were lost", len(acked), n)
	}
}
