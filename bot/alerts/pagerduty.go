package alerts

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/irbot/irbot/bot"
)

// pdEvent is a PagerDuty Events API v2 alert event (POST /v2/enqueue).
// images and client stay in Raw.
type pdEvent struct {
	RoutingKey  string     `json:"routing_key"` // the route's token; redacted in Raw
	EventAction string     `json:"event_action"`
	DedupKey    string     `json:"dedup_key"`
	Payload     *pdPayload `json:"payload"`
	ClientURL   string     `json:"client_url"`
	Links       []struct {
		Href string `json:"href"`
	} `json:"links"`
}

type pdPayload struct {
	Summary       string          `json:"summary"`
	Source        string          `json:"source"`
	Severity      string          `json:"severity"` // critical, error, warning or info
	Timestamp     string          `json:"timestamp"`
	Component     string          `json:"component"`
	Group         string          `json:"group"`
	Class         string          `json:"class"`
	CustomDetails json.RawMessage `json:"custom_details"`
}

// pdDedupHexChars is the length of a generated dedup key.
const pdDedupHexChars = 32

// decodePagerDuty decodes one PagerDuty Events API v2 event: trigger
// fires, acknowledge is StatusAcknowledged, resolve resolves. Fingerprint
// and GroupKey are the dedup_key; a trigger without one gets the first 32
// hex characters of the sha256 of its Raw, so a retried request gets the
// same key.
func decodePagerDuty(r Route, body []byte) ([]bot.Alert, error) {
	if k := kindOf(body); k != "object" {
		return nil, typeError(body, nil, "an object", k)
	}
	var ev pdEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, jsonError(body, nil, err)
	}
	a := bot.Alert{Route: r.ID, Source: r.Kind, Labels: map[string]string{}, Annotations: map[string]string{}}
	action := strings.ToLower(strings.TrimSpace(ev.EventAction))
	switch action {
	case "trigger":
		a.Status = bot.AlertFiring
	case "acknowledge":
		a.Status = StatusAcknowledged
	case "resolve":
		a.Status = bot.AlertResolved
	case "":
		return nil, errors.New("alerts: event_action: missing (want trigger, acknowledge or resolve)")
	default:
		return nil, fmt.Errorf("alerts: event_action: %q is not trigger, acknowledge or resolve", clip(ev.EventAction, 64))
	}
	a.Raw = redactMembers(body, "routing_key")
	if a.Fingerprint = cleanKey(ev.DedupKey); a.Fingerprint == "" {
		if action != "trigger" {
			return nil, fmt.Errorf("alerts: dedup_key: missing (required to %s)", action)
		}
		sum := sha256.Sum256([]byte(a.Raw))
		a.Fingerprint = hex.EncodeToString(sum[:])[:pdDedupHexChars]
	}
	a.GroupKey = a.Fingerprint

	p := ev.Payload
	if p == nil {
		if action == "trigger" {
			return nil, errors.New("alerts: payload: missing (a trigger needs payload.summary, payload.source and payload.severity)")
		}
		p = &pdPayload{}
	}
	if action == "trigger" {
		switch {
		case strings.TrimSpace(p.Summary) == "":
			return nil, errors.New("alerts: payload.summary: missing")
		case strings.TrimSpace(p.Source) == "":
			return nil, errors.New("alerts: payload.source: missing")
		}
	}
	switch sev := strings.ToLower(strings.TrimSpace(p.Severity)); sev {
	case "critical", "error", "warning", "info":
		a.Severity = sev
	case "":
		if action == "trigger" {
			return nil, errors.New("alerts: payload.severity: missing (want critical, error, warning or info)")
		}
	default:
		return nil, fmt.Errorf("alerts: payload.severity: %q is not critical, error, warning or info", clip(p.Severity, 64))
	}
	var err error
	if a.StartsAt, err = parseISOTime(path{"payload", "timestamp"}, p.Timestamp); err != nil {
		return nil, err
	}
	if a.Status == bot.AlertResolved {
		a.EndsAt, a.StartsAt = a.StartsAt, a.EndsAt
	}

	for _, l := range []struct{ k, v string }{
		{"source", p.Source}, {"component", p.Component}, {"group", p.Group}, {"class", p.Class}, {"severity", a.Severity},
	} {
		if v := clip(strings.TrimSpace(l.v), MaxLabelBytes); v != "" {
			a.Labels[l.k] = v
		}
	}
	if s := clip(strings.TrimSpace(p.Summary), maxAnnotationBytes); s != "" {
		a.Annotations["summary"] = s
	}
	switch kindOf(p.CustomDetails) {
	case "object":
		var m map[string]json.RawMessage
		if err := json.Unmarshal(p.CustomDetails, &m); err != nil {
			return nil, jsonError(body, path{"payload", "custom_details"}, err)
		}
		for _, k := range sortedRawKeys(m) {
			ck := clip(strings.ToValidUTF8(k, "\uFFFD"), MaxLabelBytes)
			if _, dup := a.Annotations[ck]; dup || kindOf(m[k]) == "null" {
				continue
			}
			a.Annotations[ck] = clip(stringify(m[k]), maxAnnotationBytes)
		}
	case "null", "nothing":
	default:
		if s := clip(strings.TrimSpace(stringify(p.CustomDetails)), maxAnnotationBytes); s != "" {
			a.Annotations["details"] = s
		}
	}

	a.Title = cleanTitle(p.Summary)
	if a.Title == "" {
		a.Title = cleanTitle("alert " + a.Fingerprint)
	}
	if a.URL = cleanURL(ev.ClientURL); a.URL == "" {
		for _, l := range ev.Links {
			if a.URL = cleanURL(l.Href); a.URL != "" {
				break
			}
		}
	}
	return []bot.Alert{a}, nil
}

// PagerDutyAnswer is the JSON body of an answer of PagerDuty's Events API
// v2, which PagerDuty clients read: HTTP 202 with status "success",
// message "Event processed" and the event's dedup_key; HTTP 400 with
// status "invalid event", message "Event object is invalid" and errors.
type PagerDutyAnswer struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

// PagerDutyAccepted is the answer (HTTP 202) to an event Decode accepted:
// its dedup key is the first alert's fingerprint, which is the one
// generated for a trigger sent without a dedup_key.
func PagerDutyAccepted(as []bot.Alert) PagerDutyAnswer {
	a := PagerDutyAnswer{Status: "success", Message: "Event processed"}
	if len(as) > 0 {
		a.DedupKey = as[0].Fingerprint
	}
	return a
}

// PagerDutyInvalid is the answer (HTTP 400) to an event Decode refused,
// with err's text (the field and, for malformed JSON, the line and
// column) as its one error.
func PagerDutyInvalid(err error) PagerDutyAnswer {
	msg := "invalid event"
	if err != nil {
		msg = strings.TrimPrefix(err.Error(), "alerts: ")
	}
	return PagerDutyAnswer{Status: "invalid event", Message: "Event object is invalid", Errors: []string{msg}}
}
