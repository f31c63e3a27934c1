package alerts

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/irbot/irbot/bot"
)

// Route kinds: the payload format a route accepts. The kind is also the
// Source of the alerts it decodes.
const (
	KindAlertmanager = "alertmanager" // Prometheus Alertmanager webhook_config, version 4
	KindGrafana      = "grafana"      // Grafana alerting webhook contact point
	KindGeneric      = "generic"      // any JSON, mapped with Route.Fields
	KindZabbix       = "zabbix"       // irbot's Zabbix webhook media type (integrations/zabbix-mediatype.js)
	KindWazuh        = "wazuh"        // a Wazuh alert (integrations/custom-irbot, or the shuffle integration)
	KindUptimeKuma   = "uptimekuma"   // Uptime Kuma's webhook notification, application/json body
	KindPagerDuty    = "pagerduty"    // a PagerDuty Events API v2 event
)

// Kinds lists every route kind, in the order the documentation gives them.
func Kinds() []string {
	return []string{KindAlertmanager, KindGrafana, KindGeneric, KindZabbix, KindWazuh, KindUptimeKuma, KindPagerDuty}
}

// StatusAcknowledged is the status of an alert that a person acknowledged
// in the source (a PagerDuty acknowledge event, a Zabbix problem update
// that acknowledges): the problem goes on, someone is working on it. The
// engine should acknowledge the alert's open incident as the route and
// keep the alert counted as firing.
const StatusAcknowledged = bot.AlertAcknowledged

// Defaults and limits.
const (
	DefaultHMACHeader    = "X-Signature-256" // header carrying the HMAC signature
	DefaultSeverityLabel = "severity"        // label holding the severity word
	MaxAlerts            = 1000              // alerts accepted in one body
	MaxLabelBytes        = 1024              // label keys and values are cut to this many bytes
)

// Route is one intake endpoint's configuration (decoded from YAML by the
// caller).
type Route struct {
	ID                string            `yaml:"id"`
	Kind              string            `yaml:"kind"`                // see Kinds
	TokenEnv          string            `yaml:"token_env"`           // env var holding the bearer token
	TokenFile         string            `yaml:"token_file"`          // or a file holding it
	HMACSecretEnv     string            `yaml:"hmac_secret_env"`     // or an HMAC-SHA256 secret (env)
	HMACHeader        string            `yaml:"hmac_header"`         // header with "sha256=<hex>" or "<hex>"; default X-Signature-256
	Chat              string            `yaml:"chat"`                // configured chat id incidents are posted to
	Escalation        string            `yaml:"escalation"`          // escalation policy ("" = the playbook's)
	Playbook          string            `yaml:"playbook"`            // playbook when no playbook's match: fits ("" = outage)
	SeverityFromLabel string            `yaml:"severity_from_label"` // label holding the severity word; default "severity"
	SeverityMap       map[string]string `yaml:"severity_map"`        // word -> sev1..sev4; defaults in SeverityOf
	AutoResolve       bool              `yaml:"auto_resolve"`        // resolve the incident when every alert resolved
	Fields            GenericFields     `yaml:"fields"`              // generic kind: where to find things
	Wazuh             WazuhOptions      `yaml:"wazuh"`               // wazuh kind: rule levels and groups
}

// GenericFields maps a generic JSON webhook onto an alert with simple
// dotted paths ("data.title", "labels", "event.id"), relative to one alert
// object. A numeric segment indexes an array ("items.0.name"). A value
// that is not a string is rendered as its JSON text (numbers, booleans,
// objects); null counts as missing.
type GenericFields struct {
	Title       string `yaml:"title"`       // required
	Severity    string `yaml:"severity"`    // "" = the label named by Route.SeverityFromLabel
	DedupKey    string `yaml:"dedup_key"`   // the alert's fingerprint; "" or missing = hash of title and labels
	Status      string `yaml:"status"`      // "" or missing = firing
	Labels      string `yaml:"labels"`      // an object of labels, or a scalar (one label named after the path's last segment)
	Description string `yaml:"description"` // becomes the "description" annotation
	URL         string `yaml:"url"`         // link back to the source (http or https only)

	// ResolvedValues are the status values meaning resolved, compared
	// without regard to case; default ["resolved","ok","closed","recovered"].
	ResolvedValues []string `yaml:"resolved_values"`
	// Alerts is an optional path to an array of alert objects; "" = the
	// body is one alert (or a top-level JSON array of them).
	Alerts string `yaml:"alerts"`
}

