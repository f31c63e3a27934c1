package alerts

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/irbot/irbot/bot"
)

// zabbixSeverities are Zabbix's trigger severities by number
// ({EVENT.NSEVERITY}), under their default English names.
var zabbixSeverities = [...]string{"Not classified", "Information", "Warning", "Average", "High", "Disaster"}

// zabbixEvent is the body irbot's Zabbix media type script
// (integrations/zabbix-mediatype.js) posts: the media type's parameters,
// which Zabbix fills from macros, minus url and token, plus
// event_timestamp and event_recovery_timestamp (RFC 3339, computed by the
// script) and event_tags parsed from {EVENT.TAGSJSON}. Every scalar may be
// a string or a number.
type zabbixEvent struct {
	EventID                json.RawMessage `json:"event_id"`                 // {EVENT.ID}, the problem's
	EventValue             json.RawMessage `json:"event_value"`              // {EVENT.VALUE}: 1 problem, 0 recovery
	EventSource            json.RawMessage `json:"event_source"`             // {EVENT.SOURCE}: 0 trigger
	EventUpdateStatus      json.RawMessage `json:"event_update_status"`      // {EVENT.UPDATE.STATUS}: 1 a problem update
	EventAckStatus         json.RawMessage `json:"event_ack_status"`         // {EVENT.ACK.STATUS}: Yes or No
	EventSeverity          json.RawMessage `json:"event_severity"`           // {EVENT.SEVERITY}: the name, as configured
	EventNSeverity         json.RawMessage `json:"event_nseverity"`          // {EVENT.NSEVERITY}: 0..5
	EventName              json.RawMessage `json:"event_name"`               // {EVENT.NAME}
	EventOpdata            json.RawMessage `json:"event_opdata"`             // {EVENT.OPDATA}
	EventTimestamp         json.RawMessage `json:"event_timestamp"`          // from {EVENT.DATE} {EVENT.TIME}
	EventRecoveryTimestamp json.RawMessage `json:"event_recovery_timestamp"` // from {EVENT.RECOVERY.DATE} {EVENT.RECOVERY.TIME}
	EventTags              json.RawMessage `json:"event_tags"`               // [{"tag","value"}], or {EVENT.TAGSJSON} unparsed
	HostName               json.RawMessage `json:"host_name"`                // {HOST.NAME}
	HostIP                 json.RawMessage `json:"host_ip"`                  // {HOST.IP}
	TriggerID              json.RawMessage `json:"trigger_id"`               // {TRIGGER.ID}
	TriggerDescription     json.RawMessage `json:"trigger_description"`      // {TRIGGER.DESCRIPTION}
	ZabbixURL              json.RawMessage `json:"zabbix_url"`               // {$ZABBIX.URL}, the frontend
}

