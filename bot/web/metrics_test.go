package web_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/web"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/bolt"
)

// countingStore is a real store that counts the reads a scrape must not
// make, and can fail the first few reads of the incidents.
type countingStore struct {
	store.Store
	incidents, outbox atomic.Int64
	failIncidents     atomic.Int64 // fail this many more Incidents calls
}

func (s *countingStore) Incidents(ctx context.Context, open bool) ([]*bot.Incident, error) {
	s.incidents.Add(1)
	if s.failIncidents.Add(-1) >= 0 {
		return nil, errors.New("store unavailable")
	}
	return s.Store.Incidents(ctx, open)
}

func (s *countingStore) Outbox(ctx context.Context, limit int) ([]bot.Outgoing, error) {
	s.outbox.Add(1)
	return s.Store.Outbox(ctx, limit)
}

func (s *countingStore) OutboxAfter(ctx context.Context, after string, limit int) ([]bot.Outgoing, error) {
	s.outbox.Add(1)
	return s.Store.OutboxAfter(ctx, after, limit)
}

// statsFunc is a fake delivery layer.
type statsFunc func() chat.Stats

func (f statsFunc) Stats() chat.Stats { return f() }

func openBolt(t *testing.T) store.Store {
	t.Helper()
	st, err := bolt.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// metricsServer serves m's /metrics through the real server.
func metricsServer(t *testing.T, m *web.Metrics) string {
	t.Helper()
	srv := httptest.NewServer(web.New(web.Options{Metrics: m}).Handler())
	t.Cleanup(srv.Close)
	return srv.URL + "/metrics"
}

// scrape GETs /metrics and returns each series (name and labels, as
// exposed) with its value.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	got, err := get(url)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func get(url string) (map[string]float64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("GET /metrics = %d: %s", resp.StatusCode, b)
	}
	got := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("bad line %q: %w", line, err)
		}
		got[line[:i]] = v
	}
	return got, sc.Err()
}

// openGauge returns the irbot_open_incidents series of a scrape.
func openGauge(series map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range series {
		if strings.HasPrefix(k, "irbot_open_incidents{") {
			out[k] = v
		}
	}
	return out
}

func openSeries(state string, sev int) string {
	return fmt.Sprintf(`irbot_open_incidents{severity="sev%d",state="%s"}`, sev, state)
}

// commit writes a copy of inc in state and returns the committed tx, as
// the engine hands it to OnCommit.
func commit(t *testing.T, st store.Store, inc *bot.Incident, state string) *store.Tx {
	t.Helper()
	tx, err := commitErr(st, inc, state)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

func commitErr(st store.Store, inc *bot.Incident, state string) (*store.Tx, error) {
	c := *inc
	c.State = state
	tx := &store.Tx{Incident: &c}
	if err := st.Commit(context.Background(), tx); err != nil {
		return nil, fmt.Errorf("commit %d %s: %w", inc.ID, state, err)
	}
	*inc = c // the next commit continues from this version
	return tx, nil
}

func newIncident(id int64, sev int) *bot.Incident {
	at := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	return &bot.Incident{ID: id, Prefix: "IR", Title: fmt.Sprint("incident ", id), Severity: sev,
		Playbook: "ransomware", State: bot.StateTriggered, Declared: at, Updated: at}
}

func gaugeEquals(t *testing.T, url string, want map[string]float64) {
	t.Helper()
	got := openGauge(scrape(t, url))
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("irbot_open_incidents = %v, want %v", got, want)
	}
}

