package alerts

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/irbot/irbot/bot"
)

func decodeGeneric(r Route, body []byte) ([]bot.Alert, error) {
	f := r.Fields
	var elems []json.RawMessage
	var base path // where the array of alerts is; nil with single
	single := false
	if f.Alerts != "" {
		raw, p, found, err := lookup(body, nil, body, f.Alerts)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("%w: %s not found", ErrEmpty, p)
		}
		if k := kindOf(raw); k != "array" {
			return nil, typeError(body, p, "an array", k)
		}
		if err := json.Unmarshal(raw, &elems); err != nil {
			return nil, jsonError(body, p, err)
		}
		base = p
	} else {
		switch k := kindOf(body); k {
		case "array":
			if err := json.Unmarshal(body, &elems); err != nil {
				return nil, jsonError(body, nil, err)
			}
			base = path{}
		case "object":
			elems, single = []json.RawMessage{body}, true
		default:
			return nil, typeError(body, nil, "an object or an array", k)
		}
	}
	if len(elems) == 0 {
		return nil, ErrEmpty
	}
	if len(elems) > MaxAlerts {
		return nil, fmt.Errorf("%w: %d, at most %d", ErrTooMany, len(elems), MaxAlerts)
	}
	out := make([]bot.Alert, 0, len(elems))
	for i, raw := range elems {
		p := base.with(i)
		if single {
			p = path{}
		}
		if k := kindOf(raw); k != "object" {
			return nil, typeError(body, p, "an object", k)
		}
		a, err := genericAlert(r, body, p, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// genericAlert maps one alert object at p in body with r.Fields.
func genericAlert(r Route, body []byte, p path, raw json.RawMessage) (bot.Alert, error) {
	f := r.Fields
	a := bot.Alert{Route: r.ID, Source: r.Kind, Status: bot.AlertFiring, Annotations: map[string]string{}}
	get := func(spec string) (string, error) {
		if spec == "" {
			return "", nil
		}
		v, _, found, err := lookup(body, p, raw, spec)
		if err != nil || !found {
			return "", err
		}
		return stringify(v), nil
	}

	var err error
	if a.Labels, err = genericLabels(body, p, raw, f.Labels); err != nil {
		return a, err
	}
	rawTitle, err := get(f.Title)
	if err != nil {
		return a, err
	}
	rawTitle = cleanTitle(rawTitle)
	desc, err := get(f.Description)
	if err != nil {
		return a, err
	}
	if desc = clip(strings.TrimSpace(desc), maxAnnotationBytes); desc != "" {
		a.Annotations["description"] = desc
	}
	dedup, err := get(f.DedupKey)
	if err != nil {
		return a, err
	}
	if a.Fingerprint = cleanKey(dedup); a.Fingerprint == "" {
		a.Fingerprint = titleLabelHash(rawTitle, a.Labels)
	}
	a.GroupKey = a.Fingerprint
	a.Title = rawTitle
	if a.Title == "" {
		a.Title = title(a.Labels, a.Annotations, "", a.Fingerprint)
	}

	st, err := get(f.Status)
	if err != nil {
		return a, err
	}
	resolved := f.ResolvedValues
	if len(resolved) == 0 {
		resolved = defaultResolvedValues()
	}
	if st = strings.TrimSpace(st); st != "" {
		for _, v := range resolved {
			if strings.EqualFold(st, strings.TrimSpace(v)) {
				a.Status = bot.AlertResolved
			}
		}
	}

	sev, err := get(f.Severity)
	if err != nil {
		return a, err
	}
	if a.Severity = clip(strings.TrimSpace(sev), MaxLabelBytes); a.Severity == "" {
		a.Severity = strings.TrimSpace(a.Labels[r.severityLabel()])
	}
	u, err := get(f.URL)
	if err != nil {
		return a, err
	}
	a.URL = cleanURL(u)
	a.Raw = compact(raw)
	return a, nil
}

// genericLabels reads the labels at spec: an object of values, or one
// scalar named after the path's last segment. Non-string values are
// rendered as JSON text; null values are left out.
func genericLabels(body []byte, p path, raw json.RawMessage, spec string) (map[string]string, error) {
	labels := map[string]string{}
	if spec == "" {
		return labels, nil
	}
	v, at, found, err := lookup(body, p, raw, spec)
	if err != nil || !found {
		return labels, err
	}
	switch k := kindOf(v); k {
	case "object":
		var m map[string]json.RawMessage
		if err := json.Unmarshal(v, &m); err != nil {
			return nil, jsonError(body, at, err)
		}
		for _, key := range sortedRawKeys(m) {
			if kindOf(m[key]) == "null" {
				continue
			}
			ck := clip(strings.ToValidUTF8(key, "\uFFFD"), MaxLabelBytes)
			if _, dup := labels[ck]; !dup {
				labels[ck] = clip(stringify(m[key]), MaxLabelBytes)
			}
		}
	case "array":
		return nil, typeError(body, at, "an object or a single value", k)
	default:
		segs := strings.Split(spec, ".")
		labels[clip(segs[len(segs)-1], MaxLabelBytes)] = clip(stringify(v), MaxLabelBytes)
	}
	return labels, nil
}

// lookup follows the dotted path spec from the value raw, which sits at
// p in body. It returns the value found and its path. A missing key, an
// index out of range or a null on the way is not found; a string,
// number or boolean on the way where an object or array is needed is a
// type error.
func lookup(body []byte, p path, raw json.RawMessage, spec string) (json.RawMessage, path, bool, error) {
	cur, at := raw, p
	for _, seg := range strings.Split(spec, ".") {
		switch k := kindOf(cur); k {
		case "object":
			var m map[string]json.RawMessage
			if err := json.Unmarshal(cur, &m); err != nil {
				return nil, at, false, jsonError(body, at, err)
			}
			at = at.with(seg)
			v, ok := m[seg]
			if !ok {
				return nil, at, false, nil
			}
			cur = v
		case "array":
			n, err := strconv.Atoi(seg)
			if err != nil || n < 0 {
				return nil, at, false, typeError(body, at, fmt.Sprintf("an object (for %q)", seg), k)
			}
			var list []json.RawMessage
			if err := json.Unmarshal(cur, &list); err != nil {
				return nil, at, false, jsonError(body, at, err)
			}
			at = at.with(n)
			if n >= len(list) {
				return nil, at, false, nil
			}
			cur = list[n]
		case "null":
			return nil, at, false, nil
		default:
			return nil, at, false, typeError(body, at, fmt.Sprintf("an object (for %q)", seg), k)
		}
	}
	if kindOf(cur) == "null" {
		return nil, at, false, nil
	}
	return cur, at, true, nil
}

// stringify renders a JSON value as text: a string as itself, a number
// or boolean as written, null as "", an object or array as compact JSON.
func stringify(raw json.RawMessage) string {
	switch kindOf(raw) {
	case "string":
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return strings.ToValidUTF8(s, "\uFFFD")
		}
	case "null":
		return ""
	}
	return strings.ToValidUTF8(compact(raw), "\uFFFD")
}
