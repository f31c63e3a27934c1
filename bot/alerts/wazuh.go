package alerts

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/irbot/irbot/bot"
)

// WazuhOptions tune a wazuh route; the zero value means the defaults.
//
//	wazuh:
//	  levels: {sev1: 12, sev2: 10, sev3: 7}   # lowest rule level of each; below sev3 is sev4
//	  groups:                                 # rule group: playbook; the first listed that the rule has wins
//	    ransomware: ransomware
//	    web: defacement
type WazuhOptions struct {
	Levels WazuhLevels `yaml:"levels"`
	// Groups maps rule groups to playbook ids, in order: an alert gets
	// the playbook of the first entry whose group is among its rule
	// groups (compared without regard to case), unless a playbook's
	// match: fits its labels. None configured = DefaultWazuhGroups.
	Groups WazuhGroups `yaml:"groups"`
}

// WazuhLevels are the lowest Wazuh rule levels (0–16) of sev1, sev2 and
// sev3; a lower level is sev4. Zero means the default: 12, 10 and 7.
type WazuhLevels struct {
	Sev1 int `yaml:"sev1"`
	Sev2 int `yaml:"sev2"`
	Sev3 int `yaml:"sev3"`
}

// Default Wazuh rule levels of sev1, sev2 and sev3.
const (
	DefaultWazuhSev1 = 12
	DefaultWazuhSev2 = 10
	DefaultWazuhSev3 = 7
)

// WazuhGroup maps one Wazuh rule group to a playbook id.
type WazuhGroup struct {
	Group    string
	Playbook string
}

// WazuhGroups is an ordered map of rule group to playbook id. In YAML it
// is a mapping (group: playbook), kept in the order written.
type WazuhGroups []WazuhGroup

// DefaultWazuhGroups returns the group map of a wazuh route that sets
// none: ransomware to the ransomware playbook; defacement, web and attack
// to defacement (Wazuh's web rules carry the groups web and attack).
func DefaultWazuhGroups() WazuhGroups {
	return WazuhGroups{{"ransomware", "ransomware"}, {"defacement", "defacement"}, {"web", "defacement"}, {"attack", "defacement"}}
}

// UnmarshalYAML reads a mapping of group to playbook id in document order.
func (g *WazuhGroups) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		*g = nil
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: wazuh.groups must be a mapping of rule group to playbook, e.g. {ransomware: ransomware, web: defacement}", n.Line)
	}
	out := make(WazuhGroups, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: wazuh.groups: each entry is group: playbook, both plain words", k.Line)
		}
		out = append(out, WazuhGroup{Group: k.Value, Playbook: v.Value})
	}
	*g = out
	return nil
}

func (o WazuhOptions) isZero() bool {
	return o.Levels == WazuhLevels{} && o.Groups == nil
}

// levels returns the configured levels with defaults filled in.
func (o WazuhOptions) levels() WazuhLevels {
	l := o.Levels
	if l.Sev1 == 0 {
		l.Sev1 = DefaultWazuhSev1
	}
	if l.Sev2 == 0 {
		l.Sev2 = DefaultWazuhSev2
	}
	if l.Sev3 == 0 {
		l.Sev3 = DefaultWazuhSev3
	}
	return l
}

// severity maps a rule level to 1..4.
func (o WazuhOptions) severity(level int) int {
	l := o.levels()
	switch {
	case level >= l.Sev1:
		return 1
	case level >= l.Sev2:
		return 2
	case level >= l.Sev3:
		return 3
	}
	return 4
}

// playbookOf returns the playbook of the first group entry among groups,
// "" if none.
func (o WazuhOptions) playbookOf(groups []string) string {
	table := o.Groups
	if table == nil {
		table = DefaultWazuhGroups()
	}
	for _, e := range table {
		for _, g := range groups {
			if strings.EqualFold(strings.TrimSpace(g), e.Group) {
				return e.Playbook
			}
		}
	}
	return ""
}