// TestScrapeReadsNothingFromTheStore: the open incidents are read once,
// when the metrics are made; scrapes read neither them nor the outbox.
func TestScrapeReadsNothingFromTheStore(t *testing.T) {
	db := openBolt(t)
	a, b, c := newIncident(1, 1), newIncident(2, 2), newIncident(3, 1)
	commit(t, db, a, bot.StateTriggered)
	commit(t, db, b, bot.StateAcknowledged)
	commit(t, db, c, bot.StateResolved)
	if err := db.Commit(context.Background(), &store.Tx{Outbox: []bot.Outgoing{{Chat: bot.ChatRef{Platform: "console", ID: "soc"}, Text: "hi"}}}); err != nil {
		t.Fatal(err)
	}
	st := &countingStore{Store: db}

	m := web.NewMetrics(st, statsFunc(func() chat.Stats { return chat.Stats{} }))
	if n := st.incidents.Load(); n != 1 {
		t.Fatalf("NewMetrics read the incidents %d times, want 1", n)
	}
	st.incidents.Store(0)
	url := metricsServer(t, m)
	var last map[string]float64
	for range 10 {
		last = scrape(t, url)
	}
	if n, o := st.incidents.Load(), st.outbox.Load(); n != 0 || o != 0 {
		t.Fatalf("10 scrapes read the incidents %d times and the outbox %d times, want 0 and 0", n, o)
	}
	want := map[string]float64{openSeries(bot.StateTriggered, 1): 1, openSeries(bot.StateAcknowledged, 2): 1}
	if got := openGauge(last); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("irbot_open_incidents from the snapshot = %v, want %v", got, want)
	}
}

// TestOpenIncidentsFollowCommits: the gauge moves with each committed
// snapshot of an incident and drops it once it is no longer open.
func TestOpenIncidentsFollowCommits(t *testing.T) {
	st := openBolt(t)
	m := web.NewMetrics(st, nil)
	url := metricsServer(t, m)
	gaugeEquals(t, url, map[string]float64{})

	inc := newIncident(7, 1)
	opened := commit(t, st, inc, bot.StateTriggered)
	m.Committed(opened)
	gaugeEquals(t, url, map[string]float64{openSeries(bot.StateTriggered, 1): 1})

	acked := commit(t, st, inc, bot.StateAcknowledged)
	m.Committed(acked)
	gaugeEquals(t, url, map[string]float64{openSeries(bot.StateAcknowledged, 1): 1})

	m.Committed(&store.Tx{}) // no incident change
	gaugeEquals(t, url, map[string]float64{openSeries(bot.StateAcknowledged, 1): 1})

	resolved := commit(t, st, inc, bot.StateResolved)
	m.Committed(resolved)
	gaugeEquals(t, url, map[string]float64{})

	t.Run("LateReportOfAnOlderCommitDoesNotReopen", func(t *testing.T) {
		m.Committed(acked) // hooks of one incident's commits may run in any order
		gaugeEquals(t, url, map[string]float64{})
	})
	t.Run("Reopened", func(t *testing.T) {
		m.Committed(commit(t, st, inc, bot.StateAcknowledged))
		gaugeEquals(t, url, map[string]float64{openSeries(bot.StateAcknowledged, 1): 1})
		m.Committed(commit(t, st, inc, bot.StateClosed))
		gaugeEquals(t, url, map[string]float64{})
	})
}

