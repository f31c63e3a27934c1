package web

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/store"
)

// Metrics is irbot's Prometheus instrumentation, on a private registry (no
// global state): what the engine committed, what was delivered, how late
// timers fired, what the alert intake took and refused.
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
}

// NewMetrics registers every metric. st feeds the incident and outbox
// gauges at scrape time; deliv (may be nil) the delivery counters.
func NewMetrics(st store.Store, deliv *chat.Deliverer) *Metrics {
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
	m.reg.MustRegister(&incidentCollector{st: st,
		desc:   prometheus.NewDesc("irbot_open_incidents", "Open incidents by state and severity.", []string{"state", "severity"}, nil),
		outbox: prometheus.NewDesc("irbot_outbox_depth", "Messages waiting to be delivered.", nil, nil)})
	if deliv != nil {
		for name, f := range map[string]func(chat.Stats) int64{
			"irbot_delivery_sent_total":         func(s chat.Stats) int64 { return s.Sent + s.Edited },
			"irbot_delivery_retries_total":      func(s chat.Stats) int64 { return s.Retries },
			"irbot_delivery_rate_limited_total": func(s chat.Stats) int64 { return s.RateLimited },
			"irbot_delivery_failures_total":     func(s chat.Stats) int64 { return s.Failed },
		} {
			m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: "Delivery layer: " + name[len("irbot_delivery_"):] + "."},
				func() float64 { return float64(f(deliv.Stats())) }))
		}
	}
	return m
}

// Registry returns the private registry (for tests).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Committed counts what a commit recorded. Use it as (part of) the
// engine's OnCommit hook.
func (m *Metrics) Committed(tx *store.Tx) {
	for _, e := range tx.Events {
		m.events.WithLabelValues(e.Kind).Inc()
		switch e.Kind {
		case "page_sent", "page_escalated":
			m.pagesSent.Inc()
		case "page_ack":
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

type incidentCollector struct {
	st     store.Store
	desc   *prometheus.Desc
	outbox *prometheus.Desc
}

func (c *incidentCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc; ch <- c.outbox }

func (c *incidentCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if open, err := c.st.Incidents(ctx, true); err == nil {
		counts := map[[2]string]int{}
		for _, inc := range open {
			counts[[2]string{inc.State, "sev" + strconv.Itoa(inc.Severity)}]++
		}
		for k, n := range counts {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), k[0], k[1])
		}
	}
	if ob, err := c.st.Outbox(ctx, 100000); err == nil {
		ch <- prometheus.MustNewConstMetric(c.outbox, prometheus.GaugeValue, float64(len(ob)))
	}
}