// defaultResolvedValues returns the status words meaning resolved when a
// generic route names none.
func defaultResolvedValues() []string {
	return []string{"resolved", "ok", "closed", "recovered"}
}

func (g GenericFields) isZero() bool {
	return g.Title == "" && g.Severity == "" && g.DedupKey == "" && g.Status == "" && g.Labels == "" &&
		g.Description == "" && g.URL == "" && len(g.ResolvedValues) == 0 && g.Alerts == ""
}

// Check validates a route: its kind is known, its id is set and fits in a
// URL path segment, exactly one authentication method is configured (a
// token for pagerduty and uptimekuma, which cannot sign), the severity
// map's values are sev1..sev4, a generic route says where its title is,
// and a wazuh route's levels and groups make sense. Options of another
// kind (fields, wazuh), severity_map on wazuh and severity_from_label on
// zabbix, wazuh and pagerduty are refused. Every problem found is
// reported, each prefixed with the route's id.
func (r Route) Check() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("alert route %q: "+format, append([]any{r.ID}, args...)...))
	}
	if r.ID == "" {
		bad("id is required")
	} else if !validID(r.ID) {
		bad("id may only hold letters, digits, '-', '_' and '.'")
	}
	known := false
	for _, k := range Kinds() {
		known = known || r.Kind == k
	}
	if known && r.Kind != KindGeneric && !r.Fields.isZero() {
		bad("fields apply only to kind %s", KindGeneric)
	}
	if known && r.Kind != KindWazuh && !r.Wazuh.isZero() {
		bad("wazuh applies only to kind %s", KindWazuh)
	}
	switch r.Kind {
	case KindAlertmanager, KindGrafana, KindUptimeKuma:
	case KindGeneric:
		if r.Fields.Title == "" {
			bad("fields.title is required for kind %s", KindGeneric)
		}
		for _, p := range []struct{ name, path string }{
			{"title", r.Fields.Title}, {"severity", r.Fields.Severity}, {"dedup_key", r.Fields.DedupKey},
			{"status", r.Fields.Status}, {"labels", r.Fields.Labels}, {"description", r.Fields.Description},
			{"url", r.Fields.URL}, {"alerts", r.Fields.Alerts},
		} {
			if p.path != "" && !validPath(p.path) {
				bad("fields.%s: %q is not a dotted path like \"event.title\"", p.name, p.path)
			}
		}
		for _, v := range r.Fields.ResolvedValues {
			if strings.TrimSpace(v) == "" {
				bad("fields.resolved_values: empty value")
			}
		}
	case KindZabbix, KindPagerDuty:
	case KindWazuh:
		for _, err := range r.Wazuh.check() {
			bad("%v", err)
		}
		if len(r.SeverityMap) > 0 {
			bad("severity_map does not apply to kind %s: set wazuh.levels (the lowest rule level of sev1, sev2 and sev3)", KindWazuh)
		}
	case "":
		bad("kind is required (%s)", kindList())
	default:
		bad("kind %q is not %s", r.Kind, kindList())
	}
	switch r.Kind {
	case KindZabbix, KindWazuh, KindPagerDuty:
		if r.SeverityFromLabel != "" {
			bad("severity_from_label does not apply to kind %s: its severity comes from %s", r.Kind, map[string]string{
				KindZabbix: "the event severity", KindWazuh: "the rule level", KindPagerDuty: "payload.severity"}[r.Kind])
		}
	}
	switch r.Kind {
	case KindPagerDuty, KindUptimeKuma:
		if r.HMACSecretEnv != "" {
			bad("kind %s cannot sign its requests: use token_env or token_file (%s)", r.Kind, map[string]string{
				KindPagerDuty:  "sent as the event's routing_key or a bearer token",
				KindUptimeKuma: "sent in the webhook's Additional Headers as Authorization: Bearer <token>"}[r.Kind])
		}
	}
	if err := r.authMethod(); err != nil {
		bad("%v", err)
	}
	if r.HMACHeader != "" {
		if r.HMACSecretEnv == "" {
			bad("hmac_header needs hmac_secret_env")
		}
		if !validHeaderName(r.HMACHeader) {
			bad("hmac_header %q is not a valid header name", r.HMACHeader)
		}
	}
	seen := map[string]string{}
	keys := make([]string, 0, len(r.SeverityMap))
	for k := range r.SeverityMap {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w := strings.ToLower(strings.TrimSpace(k))
		if w == "" {
			bad("severity_map: empty word")
			continue
		}
		if sevNumber(r.SeverityMap[k]) == 0 {
			bad("severity_map[%q]: %q is not sev1, sev2, sev3 or sev4", k, r.SeverityMap[k])
		}
		if prev, dup := seen[w]; dup {
			bad("severity_map: %q and %q are the same word", prev, k)
		}
		seen[w] = k
	}
	return errors.Join(errs...)
}

