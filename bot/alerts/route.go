package alerts

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/irbot/irbot/bot"
)

// Route kinds: the payload format a route accepts. The kind is also the
// Source of the alerts it decodes.
const (
	KindAlertmanager = "alertmanager"
	KindGrafana      = "grafana"
	KindGeneric      = "generic"
)

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
	Kind              string            `yaml:"kind"`                // alertmanager | grafana | generic
	TokenEnv          string            `yaml:"token_env"`           // env var holding the bearer token
	TokenFile         string            `yaml:"token_file"`          // or a file holding it
	HMACSecretEnv     string            `yaml:"hmac_secret_env"`     // or an HMAC-SHA256 secret (env)
	HMACHeader        string            `yaml:"hmac_header"`         // header with "sha256=<hex>" or "<hex>"; default X-Signature-256
	Chat              string            `yaml:"chat"`                // configured chat id incidents are posted to
	Escalation        string            `yaml:"escalation"`          // escalation policy ("" = the playbook's)
	Playbook          string            `yaml:"playbook"`            // playbook when no playbook's match: fits ("" = outage)
	SeverityFromLabel string            `yaml:"severity_from_label"` // label holding the severity word; default "severity"
	SeverityMap       map[string]string `yaml:"severity_map"`        // word -> sev1..sev4; default critical:sev1, error/high:sev2, warning:sev3, info/low:sev4
	AutoResolve       bool              `yaml:"auto_resolve"`        // resolve the incident when every alert resolved
	Fields            GenericFields     `yaml:"fields"`              // generic kind: where to find things
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
// URL path segment, exactly one authentication method is configured, the
// severity map's values are sev1..sev4, and a generic route says where
// its title is (fields are refused on the other kinds). Every problem
// found is reported, each prefixed with the route's id.
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
	switch r.Kind {
	case KindAlertmanager, KindGrafana:
		if !r.Fields.isZero() {
			bad("fields apply only to kind %s", KindGeneric)
		}
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
	case "":
		bad("kind is required (%s, %s or %s)", KindAlertmanager, KindGrafana, KindGeneric)
	default:
		bad("kind %q is not %s, %s or %s", r.Kind, KindAlertmanager, KindGrafana, KindGeneric)
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
// route's severity_map, then the defaults (critical 1; error, high 2;
// warning 3; info, low 4); a word that is itself sev1..sev4 maps to its
// number. Words are compared without regard to case or surrounding space.
// An unknown or missing word is 3.
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
