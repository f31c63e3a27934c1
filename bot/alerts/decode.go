package alerts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/irbot/irbot/bot"
)

// Errors of Decode besides *SyntaxError and plain errors.
var (
	// ErrEmpty is a body with no alerts: empty, or an empty alerts array.
	ErrEmpty = errors.New("alerts: no alerts in body")
	// ErrTooMany is a body with more than MaxAlerts alerts.
	ErrTooMany = errors.New("alerts: too many alerts in one body")
	// ErrNoAlert is a well-formed body that carries nothing to record: a
	// sender's test notification (Uptime Kuma's test button), or a state
	// irbot does not act on (Uptime Kuma's pending and maintenance
	// heartbeats). It is returned wrapped with the reason; the caller
	// should answer it as a success, so the sender neither retries nor
	// reports a failure.
	ErrNoAlert = errors.New("alerts: nothing to record")
)

// Decode parses a body of the route's kind into normalised alerts, in
// the order of the body.
//
// Every alert gets Route = r.ID and Source = r.Kind. For Alertmanager and
// Grafana:
//   - Fingerprint is the alert's fingerprint, else the first 16 hex
//     characters of a sha256 of its sorted labels;
//   - GroupKey is the payload's groupKey, else its groupLabels rendered
//     "k=v,k=v" (sorted), else the alert's own fingerprint;
//   - Title is annotation summary, else annotation title, else
//     alertname (+ " on " instance), else (Grafana) the payload's title,
//     else "alert <fingerprint>";
//   - URL is generatorURL (Grafana: else panelURL, else dashboardURL);
//   - StartsAt and EndsAt are in UTC, Go's zero time for "0001-01-01T00:00:00Z".
//
// Generic bodies are mapped with r.Fields (see GenericFields); each
// generic alert is its own group (GroupKey = Fingerprint).
// Severity is the label r.SeverityFromLabel (default "severity"), or for
// a generic route the fields.severity value when set. Raw is the alert's
// own JSON object as received, compacted.
//
// The other kinds take one event per body:
//   - zabbix (the body of integrations/zabbix-mediatype.js): event_value 1
//     fires, 0 resolves, and a problem update that acknowledges
//     (event_update_status 1, event_ack_status Yes) is StatusAcknowledged.
//     Fingerprint is "<trigger_id>:<host_name>" (the trigger id without a
//     host), so a recovery matches its problem; GroupKey the trigger id,
//     Severity the Zabbix severity name (from event_nseverity when sent,
//     so renamed severities still map), Title the event name (+ " on "
//     host unless the name holds it), labels host, host_ip, trigger_id,
//     event_id, severity and the event's tags, URL the event's page
//     under zabbix_url. A Zabbix macro left unexpanded in an id is an
//     error; elsewhere it reads as empty. A top-level "token" is
//     redacted in Raw.
//   - wazuh (the alert object of alerts.json, or the shuffle
//     integration's body with the alert in all_fields): always firing.
//     Fingerprint and GroupKey are "<rule.id>:<agent.id>", Severity the
//     rule level ("12"; see Route.SeverityOf), Title rule.description
//     (+ " on " agent name), labels rule_id, rule_level, rule_groups,
//     agent_id, agent, agent_ip, manager, decoder, location, mitre_id,
//     mitre_tactic, mitre_technique (lists joined with ",") and
//     data.srcip as srcip.
//   - uptimekuma (the webhook's {heartbeat, monitor, msg}): heartbeat
//     status 0 (down) fires, 1 (up) resolves; 2 (pending), 3
//     (maintenance) and the test button (no heartbeat) are ErrNoAlert.
//     Fingerprint and GroupKey are "monitor-<id>", Title "<monitor
//     name>: <heartbeat msg>", labels monitor_id, monitor, monitor_type,
//     hostname and the monitor's tags, Severity the tag named by
//     r.SeverityFromLabel (default "severity"), URL the monitor's URL.
//   - pagerduty (an Events API v2 event): trigger fires, acknowledge is
//     StatusAcknowledged, resolve resolves; PagerDuty's required fields
//     are checked. Fingerprint and GroupKey are the dedup_key (generated
//     for a trigger without one, see PagerDutyAccepted), Title
//     payload.summary, Severity payload.severity, labels source,
//     component, group, class and severity, annotations summary and the
//     members of custom_details, URL client_url or the first link. The
//     routing_key is redacted in Raw.
//
// Errors: *SyntaxError for malformed JSON or a value of the wrong type,
// ErrEmpty when there are no alerts, ErrTooMany over MaxAlerts, ErrNoAlert
// (wrapped) for a body with nothing to record, and plain errors naming
// the field for other wrong content.
func Decode(r Route, body []byte) ([]bot.Alert, error) {
	var decode func(Route, []byte) ([]bot.Alert, error)
	switch r.Kind {
	case KindAlertmanager, KindGrafana:
		decode = decodeAlertmanager
	case KindGeneric:
		if r.Fields.Title == "" {
			return nil, fmt.Errorf("alerts: route %q: fields.title is required for kind %s", r.ID, KindGeneric)
		}
		decode = decodeGeneric
	case KindZabbix:
		decode = decodeZabbix
	case KindWazuh:
		decode = decodeWazuh
	case KindUptimeKuma:
		decode = decodeUptimeKuma
	case KindPagerDuty:
		decode = decodePagerDuty
	default:
		return nil, fmt.Errorf("alerts: route %q: kind %q is not %s", r.ID, r.Kind, kindList())
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, ErrEmpty
	}
	var probe json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, jsonError(body, nil, err)
	}
	return decode(r, body)
}