// decodeZabbix decodes one Zabbix trigger event.
func decodeZabbix(r Route, body []byte) ([]bot.Alert, error) {
	if k := kindOf(body); k != "object" {
		return nil, typeError(body, nil, "an object", k)
	}
	var ev zabbixEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, jsonError(body, nil, err)
	}
	var firstErr error
	// text reads a scalar; an unexpanded macro reads as "".
	text := func(name string, raw json.RawMessage) string {
		s, err := scalarText(body, path{name}, raw)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if unexpandedMacro(s) {
			return ""
		}
		return s
	}
	// key reads a scalar that identifies the event: an unexpanded macro
	// there is a misconfigured media type or action, not a value.
	key := func(name string, raw json.RawMessage) string {
		s, err := scalarText(body, path{name}, raw)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if unexpandedMacro(s) && firstErr == nil {
			firstErr = fmt.Errorf("alerts: %s: %q is a Zabbix macro left unexpanded: use the media type in a trigger action (or fill the value in when testing it)", name, clip(s, 64))
		}
		return s
	}
	source := key("event_source", ev.EventSource)
	value := key("event_value", ev.EventValue)
	triggerID := cleanKey(key("trigger_id", ev.TriggerID))
	eventID := cleanKey(key("event_id", ev.EventID))
	nsev := key("event_nseverity", ev.EventNSeverity)
	sevName := text("event_severity", ev.EventSeverity)
	update := text("event_update_status", ev.EventUpdateStatus)
	ack := text("event_ack_status", ev.EventAckStatus)
	name := text("event_name", ev.EventName)
	opdata := text("event_opdata", ev.EventOpdata)
	host := text("host_name", ev.HostName)
	hostIP := text("host_ip", ev.HostIP)
	desc := text("trigger_description", ev.TriggerDescription)
	base := text("zabbix_url", ev.ZabbixURL)
	started := text("event_timestamp", ev.EventTimestamp)
	ended := text("event_recovery_timestamp", ev.EventRecoveryTimestamp)
	if firstErr != nil {
		return nil, firstErr
	}
	if source != "" && source != "0" {
		return nil, fmt.Errorf("alerts: event_source: %q is not 0: irbot takes trigger problems and recoveries only", clip(source, 64))
	}

	a := bot.Alert{Route: r.ID, Source: r.Kind, Labels: map[string]string{}, Annotations: map[string]string{}}
	switch value {
	case "1":
		a.Status = bot.AlertFiring
		if update == "1" && strings.EqualFold(ack, "yes") {
			a.Status = StatusAcknowledged
		}
	case "0":
		a.Status = bot.AlertResolved
	case "":
		return nil, fmt.Errorf("alerts: event_value: missing (want 1 for a problem, 0 for a recovery)")
	default:
		return nil, fmt.Errorf("alerts: event_value: %q is not 1 (problem) or 0 (recovery)", clip(value, 64))
	}
	if triggerID == "" {
		return nil, fmt.Errorf("alerts: trigger_id: missing ({TRIGGER.ID})")
	}
	switch {
	case nsev != "":
		n, err := strconv.Atoi(nsev)
		if err != nil || n < 0 || n >= len(zabbixSeverities) {
			return nil, fmt.Errorf("alerts: event_nseverity: %q is not a Zabbix severity 0..5", clip(nsev, 64))
		}
		a.Severity = zabbixSeverities[n]
	default:
		a.Severity = clip(sevName, MaxLabelBytes)
	}
	var err error
	if a.StartsAt, err = parseISOTime(path{"event_timestamp"}, started); err != nil {
		return nil, err
	}
	if a.Status == bot.AlertResolved {
		if a.EndsAt, err = parseISOTime(path{"event_recovery_timestamp"}, ended); err != nil {
			return nil, err
		}
	}

	label := func(k, v string) {
		if v = clip(strings.TrimSpace(v), MaxLabelBytes); v != "" {
			a.Labels[k] = v
		}
	}
	label("host", host)
	label("host_ip", hostIP)
	label("trigger_id", triggerID)
	label("event_id", eventID)
	label("severity", a.Severity)
	if err := zabbixTags(body, ev.EventTags, a.Labels); err != nil {
		return nil, err
	}
	if s := clip(strings.TrimSpace(desc), maxAnnotationBytes); s != "" {
		a.Annotations["description"] = s
	}
	if s := clip(strings.TrimSpace(opdata), maxAnnotationBytes); s != "" {
		a.Annotations["opdata"] = s
	}

	a.GroupKey = triggerID
	a.Fingerprint = triggerID
	if h := strings.TrimSpace(host); h != "" {
		a.Fingerprint = cleanKey(triggerID + ":" + h)
	}
	t := cleanTitle(name)
	if t == "" {
		t = cleanTitle("Zabbix trigger " + triggerID)
	}
	if h := cleanTitle(host); h != "" && !strings.Contains(t, h) {
		t = cleanTitle(t + " on " + h)
	}
	a.Title = t
	if b := strings.TrimRight(strings.TrimSpace(base), "/"); b != "" && eventID != "" {
		a.URL = cleanURL(b + "/tr_events.php?triggerid=" + url.QueryEscape(triggerID) + "&eventid=" + url.QueryEscape(eventID))
	}
	a.Raw = redactMembers(body, "token")
	return []bot.Alert{a}, nil
}

// zabbixTags adds the event's tags to labels, under the tag's name, where
// labels has no such key yet (the decoder's own labels and the first of
// repeated tags win). The tags are an array of {"tag","value"} objects,
// or {EVENT.TAGSJSON} passed on as a string; null, "" and an unexpanded
// macro are no tags.
func zabbixTags(body []byte, raw json.RawMessage, labels map[string]string) error {
	p := path{"event_tags"}
	var elems []json.RawMessage
	switch k := kindOf(raw); k {
	case "null", "nothing":
		return nil
	case "string":
		s := strings.TrimSpace(stringify(raw))
		if s == "" || unexpandedMacro(s) {
			return nil
		}
		const want = "a JSON array of {\"tag\",\"value\"} objects ({EVENT.TAGSJSON})"
		if json.Unmarshal([]byte(s), &elems) != nil {
			return fmt.Errorf("alerts: %s: the string is not %s", p, want)
		}
		// Positions inside the string are not the body's: report the
		// problem without one.
		err := addZabbixTags([]byte(s), p, elems, labels)
		var se *SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("alerts: %s (a string holding %s): %s", p, want, se.Msg)
		}
		return err
	case "array":
		if err := json.Unmarshal(raw, &elems); err != nil {
			return jsonError(body, p, err)
		}
	default:
		return typeError(body, p, "an array of tags", k)
	}
	return addZabbixTags(body, p, elems, labels)
}

// addZabbixTags adds the tag objects elems, found at p in body, to labels.
func addZabbixTags(body []byte, p path, elems []json.RawMessage, labels map[string]string) error {
	for i, e := range elems {
		ep := p.with(i)
		if k := kindOf(e); k != "object" {
			return typeError(body, ep, "an object {\"tag\",\"value\"}", k)
		}
		var tag struct {
			Tag   json.RawMessage `json:"tag"`
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(e, &tag); err != nil {
			return jsonError(body, ep, err)
		}
		name, err := scalarText(body, ep.with("tag"), tag.Tag)
		if err != nil {
			return err
		}
		val, err := scalarText(body, ep.with("value"), tag.Value)
		if err != nil {
			return err
		}
		if name = clip(name, MaxLabelBytes); name == "" {
			continue
		}
		if _, dup := labels[name]; !dup {
			labels[name] = clip(val, MaxLabelBytes)
		}
	}
	return nil
}