// check lists what is wrong with the options.
func (o WazuhOptions) check() []error {
	var errs []error
	for _, v := range []struct {
		name  string
		level int
	}{{"sev1", o.Levels.Sev1}, {"sev2", o.Levels.Sev2}, {"sev3", o.Levels.Sev3}} {
		if v.level < 0 || v.level > 16 {
			errs = append(errs, fmt.Errorf("wazuh.levels.%s: %d is not a Wazuh rule level (1–16)", v.name, v.level))
		}
	}
	l := o.levels()
	if l.Sev2 >= l.Sev1 {
		errs = append(errs, fmt.Errorf("wazuh.levels: sev2 (%d) must be below sev1 (%d)", l.Sev2, l.Sev1))
	}
	if l.Sev3 >= l.Sev2 {
		errs = append(errs, fmt.Errorf("wazuh.levels: sev3 (%d) must be below sev2 (%d)", l.Sev3, l.Sev2))
	}
	if o.Groups != nil && len(o.Groups) == 0 {
		errs = append(errs, errors.New("wazuh.groups is empty: leave it out for the defaults, or map at least one group"))
	}
	seen := map[string]bool{}
	for _, g := range o.Groups {
		name := strings.TrimSpace(g.Group)
		switch {
		case name == "":
			errs = append(errs, errors.New("wazuh.groups: empty group name"))
			continue
		case strings.ContainsAny(name, ", "):
			errs = append(errs, fmt.Errorf("wazuh.groups: %q is not one group name (no commas or spaces)", g.Group))
		}
		if !validPlaybookID(g.Playbook) {
			errs = append(errs, fmt.Errorf("wazuh.groups[%q]: %q is not a playbook id (lowercase letters, digits, '-' and '_')", g.Group, g.Playbook))
		}
		if key := strings.ToLower(name); seen[key] {
			errs = append(errs, fmt.Errorf("wazuh.groups: group %q is listed twice", g.Group))
		} else {
			seen[key] = true
		}
	}
	return errs
}

// validPlaybookID reports whether s matches ^[a-z0-9][a-z0-9_-]*$, the
// form of playbook ids.
func validPlaybookID(s string) bool {
	for i, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '-' || c == '_') && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

// wazuhAlert is the part of a Wazuh alert (alerts.json) that Decode reads.
// The rest (rule.firedtimes, rule.pci_dss, predecoder, previous_output,
// syscheck, data beyond srcip, …) stays in Raw.
type wazuhAlert struct {
	Timestamp string          `json:"timestamp"`
	ID        json.RawMessage `json:"id"`
	Rule      *struct {
		Level       json.RawMessage `json:"level"`
		Description string          `json:"description"`
		ID          json.RawMessage `json:"id"`
		Groups      []string        `json:"groups"`
		Mitre       struct {
			ID        []string `json:"id"`
			Tactic    []string `json:"tactic"`
			Technique []string `json:"technique"`
		} `json:"mitre"`
	} `json:"rule"`
	Agent struct {
		ID   json.RawMessage `json:"id"`
		Name string          `json:"name"`
		IP   string          `json:"ip"`
	} `json:"agent"`
	Manager struct {
		Name string `json:"name"`
	} `json:"manager"`
	Decoder struct {
		Name string `json:"name"`
	} `json:"decoder"`
	Location string          `json:"location"`
	FullLog  string          `json:"full_log"`
	Data     json.RawMessage `json:"data"`
}