// amBatch is the part of an Alertmanager or Grafana webhook body that
// Decode reads; the rest (receiver, status, commonLabels, externalURL,
// version, truncatedAlerts, orgId, state, message) is left alone.
type amBatch struct {
	Alerts      []json.RawMessage          `json:"alerts"`
	GroupLabels map[string]json.RawMessage `json:"groupLabels"`
	GroupKey    string                     `json:"groupKey"`
	Title       string                     `json:"title"` // Grafana (deprecated there)
}

// amAlert is one alert of an Alertmanager or Grafana webhook body, with
// Grafana's dashboard and panel links. values, valueString, silenceURL
// and imageURL stay in Raw only.
type amAlert struct {
	Status       string                     `json:"status"`
	Labels       map[string]json.RawMessage `json:"labels"`
	Annotations  map[string]json.RawMessage `json:"annotations"`
	StartsAt     string                     `json:"startsAt"`
	EndsAt       string                     `json:"endsAt"`
	GeneratorURL string                     `json:"generatorURL"`
	Fingerprint  string                     `json:"fingerprint"`
	DashboardURL string                     `json:"dashboardURL"` // Grafana
	PanelURL     string                     `json:"panelURL"`     // Grafana
}

func decodeAlertmanager(r Route, body []byte) ([]bot.Alert, error) {
	if k := kindOf(body); k != "object" {
		return nil, typeError(body, nil, "an object", k)
	}
	var batch amBatch
	if err := json.Unmarshal(body, &batch); err != nil {
		return nil, jsonError(body, nil, err)
	}
	if len(batch.Alerts) == 0 {
		return nil, ErrEmpty
	}
	if len(batch.Alerts) > MaxAlerts {
		return nil, fmt.Errorf("%w: %d, at most %d", ErrTooMany, len(batch.Alerts), MaxAlerts)
	}
	groupLabels, err := stringMap(body, path{"groupLabels"}, batch.GroupLabels, MaxLabelBytes, MaxLabelBytes)
	if err != nil {
		return nil, err
	}
	group := cleanKey(batch.GroupKey)
	if group == "" {
		group = cleanKey(renderLabels(groupLabels))
	}
	out := make([]bot.Alert, 0, len(batch.Alerts))
	for i, raw := range batch.Alerts {
		p := path{"alerts", i}
		if k := kindOf(raw); k != "object" {
			return nil, typeError(body, p, "an object", k)
		}
		var ga amAlert
		if err := json.Unmarshal(raw, &ga); err != nil {
			return nil, jsonError(body, p, err)
		}
		fallback := ""
		if r.Kind == KindGrafana {
			fallback = batch.Title
		}
		a, err := amNormalise(r, body, p, ga, raw, fallback)
		if err != nil {
			return nil, err
		}
		a.GroupKey = group
		if a.GroupKey == "" {
			a.GroupKey = a.Fingerprint
		}
		if r.Kind == KindGrafana {
			if a.URL == "" {
				a.URL = cleanURL(ga.PanelURL)
			}
			if a.URL == "" {
				a.URL = cleanURL(ga.DashboardURL)
			}
		}
		out = append(out, a)
	}
	return out, nil
}

// amNormalise normalises one Alertmanager-format alert at p in body;
// fallbackTitle is the title when the alert has neither a summary, a
// title nor an alertname.
func amNormalise(r Route, body []byte, p path, ga amAlert, raw json.RawMessage, fallbackTitle string) (bot.Alert, error) {
	a := bot.Alert{Route: r.ID, Source: r.Kind}
	var err error
	if a.Status, err = status(p.with("status"), ga.Status); err != nil {
		return a, err
	}
	if a.Labels, err = stringMap(body, p.with("labels"), ga.Labels, MaxLabelBytes, MaxLabelBytes); err != nil {
		return a, err
	}
	if a.Annotations, err = stringMap(body, p.with("annotations"), ga.Annotations, MaxLabelBytes, maxAnnotationBytes); err != nil {
		return a, err
	}
	if a.StartsAt, err = parseTime(p.with("startsAt"), ga.StartsAt); err != nil {
		return a, err
	}
	if a.EndsAt, err = parseTime(p.with("endsAt"), ga.EndsAt); err != nil {
		return a, err
	}
	a.Fingerprint = cleanKey(ga.Fingerprint)
	if a.Fingerprint == "" {
		a.Fingerprint = labelHash(a.Labels)
	}
	a.Title = title(a.Labels, a.Annotations, fallbackTitle, a.Fingerprint)
	a.Severity = strings.TrimSpace(a.Labels[r.severityLabel()])
	a.URL = cleanURL(ga.GeneratorURL)
	a.Raw = compact(raw)
	return a, nil
}

// status checks an Alertmanager-format status word.
func status(p path, s string) (string, error) {
	switch w := strings.ToLower(strings.TrimSpace(s)); w {
	case bot.AlertFiring, bot.AlertResolved:
		return w, nil
	case "":
		return "", fmt.Errorf("alerts: %s: missing (want firing or resolved)", p)
	}
	return "", fmt.Errorf("alerts: %s: %q is not firing or resolved", p, clip(s, 64))
}

func (r Route) severityLabel() string {
	if r.SeverityFromLabel != "" {
		return r.SeverityFromLabel
	}
	return DefaultSeverityLabel
}

// compact returns raw JSON without insignificant white space.
func compact(raw []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}