// TestOpenIncidentsUnderConcurrentCommits: Committed from many goroutines
// while scraping; the counts end where the commits leave them.
func TestOpenIncidentsUnderConcurrentCommits(t *testing.T) {
	st := openBolt(t)
	m := web.NewMetrics(st, nil)
	url := metricsServer(t, m)
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inc := newIncident(int64(100+i), 1+i%4)
			states := []string{bot.StateTriggered, bot.StateAcknowledged}
			if i%2 == 0 {
				states = append(states, bot.StateResolved)
			}
			for _, s := range states {
				tx, err := commitErr(st, inc, s)
				if err != nil {
					t.Error(err)
					return
				}
				m.Committed(tx)
			}
		}()
	}
	stop := make(chan struct{})
	scraped := make(chan struct{})
	go func() {
		defer close(scraped)
		for {
			select {
			case <-stop:
				return
			default:
				if _, err := get(url); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	wg.Wait()
	close(stop)
	<-scraped
	want := map[string]float64{}
	for i := 1; i < n; i += 2 {
		want[openSeries(bot.StateAcknowledged, 1+i%4)]++
	}
	gaugeEquals(t, url, want)
}

// TestSnapshotRetriedUntilItSucceeds: if the one read fails, the gauge is
// left out rather than shown as zero, and scrapes retry until one reads.
func TestSnapshotRetriedUntilItSucceeds(t *testing.T) {
	db := openBolt(t)
	commit(t, db, newIncident(1, 2), bot.StateTriggered)
	st := &countingStore{Store: db}
	st.failIncidents.Store(2)

	m := web.NewMetrics(st, nil)
	url := metricsServer(t, m)
	gaugeEquals(t, url, map[string]float64{}) // second failure
	inc := newIncident(2, 1)
	m.Committed(commit(t, db, inc, bot.StateTriggered)) // counted while the snapshot is missing
	gaugeEquals(t, url, map[string]float64{openSeries(bot.StateTriggered, 2): 1, openSeries(bot.StateTriggered, 1): 1})
	if n := st.incidents.Load(); n != 3 {
		t.Fatalf("incidents read %d times, want 3 (two failures, one success)", n)
	}
	for range 5 {
		scrape(t, url)
	}
	if n := st.incidents.Load(); n != 3 {
		t.Fatalf("incidents read %d times after the snapshot succeeded, want still 3", n)
	}
}

// TestOutboxDepthFromDeliveryStats: outbox depth and delivery counters
// come from the delivery layer's counts at scrape time.
func TestOutboxDepthFromDeliveryStats(t *testing.T) {
	var mu sync.Mutex
	s := chat.Stats{Sent: 5, Edited: 2, Failed: 1, Expired: 3, NotRunning: 4, Coalesced: 6, Bundled: 8}
	s.Pending[chat.ClassPage] = 3
	s.Pending[chat.ClassBackground] = 7
	m := web.NewMetrics(openBolt(t), statsFunc(func() chat.Stats { mu.Lock(); defer mu.Unlock(); return s }))
	url := metricsServer(t, m)

	got := scrape(t, url)
	for series, want := range map[string]float64{
		`irbot_outbox_depth{class="page"}`:       3,
		`irbot_outbox_depth{class="reply"}`:      0,
		`irbot_outbox_depth{class="notice"}`:     0,
		`irbot_outbox_depth{class="background"}`: 7,
		`irbot_delivery_sent_total`:              7,
		`irbot_delivery_failures_total`:          1,
		`irbot_delivery_expired_total`:           3,
		`irbot_delivery_not_running_total`:       4,
		`irbot_delivery_coalesced_total`:         6,
		`irbot_delivery_bundled_total`:           8,
		`irbot_delivery_retries_total`:           0,
		`irbot_delivery_rate_limited_total`:      0,
	} {
		if v, ok := got[series]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", series, v, ok, want)
		}
	}

	mu.Lock()
	s.Pending[chat.ClassPage] = 0
	mu.Unlock()
	if v := scrape(t, url)[`irbot_outbox_depth{class="page"}`]; v != 0 {
		t.Fatalf(`irbot_outbox_depth{class="page"} after the pages went = %v, want 0`, v)
	}
}

// TestNoDeliverer: without a delivery layer (nil, or a nil *Deliverer)
// scrapes work and carry no delivery series.
func TestNoDeliverer(t *testing.T) {
	var d *chat.Deliverer
	for name, m := range map[string]*web.Metrics{
		"Nil":          web.NewMetrics(openBolt(t), nil),
		"NilDeliverer": web.NewMetrics(openBolt(t), d),
	} {
		t.Run(name, func(t *testing.T) {
			for series := range scrape(t, metricsServer(t, m)) {
				if strings.HasPrefix(series, "irbot_outbox_depth") || strings.HasPrefix(series, "irbot_delivery_") {
					t.Fatalf("unexpected series %s", series)
				}
			}
		})
	}
}
