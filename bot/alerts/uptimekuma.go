package alerts

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
)

// kumaBody is Uptime Kuma's webhook notification body
// (server/notification-providers/webhook.js, content type
// application/json): {heartbeat, monitor, msg}. Its test button sends
// heartbeat and monitor null.
type kumaBody struct {
	Heartbeat json.RawMessage `json:"heartbeat"`
	Monitor   json.RawMessage `json:"monitor"`
	Msg       json.RawMessage `json:"msg"`
}

// kumaHeartbeat is the part of a heartbeat Decode reads; ping, important,
// duration, timezone, timezoneOffset and localDateTime stay in Raw.
type kumaHeartbeat struct {
	MonitorID json.RawMessage `json:"monitorID"`
	Status    json.RawMessage `json:"status"` // 0 down, 1 up, 2 pending, 3 maintenance
	Time      string          `json:"time"`   // "2006-01-02 15:04:05.000", UTC
	Msg       string          `json:"msg"`
}

// kumaMonitor is the part of a monitor Decode reads.
type kumaMonitor struct {
	ID       json.RawMessage   `json:"id"`
	Name     string            `json:"name"`
	URL      string            `json:"url"`
	Hostname string            `json:"hostname"`
	Type     string            `json:"type"`
	Tags     []json.RawMessage `json:"tags"` // {name, value, color, …}
}

// decodeUptimeKuma decodes one Uptime Kuma notification: a monitor going
// down fires, coming up resolves. A test notification, and pending or
// maintenance heartbeats, are ErrNoAlert.
func decodeUptimeKuma(r Route, body []byte) ([]bot.Alert, error) {
	if k := kindOf(body); k != "object" {
		return nil, typeError(body, nil, "an object", k)
	}
	var kb kumaBody
	if err := json.Unmarshal(body, &kb); err != nil {
		return nil, jsonError(body, nil, err)
	}
	msg, err := scalarText(body, path{"msg"}, kb.Msg)
	if err != nil {
		return nil, err
	}
	switch k := kindOf(kb.Heartbeat); k {
	case "null", "nothing":
		return nil, fmt.Errorf("%w: Uptime Kuma notification without a heartbeat (the test button): %q", ErrNoAlert, clip(cleanTitle(msg), 128))
	case "object":
	default:
		return nil, typeError(body, path{"heartbeat"}, "an object", k)
	}
	var hb kumaHeartbeat
	if err := json.Unmarshal(kb.Heartbeat, &hb); err != nil {
		return nil, jsonError(body, path{"heartbeat"}, err)
	}
	var mon kumaMonitor
	switch k := kindOf(kb.Monitor); k {
	case "null", "nothing":
	case "object":
		if err := json.Unmarshal(kb.Monitor, &mon); err != nil {
			return nil, jsonError(body, path{"monitor"}, err)
		}
	default:
		return nil, typeError(body, path{"monitor"}, "an object", k)
	}

	a := bot.Alert{Route: r.ID, Source: r.Kind, Labels: map[string]string{}, Annotations: map[string]string{}}
	st, err := scalarText(body, path{"heartbeat", "status"}, hb.Status)
	if err != nil {
		return nil, err
	}
	switch st {
	case "0":
		a.Status = bot.AlertFiring
	case "1":
		a.Status = bot.AlertResolved
	case "2", "3":
		return nil, fmt.Errorf("%w: Uptime Kuma heartbeat status %s (%s)", ErrNoAlert, st, map[string]string{"2": "pending", "3": "maintenance"}[st])
	case "":
		return nil, fmt.Errorf("alerts: heartbeat.status: missing (want 0 for down, 1 for up)")
	default:
		return nil, fmt.Errorf("alerts: heartbeat.status: %q is not 0 (down), 1 (up), 2 (pending) or 3 (maintenance)", clip(st, 64))
	}
	id, err := scalarText(body, path{"monitor", "id"}, mon.ID)
	if err != nil {
		return nil, err
	}
	if id == "" {
		if id, err = scalarText(body, path{"heartbeat", "monitorID"}, hb.MonitorID); err != nil {
			return nil, err
		}
	}
	if id = cleanKey(id); id == "" {
		return nil, fmt.Errorf("alerts: monitor.id: missing (and heartbeat.monitorID)")
	}
	if a.StartsAt, err = kumaTime(path{"heartbeat", "time"}, hb.Time); err != nil {
		return nil, err
	}
	if a.Status == bot.AlertResolved {
		a.EndsAt, a.StartsAt = a.StartsAt, time.Time{}
	}

	label := func(k, v string) {
		if v = clip(strings.TrimSpace(v), MaxLabelBytes); v != "" {
			a.Labels[k] = v
		}
	}
	label("monitor_id", id)
	label("monitor", mon.Name)
	label("monitor_type", mon.Type)
	label("hostname", mon.Hostname)
	for i, t := range mon.Tags {
		tp := path{"monitor", "tags", i}
		var tag struct {
			Name  json.RawMessage `json:"name"`
			Value json.RawMessage `json:"value"`
		}
		switch k := kindOf(t); k {
		case "object":
			if err := json.Unmarshal(t, &tag); err != nil {
				return nil, jsonError(body, tp, err)
			}
		case "string":
			tag.Name = t
		case "null":
			continue
		default:
			return nil, typeError(body, tp, "an object {\"name\",\"value\"}", k)
		}
		name, err := scalarText(body, tp.with("name"), tag.Name)
		if err != nil {
			return nil, err
		}
		val, err := scalarText(body, tp.with("value"), tag.Value)
		if err != nil {
			return nil, err
		}
		if name = clip(name, MaxLabelBytes); name == "" {
			continue
		}
		if _, dup := a.Labels[name]; !dup {
			a.Labels[name] = clip(val, MaxLabelBytes)
		}
	}
	a.Severity = strings.TrimSpace(a.Labels[r.severityLabel()])
	if s := clip(strings.TrimSpace(hb.Msg), maxAnnotationBytes); s != "" {
		a.Annotations["description"] = s
	}
	if s := clip(strings.TrimSpace(msg), maxAnnotationBytes); s != "" {
		a.Annotations["message"] = s
	}

	a.Fingerprint = cleanKey("monitor-" + id)
	a.GroupKey = a.Fingerprint
	t := cleanTitle(mon.Name)
	if t == "" {
		t = cleanTitle("Uptime Kuma monitor " + id)
	}
	if m := cleanTitle(hb.Msg); m != "" {
		t = cleanTitle(t + ": " + m)
	}
	a.Title = t
	a.URL = cleanURL(mon.URL)
	a.Raw = compact(body)
	return []bot.Alert{a}, nil
}

// kumaTime parses a heartbeat's time, "2024-05-14 03:02:31.504" in UTC
// (Uptime Kuma stores UTC); an ISO 8601 time is accepted too.
func kumaTime(p path, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02 15:04:05", s); err == nil {
		return t.UTC(), nil
	}
	if t, err := parseISOTime(p, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("alerts: %s: %q is not a time like 2024-05-14 03:02:31.504", p, clip(s, 64))
}