// authMethod reports whether exactly one authentication method is set.
func (r Route) authMethod() error {
	n := 0
	for _, s := range []string{r.TokenEnv, r.TokenFile, r.HMACSecretEnv} {
		if s != "" {
			n++
		}
	}
	switch n {
	case 0:
		return errors.New("no authentication: set one of token_env, token_file or hmac_secret_env")
	case 1:
		return nil
	default:
		return errors.New("set only one of token_env, token_file and hmac_secret_env")
	}
}

// SeverityOf maps an alert's severity word to 1..4: first through the
// route's severity_map, then the kind's defaults, then the common
// defaults (critical 1; error, high 2; warning 3; info, low 4); a word
// that is itself sev1..sev4 maps to its number. Words are compared
// without regard to case or surrounding space. An unknown or missing word
// is 3.
//
// Kind defaults: zabbix maps Disaster 1, High 2, Average and Warning 3,
// Information and Not classified 4. wazuh reads the word as the rule
// level and maps it with wazuh.levels (default: 12 and above sev1, 10
// sev2, 7 sev3, below sev4).
func (r Route) SeverityOf(a bot.Alert) int {
	w := strings.ToLower(strings.TrimSpace(a.Severity))
	if w == "" {
		return 3
	}
	if v, ok := r.SeverityMap[w]; ok {
		if n := sevNumber(v); n > 0 {
			return n
		}
	}
	keys := make([]string, 0, len(r.SeverityMap))
	for k := range r.SeverityMap {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic even for a map Check would refuse
	for _, k := range keys {
		if strings.ToLower(strings.TrimSpace(k)) == w {
			if n := sevNumber(r.SeverityMap[k]); n > 0 {
				return n
			}
		}
	}
	switch r.Kind {
	case KindZabbix:
		switch w {
		case "disaster":
			return 1
		case "average":
			return 3
		case "information", "not classified":
			return 4
		}
	case KindWazuh:
		if level, err := strconv.Atoi(w); err == nil {
			return r.Wazuh.severity(level)
		}
	}
	switch w {
	case "critical":
		return 1
	case "error", "high":
		return 2
	case "warning":
		return 3
	case "info", "low":
		return 4
	}
	if n := sevNumber(w); n > 0 {
		return n
	}
	return 3
}

// PlaybookOf returns the playbook the route names for an alert, used when
// no playbook's match: fits its labels: for a wazuh route the playbook of
// the first wazuh.groups entry whose group is among the alert's rule
// groups (label rule_groups), else the route's playbook ("" = the
// engine's default, outage).
func (r Route) PlaybookOf(a bot.Alert) string {
	if r.Kind == KindWazuh {
		if pb := r.Wazuh.playbookOf(strings.Split(a.Labels["rule_groups"], ",")); pb != "" {
			return pb
		}
	}
	return r.Playbook
}

// Playbooks lists the playbook ids the route's configuration names
// (playbook, wazuh.groups; not the defaults), sorted and without
// repeats, so that the caller can check that they exist.
func (r Route) Playbooks() []string {
	seen := map[string]bool{}
	var ids []string
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	add(r.Playbook)
	for _, g := range r.Wazuh.Groups {
		add(g.Playbook)
	}
	sort.Strings(ids)
	return ids
}

// kindList renders Kinds as "a, b or c".
func kindList() string {
	k := Kinds()
	return strings.Join(k[:len(k)-1], ", ") + " or " + k[len(k)-1]
}

// sevNumber parses "sev1".."sev4" (any case); 0 if it is not one.
func sevNumber(s string) int {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) == 4 && s[:3] == "sev" && s[3] >= '1' && s[3] <= '4' {
		return int(s[3] - '0')
	}
	return 0
}

func validID(s string) bool {
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return s != "." && s != ".."
}

// validPath reports whether p is a dotted path of non-empty segments.
func validPath(p string) bool {
	for _, s := range strings.Split(p, ".") {
		if s == "" || strings.TrimSpace(s) != s {
			return false
		}
	}
	return true
}

// validHeaderName reports whether s is an HTTP token (RFC 9110 §5.6.2).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
