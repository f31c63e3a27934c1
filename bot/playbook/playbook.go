// Package playbook loads, validates and describes incident-response
// playbooks: bilingual (Vietnamese/English) YAML documents that split the
// response to one kind of incident into phases and numbered steps, each step
// naming the role that carries it out.
//
// A playbook file looks like this:
//
//	id: ransomware
//	name: {vi: "Mã độc tống tiền", en: "Ransomware"}
//	category: cyber_attack
//	severity: sev1
//	match: {alertname: [RansomwareDetected]}
//	escalation: security
//	summary_every: {sev1: 30m, sev2: 1h}
//	phases:
//	  - id: containment
//	    name: {vi: "Ngăn chặn", en: "Containment"}
//	    steps:
//	      - id: isolate
//	        title: {vi: "Cô lập máy bị nhiễm", en: "Isolate infected hosts"}
//	        role: operator
//	        required: true
//	        due: 15m
//
// [Parse] decodes and validates one file and reports every problem it finds
// as an [Error] carrying the file, line and column of the offending YAML
// node. [LoadDir] and [LoadFS] load a whole directory into a [Set].
//
// Loaded playbooks are never modified by this package, so they and a [Set]
// may be read from many goroutines at once. Callers must not modify them
// either.
package playbook

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
)

// Playbook categories accepted in the category field.
const (
	CategoryCyberAttack       = "cyber_attack"
	CategoryTechnicalIncident = "technical_incident"
	CategoryOperationalError  = "operational_error"
	CategoryNaturalDisaster   = "natural_disaster"
)

// DefaultSeverity is the severity given to a playbook whose file has no
// severity field (1 is the most severe, 4 the least).
const DefaultSeverity = 3

// reservedStates returns the lifecycle state names in lifecycle order.
func reservedStates() []string {
	return []string{bot.StateTriggered, bot.StateAcknowledged, bot.StateResolved, bot.StateClosed, bot.StateCancelled}
}

// categories returns the accepted categories.
func categories() []string {
	return []string{CategoryCyberAttack, CategoryTechnicalIncident, CategoryOperationalError, CategoryNaturalDisaster}
}

// DefaultRoles returns the roles a step may name when [Options].Roles is
// empty. It returns a new slice on every call.
func DefaultRoles() []string {
	return []string{
		"commander", "operator", "response_team", "system_owner",
		"police_focal_point", "spokesperson", "leader", "legal", "comms", "scribe",
	}
}

// Text is a bilingual string: language code -> text, e.g.
// {vi: "...", en: "..."}. Validated playbooks always have both "vi" and "en".
type Text map[string]string

