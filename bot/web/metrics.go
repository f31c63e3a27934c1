package web

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/store"
)

// IncidentLister is what Metrics needs of the store: one read of the open
// incidents, to start the open-incident gauge from.
type IncidentLister interface {
	// Incidents returns every incident, ordered by id; with open set,
	// only those still needing work.
	Incidents(ctx context.Context, open bool) ([]*bot.Incident, error)
}

// DeliveryStats is what Metrics needs of the delivery layer
// (*chat.Deliverer): its counts, read once per scrape.
type DeliveryStats interface {
	// Stats returns counts since the deliverer was made, and what waits
	// now. It must be cheap and safe for concurrent use.
	Stats() chat.Stats
}

var _ DeliveryStats = (*chat.Deliverer)(nil)

// snapshotTimeout bounds the one read of the open incidents.
const snapshotTimeout = 5 * time.Second

// Metrics is irbot's Prometheus instrumentation, on a private registry (no
// global state): what the engine committed, what was delivered and waits
// to be, how late timers fired, what the alert intake took and refused.
// A scrape reads only memory, never the store. Metrics is safe for
// concurrent use.
type Metrics struct {
	reg        *prometheus.Registry
	events     *prometheus.CounterVec
	inbound    *prometheus.CounterVec
	pagesSent  prometheus.Counter
	pagesAcked prometheus.Counter
	ackTime    prometheus.Histogram
	lateness   prometheus.Histogram
	alerts     *prometheus.CounterVec
	rejected   *prometheus.CounterVec
	intake     prometheus.Histogram
	open       *openIncidents
}

// NewMetrics registers every metric. It reads st's open incidents once,
// here, to start the irbot_open_incidents gauge; from then on the gauge
// follows Committed (st nil = start from none open). If that read fails
// the gauge is left out of scrapes, and each scrape tries the read again
// until one succeeds.
// deliv (may be nil) feeds irbot_outbox_depth and the delivery counters,
// read at scrape time.
//
// The gauge counts what this process committed: with several replicas on
// one store, each replica's gauge misses the others' commits (an incident
// another replica resolved stays open here until this process restarts).
func NewMetrics(st IncidentLister, deliv DeliveryStats) *Metrics {
	if d, ok := deliv.(*chat.Deliverer); ok && d == nil {
		deliv = nil // a nil *Deliverer in the interface would panic at scrape
	}
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "irbot_timeline_events_total",
		Help: "Timeline events committed, by kind (every accepted command and bot decision)."}, []string{"kind"})
	m.inbound = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "irbot_inbound_messages_total",
		Help: "Chat messages and button presses handled, by platform."}, []string{"platform"})
	m.pagesSent = prometheus.NewCounter(prometheus.CounterOpts{Name: "irbot_pages_sent_total", Help: "Pages sent (each level of each page)."})
	m.pagesAcked = prometheus.NewCounter(prometheus.CounterOpts{Name: "irbot_pages_acknowledged_total", Help: "Pages acknowledged."})
	m.ackTime = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "irbot_time_to_acknowledge_seconds",
		Help: "Time from page to acknowledgement.", Buckets: []float64{30, 60, 120, 300, 600, 900, 1800, 3600, 7200}})
	m.lateness = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "irbot_timer_lateness_seconds",
		Help: "How late durable timers fired after their due time.", Buckets: []float64{.005, .01, .05, .1, .25, .5, 1, 2, 5, 10}})
	m.alerts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "irbot_alerts_received_total",
		Help: "Alerts accepted, by route and status."}, []string{"route", "status"})
	m.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "irbot_http_rejections_total",
		Help: "Requests refused, by endpoint and reason."}, []string{"endpoint", "reason"})
	m.intake = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "irbot_alert_intake_seconds",
		Help: "Time to take one alert webhook (decode, commit).", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)})
	m.reg.MustRegister(m.events, m.inbound, m.pagesSent, m.pagesAcked, m.ackTime, m.lateness, m.alerts, m.rejected, m.intake)

	m.open = newOpenIncidents(st)
	m.open.seed()
	m.reg.MustRegister(m.open)
	if deliv != nil {
		m.reg.MustRegister(newDeliveryCollector(deliv))
	}
	return m
}

// Registry returns the private registry (for tests).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Committed counts what a commit recorded and moves tx.Incident (nil = no
// incident change) in the open-incident gauge. Call it after every
// successful commit, as (part of) the engine's OnCommit hook; commits of
// one incident may be reported in any order, as its Version sorts them.
func (m *Metrics) Committed(tx *store.Tx) {
	if tx.Incident != nil {
		m.open.update(tx.Incident)
	}
	for _, e := range tx.Events {
		m.events.WithLabelValues(string(e.Kind)).Inc()
		switch e.Kind {
		case bot.EvPageSent, bot.EvPageEscalated:
			m.pagesSent.Inc()
		case bot.EvPageAck:
			m.pagesAcked.Inc()
			if d, err := time.ParseDuration(e.Data["after"]); err == nil {
				m.ackTime.Observe(d.Seconds())
			}
		}
	}
}

// Inbound counts one handled chat message.
func (m *Metrics) Inbound(platform string) { m.inbound.WithLabelValues(platform).Inc() }

// TimerFired records a timer's lateness.
func (m *Metrics) TimerFired(late time.Duration) { m.lateness.Observe(late.Seconds()) }

// gaugeKey is one series of irbot_open_incidents.
type gaugeKey struct{ state, severity string }

