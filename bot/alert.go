package bot

import "time"

// Alert statuses.
const (
	AlertFiring   = "firing"
	AlertResolved = "resolved"
	// AlertAcknowledged: someone took the alert in the monitoring tool
	// (a PagerDuty acknowledge event, a Zabbix acknowledgement).
	AlertAcknowledged = "acknowledged"
)

// Alert is one alert from a monitoring system, normalised from its source
// format (Alertmanager, Grafana, a generic webhook).
type Alert struct {
	Route       string            // the intake route it came in on
	Source      string            // alertmanager | grafana | generic
	Fingerprint string            // stable id of the alert: dedup key
	GroupKey    string            // alerts with one group key share an incident
	Status      string            // AlertFiring or AlertResolved
	Title       string            // short human title
	Severity    string            // the source's severity word (critical, warning, …), mapped per route
	Labels      map[string]string // identifying labels (alertname, instance, …)
	Annotations map[string]string // summary, description, runbook_url, …
	StartsAt    time.Time
	EndsAt      time.Time
	URL         string // link back to the source (generatorURL, panel, …)
	Raw         string // the alert's own JSON as received, kept in the timeline
}

// AlertResult says what an alert intake did: the HTTP answer to the sender.
type AlertResult struct {
	Incidents []string `json:"incidents"` // refs opened or joined
	Opened    int      `json:"opened"`
	Recorded  int      `json:"recorded"`
}
