package web_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/alerts"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/engine/enginetest"
	"github.com/irbot/irbot/bot/intake"
	"github.com/irbot/irbot/bot/web"
	"github.com/irbot/irbot/store"
)

var stormFor = flag.Duration("storm.duration", 60*time.Second, "how long BenchmarkAlertStorm spreads its 10,000 alerts over")

// wired is an engine on a bolt file behind the real HTTP server.
type wired struct {
	st  store.Store
	eng *engine.Engine
	srv *httptest.Server
}

func wire(t testing.TB) *wired {
	st, books := enginetest.OpenStore(t, ""), enginetest.Playbooks(t)
	dir := bot.NewDirectory(nil, []bot.Chat{{ID: "soc", Purpose: "response", IDs: map[string]string{"console": "soc"}}})
	eng := engine.New(st, books, engine.Options{Language: "en", Directory: dir})
	m := web.NewMetrics(st, nil)
	s := web.New(web.Options{Metrics: m})
	route := alerts.Route{ID: "prom", Kind: "alertmanager", Chat: "soc"}
	s.MountAlerts([]web.AlertRoute{{Route: route, Auth: alerts.Auth{Token: "t0k"}}},
		func(ctx context.Context, r alerts.Route, as []bot.Alert) (bot.AlertResult, error) {
			res, err := eng.Alerts(ctx, intake.Route{Route: r.ID, Chat: r.Chat}, as, r.SeverityOf)
			return bot.AlertResult(res), err
		})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &wired{st: st, eng: eng, srv: srv}
}

// amPayload is one Alertmanager v4 notification with one alert.
func amPayload(group, fp string, n int) []byte {
	return []byte(fmt.Sprintf(`{"receiver":"irbot","status":"firing","alerts":[{"status":"firing",
"labels":{"alertname":"HostDown","group":"%s","instance":"%s","severity":"critical"},
"annotations":{"summary":"%s unreachable (notification %d)"},"startsAt":"2026-11-26T01:00:00Z","endsAt":"0001-01-01T00:00:00Z",
"generatorURL":"http://prometheus:9090/graph","fingerprint":"%s"}],"groupLabels":{"group":"%s"},"commonLabels":{},
"commonAnnotations":{},"externalURL":"http://alertmanager:9093","version":"4","groupKey":"{}:{group=\"%s\"}","truncatedAlerts":0}`,
		group, fp, fp, n, fp, group, group))
}

func post(c *http.Client, url string, body []byte) (int, error) {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer t0k")
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// BenchmarkAlertStorm sends 10,000 Alertmanager notifications from 50
// alert fingerprints in 10 groups, paced evenly over -storm.duration
// (default 60s, as in the issue), over loopback HTTP to the real server,
// engine and bbolt store. It checks at most 50 incidents were opened and
// every alert was recorded, and reports intake latency and memory.
func BenchmarkAlertStorm(b *testing.B) {
	for i := 0; i < b.N; i++ {
		w := wire(b)
		const total, fps, workers = 10_000, 50, 8
		interval := *stormFor / total
		jobs := make(chan int)
		var mu sync.Mutex
		lat := make([]time.Duration, 0, total)
		var wg sync.WaitGroup
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
		for k := 0; k < workers; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range jobs {
					fp := fmt.Sprintf("fp%02d", n%fps)
					t0 := time.Now()
					code, err := post(client, w.srv.URL+"/alerts/prom", amPayload(fmt.Sprint("g", n%fps%10), fp, n))
					if err != nil || code != 200 {
						b.Errorf("alert %d: %d %v", n, code, err)
						return
					}
					mu.Lock()
					lat = append(lat, time.Since(t0))
					mu.Unlock()
				}
			}()
		}
		b.ResetTimer()
		start := time.Now()
		for n := 0; n < total; n++ {
			if d := time.Until(start.Add(time.Duration(n) * interval)); d > 0 {
				time.Sleep(d)
			}
			jobs <- n
		}
		close(jobs)
		wg.Wait()
		elapsed := time.Since(start)
		b.StopTimer()
		ctx := context.Background()
		incs, _ := w.st.Incidents(ctx, false)
		recorded := 0
		for _, inc := range incs {
			evs, _ := w.st.Timeline(ctx, inc.ID, 0)
			for _, e := range evs {
				if strings.HasPrefix(string(e.Kind), "alert") {
					recorded++
				}
			}
		}
		if len(incs) > 50 || recorded != total {
			b.Fatalf("%d incidents (want ≤ 50), %d alerts recorded (want %d)", len(incs), recorded, total)
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(len(incs)), "incidents")
		b.ReportMetric(float64(total)/elapsed.Seconds(), "alerts/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
	}
}

func TestBadRequestsDoNotStopTheServer(t *testing.T) {
	w := wire(t)
	c := &http.Client{}
	for _, body := range [][]byte{[]byte("{"), []byte(`{"alerts": 7}`), bytes.Repeat([]byte("x"), 2<<20), []byte("null")} {
		code, err := post(c, w.srv.URL+"/alerts/prom", body)
		if err != nil || code < 400 || code >= 500 {
			t.Fatalf("bad body got %d, %v", code, err)
		}
	}
	if code, _ := post(c, w.srv.URL+"/alerts/prom", amPayload("g", "fp", 1)); code != 200 {
		t.Fatalf("a good alert after bad ones: %d", code)
	}
	resp, err := c.Get(w.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if !strings.Contains(buf.String(), `irbot_http_rejections_total{endpoint="alerts",reason="malformed"}`) {
		t.Fatalf("rejections not counted:\n%s", buf.String())
	}
}