// seen is the last known snapshot of one incident, open or not.
type seen struct {
	key     gaugeKey
	version int64
	open    bool
}

// openIncidents is the irbot_open_incidents gauge: running counts by state
// and severity, kept from one read of the store and then every commit.
type openIncidents struct {
	st   IncidentLister
	desc *prometheus.Desc

	seedMu sync.Mutex // one snapshot read at a time

	mu     sync.Mutex
	seeded bool
	byID   map[int64]seen // every incident seen; closed ones stay, so a late report of an older commit cannot reopen them
	counts map[gaugeKey]int
}

func newOpenIncidents(st IncidentLister) *openIncidents {
	return &openIncidents{st: st, seeded: st == nil, byID: map[int64]seen{}, counts: map[gaugeKey]int{},
		desc: prometheus.NewDesc("irbot_open_incidents",
			"Open incidents by state and severity, as this process knows them: the store's at start, then its own commits.",
			[]string{"state", "severity"}, nil)}
}

// seed reads the open incidents once; after a success it does nothing.
// A late read (after a failed one) merges with what commits already
// recorded: the newer version of each incident wins.
func (o *openIncidents) seed() {
	o.seedMu.Lock()
	defer o.seedMu.Unlock()
	o.mu.Lock()
	done := o.seeded
	o.mu.Unlock()
	if done {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), snapshotTimeout)
	defer cancel()
	incs, err := o.st.Incidents(ctx, true)
	if err != nil {
		return // the gauge stays out of scrapes; the next scrape tries again
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, inc := range incs {
		o.applyLocked(inc)
	}
	o.seeded = true
}

// update records a committed snapshot of inc.
func (o *openIncidents) update(inc *bot.Incident) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.applyLocked(inc)
}

// applyLocked moves inc to its state and severity, or out of the gauge
// when it is no longer open, unless a newer version was seen already.
func (o *openIncidents) applyLocked(inc *bot.Incident) {
	old, ok := o.byID[inc.ID]
	if ok && inc.Version < old.version {
		return
	}
	now := seen{key: gaugeKey{inc.State, "sev" + strconv.Itoa(inc.Severity)}, version: inc.Version, open: inc.Open()}
	if ok && old.open {
		if o.counts[old.key]--; o.counts[old.key] <= 0 {
			delete(o.counts, old.key)
		}
	}
	if now.open {
		o.counts[now.key]++
	}
	o.byID[inc.ID] = now
}

func (o *openIncidents) Describe(ch chan<- *prometheus.Desc) { ch <- o.desc }

func (o *openIncidents) Collect(ch chan<- prometheus.Metric) {
	o.mu.Lock()
	seeded := o.seeded
	o.mu.Unlock()
	if !seeded {
		o.seed()
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.seeded {
		return
	}
	for k, n := range o.counts {
		ch <- prometheus.MustNewConstMetric(o.desc, prometheus.GaugeValue, float64(n), k.state, k.severity)
	}
}

// deliveryCollector exports the delivery layer's counts, read once per
// scrape so every series of a scrape comes from the same moment.
type deliveryCollector struct {
	d     DeliveryStats
	depth *prometheus.Desc
	total []deliveryCounter
}

type deliveryCounter struct {
	desc *prometheus.Desc
	get  func(chat.Stats) int64
}

func newDeliveryCollector(d DeliveryStats) *deliveryCollector {
	c := &deliveryCollector{d: d,
		depth: prometheus.NewDesc("irbot_outbox_depth", "Messages waiting to be delivered, by class (page, reply, notice, background).", []string{"class"}, nil)}
	for _, x := range []struct {
		name, help string
		get        func(chat.Stats) int64
	}{
		{"irbot_delivery_sent_total", "Messages the platforms accepted (sent or edited).", func(s chat.Stats) int64 { return s.Sent + s.Edited }},
		{"irbot_delivery_retries_total", "Sends tried again after a failure.", func(s chat.Stats) int64 { return s.Retries }},
		{"irbot_delivery_rate_limited_total", "Sends a platform refused with a retry-after (rate limited); they wait and go again.", func(s chat.Stats) int64 { return s.RateLimited }},
		{"irbot_delivery_failures_total", "Messages given up as failed.", func(s chat.Stats) int64 { return s.Failed }},
		{"irbot_delivery_expired_total", "Messages that left the outbox undelivered, past their deadline (NotAfter).", func(s chat.Stats) int64 { return s.Expired }},
		{"irbot_delivery_not_running_total", "Messages that left the outbox undelivered because their platform is not running.", func(s chat.Stats) int64 { return s.NotRunning }},
		{"irbot_delivery_coalesced_total", "Messages replaced by a newer card or summary, or already shown.", func(s chat.Stats) int64 { return s.Coalesced }},
		{"irbot_delivery_bundled_total", "Pages sent as part of a bundle.", func(s chat.Stats) int64 { return s.Bundled }},
	} {
		c.total = append(c.total, deliveryCounter{desc: prometheus.NewDesc(x.name, x.help, nil, nil), get: x.get})
	}
	return c
}

func (c *deliveryCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	for _, t := range c.total {
		ch <- t.desc
	}
}

func (c *deliveryCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.d.Stats()
	for class, n := range s.Pending {
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(n), chat.Class(class).String())
	}
	for _, t := range c.total {
		ch <- prometheus.MustNewConstMetric(t.desc, prometheus.CounterValue, float64(t.get(s)))
	}
}