// In returns the text in lang, falling back to "en", then "vi", then any
// non-empty value (the one with the smallest language code), then "".
// A region suffix is ignored when there is no exact match, so "vi-VN" and
// "vi_VN" find "vi"; matching is case-insensitive.
func (t Text) In(lang string) string {
	if s := t[lang]; s != "" {
		return s
	}
	l := strings.ToLower(lang)
	if s := t[l]; s != "" {
		return s
	}
	if i := strings.IndexAny(l, "-_"); i > 0 {
		if s := t[l[:i]]; s != "" {
			return s
		}
	}
	if s := t["en"]; s != "" {
		return s
	}
	if s := t["vi"]; s != "" {
		return s
	}
	keys := make([]string, 0, len(t))
	for k, v := range t {
		if v != "" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	sort.Strings(keys)
	return t[keys[0]]
}

// Playbook is one validated incident-response playbook.
type Playbook struct {
	ID          string
	Name        Text
	Description Text                // optional; nil when absent
	Category    string              // cyber_attack | technical_incident | operational_error | natural_disaster ("" when absent)
	Severity    int                 // default severity 1..4, decoded from "sev1".."sev4"; DefaultSeverity when absent
	Match       map[string][]string // alert label -> accepted values (e.g. alertname: [RansomwareDetected]); nil when absent
	Escalation  string              // escalation policy name ("" = none)
	// SummaryEvery maps a severity (1..4) to how often a progress summary is
	// posted; YAML keys sev1..sev4. Nil when absent.
	SummaryEvery map[int]Duration
	Phases       []Phase
	File         string // path it was loaded from

	// Position of the id value, for duplicate-id errors across files.
	idLine, idCol int
}

// Phase is one phase of a playbook, e.g. containment.
type Phase struct {
	ID    string
	Name  Text
	Steps []Step
}

// Step is one thing a responder has to do.
type Step struct {
	ID       string
	Number   int    // 1-based number across the WHOLE playbook (phase 1 steps 1..k, phase 2 continues k+1..), set by the loader
	Phase    string // id of the phase it belongs to, set by the loader
	Title    Text
	Detail   Text // optional longer guidance; nil when absent
	Role     string
	Required bool
	Due      Duration // optional: reminder/escalation deadline after the phase starts; 0 = none
}

// Steps returns every step of every phase in order (numbers 1..N) in a new
// slice.
func (p *Playbook) Steps() []Step {
	n := 0
	for i := range p.Phases {
		n += len(p.Phases[i].Steps)
	}
	out := make([]Step, 0, n)
	for i := range p.Phases {
		out = append(out, p.Phases[i].Steps...)
	}
	return out
}

// Step returns the step with that 1-based number, counting across all
// phases in order.
func (p *Playbook) Step(n int) (Step, bool) {
	if n < 1 {
		return Step{}, false
	}
	for i := range p.Phases {
		steps := p.Phases[i].Steps
		if n <= len(steps) {
			return steps[n-1], true
		}
		n -= len(steps)
	}
	return Step{}, false
}

// PhaseIndex returns the index of phase id in Phases, or -1.
func (p *Playbook) PhaseIndex(id string) int {
	for i := range p.Phases {
		if p.Phases[i].ID == id {
			return i
		}
	}
	return -1
}

// Duration is a time.Duration that decodes from strings like "15m",
// "1h30m", "2h" or "1d" (d = 24h, optionally followed by more, as in
// "1d12h"). Durations in playbooks must be greater than zero.
//
// Duration implements encoding.TextMarshaler and encoding.TextUnmarshaler,
// so it can also be used in YAML or JSON configuration of other packages.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d the way it is written in playbooks, e.g. "15m",
// "1h30m", "1d" or "1d12h". Durations with a fraction of a second or that
// are not positive use time.Duration's format.
func (d Duration) String() string {
	td := time.Duration(d)
	if td <= 0 || td%time.Second != 0 {
		return td.String()
	}
	var b strings.Builder
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	for _, u := range units {
		if n := td / u.size; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10))
			b.WriteString(u.name)
			td -= n * u.size
		}
	}
	return b.String()
}

// MarshalText implements encoding.TextMarshaler using [Duration.String].
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler using [ParseDuration].
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseDuration parses a playbook duration such as "15m", "1h30m", "2h",
// "1d" or "1d12h". The result must be greater than zero.
func ParseDuration(s string) (Duration, error) {
	d, problem := parseDuration(s)
	if problem != "" {
		return 0, &durationError{s: s, problem: problem}
	}
	return d, nil
}

type durationError struct{ s, problem string }

func (e *durationError) Error() string {
	return "playbook: bad duration " + strconv.Quote(e.s) + ": " + e.problem
}

const (
	durationSyntaxHint = "use e.g. 15m, 2h, 1d"
	durationZeroHint   = "must be greater than zero, e.g. 15m, 2h, 1d"
)

// parseDuration returns the duration or a short description of what is
// wrong with s.
func parseDuration(s string) (Duration, string) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		if strings.HasPrefix(s, "-") {
			return 0, durationZeroHint
		}
		return 0, durationSyntaxHint
	}
	var days int64
	rest := s
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		for _, c := range s[:i] {
			if c < '0' || c > '9' {
				return 0, durationSyntaxHint
			}
			if days > (1<<62)/int64(24*time.Hour) {
				return 0, "too long"
			}
			days = days*10 + int64(c-'0')
		}
		rest = s[i+1:]
		if rest != "" && (rest[0] < '0' || rest[0] > '9') {
			return 0, durationSyntaxHint
		}
	}
	var rd time.Duration
	if rest != "" {
		var err error
		rd, err = time.ParseDuration(rest)
		if err != nil {
			return 0, durationSyntaxHint
		}
	}
	total := time.Duration(days) * 24 * time.Hour
	if rd > 0 && total > (1<<63-1)-rd {
		return 0, "too long"
	}
	total += rd
	if total <= 0 {
		return 0, durationZeroHint
	}
	return Duration(total), ""
}