// decodeWazuh decodes one Wazuh alert: the alert object itself (as a
// custom integration posts the alert file), or Wazuh's shuffle
// integration body, which carries it in all_fields.
func decodeWazuh(r Route, body []byte) ([]bot.Alert, error) {
	if k := kindOf(body); k != "object" {
		return nil, typeError(body, nil, "an object", k)
	}
	var probe struct {
		Rule      json.RawMessage `json:"rule"`
		AllFields json.RawMessage `json:"all_fields"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, jsonError(body, nil, err)
	}
	raw, base := json.RawMessage(body), path{}
	if len(probe.Rule) == 0 && len(probe.AllFields) > 0 && kindOf(probe.AllFields) != "null" {
		if k := kindOf(probe.AllFields); k != "object" {
			return nil, typeError(body, path{"all_fields"}, "an object", k)
		}
		raw, base = probe.AllFields, path{"all_fields"}
	}
	var w wazuhAlert
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, jsonError(body, base, err)
	}
	if w.Rule == nil {
		return nil, fmt.Errorf("alerts: %s: missing (a Wazuh alert has rule.level, rule.id and rule.description)", base.with("rule"))
	}
	rp := base.with("rule")
	levelText, err := scalarText(body, rp.with("level"), w.Rule.Level)
	if err != nil {
		return nil, err
	}
	if levelText == "" {
		return nil, fmt.Errorf("alerts: %s: missing", rp.with("level"))
	}
	level, err := strconv.Atoi(levelText)
	if err != nil || level < 0 {
		return nil, fmt.Errorf("alerts: %s: %q is not a rule level (0–16)", rp.with("level"), clip(levelText, 64))
	}
	ruleID, err := scalarText(body, rp.with("id"), w.Rule.ID)
	if err != nil {
		return nil, err
	}
	if ruleID = cleanKey(ruleID); ruleID == "" {
		return nil, fmt.Errorf("alerts: %s: missing", rp.with("id"))
	}
	agentID, err := scalarText(body, base.with("agent", "id"), w.Agent.ID)
	if err != nil {
		return nil, err
	}
	agentID = cleanKey(agentID)
	startsAt, err := parseISOTime(base.with("timestamp"), w.Timestamp)
	if err != nil {
		return nil, err
	}

	a := bot.Alert{Route: r.ID, Source: r.Kind, Status: bot.AlertFiring, StartsAt: startsAt,
		Labels: map[string]string{}, Annotations: map[string]string{}}
	label := func(k, v string) {
		if v = clip(strings.ToValidUTF8(strings.TrimSpace(v), "\uFFFD"), MaxLabelBytes); v != "" {
			a.Labels[k] = v
		}
	}
	label("rule_id", ruleID)
	label("rule_level", strconv.Itoa(level))
	label("rule_groups", joinWords(w.Rule.Groups))
	label("agent_id", agentID)
	label("agent", w.Agent.Name)
	label("agent_ip", w.Agent.IP)
	label("manager", w.Manager.Name)
	label("decoder", w.Decoder.Name)
	label("location", w.Location)
	label("mitre_id", joinWords(w.Rule.Mitre.ID))
	label("mitre_tactic", joinWords(w.Rule.Mitre.Tactic))
	label("mitre_technique", joinWords(w.Rule.Mitre.Technique))
	if kindOf(w.Data) == "object" {
		var d struct {
			SrcIP json.RawMessage `json:"srcip"`
		}
		if json.Unmarshal(w.Data, &d) == nil {
			if k := kindOf(d.SrcIP); k == "string" || k == "number" {
				label("srcip", stringify(d.SrcIP))
			}
		}
	}
	if s := clip(strings.TrimSpace(strings.ToValidUTF8(w.Rule.Description, "\uFFFD")), maxAnnotationBytes); s != "" {
		a.Annotations["description"] = s
	}
	if s := clip(strings.TrimSpace(strings.ToValidUTF8(w.FullLog, "\uFFFD")), maxAnnotationBytes); s != "" {
		a.Annotations["full_log"] = s
	}

	a.Fingerprint = cleanKey(ruleID + ":" + agentID)
	a.GroupKey = a.Fingerprint
	a.Severity = strconv.Itoa(level)
	t := cleanTitle(strings.TrimSuffix(strings.TrimSpace(w.Rule.Description), "."))
	if t == "" {
		t = cleanTitle("Wazuh rule " + ruleID)
	}
	if agent := cleanTitle(w.Agent.Name); agent != "" {
		t = cleanTitle(t + " on " + agent)
	}
	a.Title = t
	a.Raw = compact(raw)
	return []bot.Alert{a}, nil
}

// joinWords joins the non-empty trimmed words with ",".
func joinWords(ws []string) string {
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		if w = strings.TrimSpace(w); w != "" {
			out = append(out, w)
		}
	}
	return strings.Join(out, ",")
}
