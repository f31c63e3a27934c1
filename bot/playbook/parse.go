package playbook

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"

	"go.yaml.in/yaml/v3"
)

// Options says what references are valid.
type Options struct {
	// Roles a step may name. Nil or empty means DefaultRoles().
	Roles []string
	// Escalations are the escalation policy names a playbook may name.
	// Nil means escalation names are not checked; an empty non-nil slice
	// means no escalation is allowed.
	Escalations []string
}

// Field names, in the order they are listed in error messages.
func playbookFields() []string {
	return []string{"id", "name", "description", "category", "severity", "match", "escalation", "summary_every", "phases"}
}

func phaseFields() []string { return []string{"id", "name", "steps"} }

func stepFields() []string {
	return []string{"id", "title", "detail", "role", "required", "due"}
}

// Parse decodes and validates one playbook. name is the file name used in
// errors and stored in Playbook.File. On any problem Parse returns a nil
// playbook and an [Errors] listing every problem found.
func Parse(name string, data []byte, opts Options) (*Playbook, error) {
	p := newParser(name, opts)
	pb := p.parse(data)
	if len(p.errs) > 0 {
		sortErrors(p.errs)
		return nil, dedupErrors(p.errs)
	}
	return pb, nil
}

type parser struct {
	file        string
	roles       []string
	roleSet     map[string]bool
	escalations []string
	escSet      map[string]bool // nil: don't check
	errs        Errors
}

func newParser(file string, opts Options) *parser {
	p := &parser{file: file, roles: opts.Roles}
	if len(p.roles) == 0 {
		p.roles = DefaultRoles()
	}
	p.roleSet = make(map[string]bool, len(p.roles))
	for _, r := range p.roles {
		p.roleSet[r] = true
	}
	if opts.Escalations != nil {
		p.escalations = opts.Escalations
		p.escSet = make(map[string]bool, len(opts.Escalations))
		for _, e := range opts.Escalations {
			p.escSet[e] = true
		}
	}
	return p
}

// errAt records a problem at line, col (clamped to 1).
func (p *parser) errAt(line, col int, format string, args ...any) {
	if line < 1 {
		line = 1
	}
	if col < 1 {
		col = 1
	}
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// errorf records a problem at node n.
func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	line, col := 1, 1
	if n != nil {
		line, col = n.Line, n.Column
	}
	p.errAt(line, col, format, args...)
}

// decode parses the YAML text into a document node, turning syntax errors
// into positioned errors. It returns nil if there is nothing to validate.
func (p *parser) decode(data []byte) (root *yaml.Node) {
	defer func() {
		// The YAML library reports its own errors as values; this only
		// guards against a bug in it taking the bot down.
		if r := recover(); r != nil {
			root = nil
			p.errAt(1, 1, "cannot parse YAML: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errAt(1, 1, "empty file: expected a playbook with id, name and phases")
		} else {
			p.syntaxError(err, data)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		if len(next.Content) > 0 && !isNull(next.Content[0]) {
			p.errorf(next.Content[0], "more than one YAML document: put each playbook in its own file")
		}
	case errors.Is(err, io.EOF):
	default:
		p.syntaxError(err, data)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || isNull(doc.Content[0]) {
		p.errAt(1, 1, "empty file: expected a playbook with id, name and phases")
		return nil
	}
	return doc.Content[0]
}

// syntaxError turns a YAML library error ("yaml: line 3: did not find
// expected key") into a positioned error.
func (p *parser) syntaxError(err error, data []byte) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if n, convErr := strconv.Atoi(rest[:i]); convErr == nil && n > 0 {
				line = n
				msg = rest[i+2:]
				// The YAML library reports scanner errors with 1-based
				// lines but parser errors with 0-based ones.
				if contains(yamlParserProblems(), msg) {
					line++
				}
			}
		}
	}
	// Errors at the end of the input may be reported on the line after
	// the last one.
	if last := lineCount(data); line > last {
		line = last
	}
	if lineIndentedWithTab(data, line) && !strings.Contains(msg, "tab") {
		msg += " (indent with spaces, not tabs)"
	}
	// Multi-line messages (several type errors) are flattened.
	msg = strings.ReplaceAll(msg, "\n", "; ")
	p.errAt(line, 1, "YAML syntax error: %s", msg)
}

// toUTF8 converts UTF-16 text (which must start with a byte order mark,
// as the YAML library requires) to UTF-8, so that positions and line
// counts are computed on the same text the YAML library sees. Other input
// is returned as is.
func toUTF8(data []byte) ([]byte, bool) {
	var order binary.ByteOrder
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		order = binary.LittleEndian
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		order = binary.BigEndian
	default:
		return data, true
	}
	data = data[2:]
	if len(data)%2 != 0 {
		return nil, false
	}
	units := make([]uint16, len(data)/2)
	for i := range units {
		units[i] = order.Uint16(data[2*i:])
	}
	return []byte(string(utf16.Decode(units))), true
}

// lineIndentedWithTab reports whether the 1-based line n of data has a tab
// in its indentation.
func lineIndentedWithTab(data []byte, n int) bool {
	for i := 1; i < n; i++ {
		at, width := nextBreak(data)
		if at < 0 {
			return false
		}
		data = data[at+width:]
	}
	for _, c := range data {
		switch c {
		case '\t':
			return true
		case ' ':
		default:
			return false
		}
	}
	return false
}

// lineCount returns the number of lines in data as the YAML library
// counts them (at least 1).
func lineCount(data []byte) int {
	n := 1
	for {
		at, width := nextBreak(data)
		if at < 0 {
			return n
		}
		data = data[at+width:]
		if len(data) == 0 {
			return n
		}
		n++
	}
}

// nextBreak returns the index and width of the first YAML line break in
// data (LF, CR, CRLF, NEL, LS or PS), or -1.
func nextBreak(data []byte) (at, width int) {
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case c == '\n':
			return i, 1
		case c == '\r':
			if i+1 < len(data) && data[i+1] == '\n' {
				return i, 2
			}
			return i, 1
		case c == 0xC2 && i+1 < len(data) && data[i+1] == 0x85:
			return i, 2
		case c == 0xE2 && i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xA8 || data[i+2] == 0xA9):
			return i, 3
		}
	}
	return -1, 0
}

// yamlParserProblems returns the messages of the YAML library's parser
// (as opposed to its scanner), whose line numbers are 0-based.
func yamlParserProblems() []string {
	return []string{
		"did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"did not find expected '-' indicator",
		"did not find expected <document start>",
		"did not find expected <stream-start>",
		"did not find expected key",
		"did not find expected node content",
		"found duplicate %TAG directive",
		"found duplicate %YAML directive",
		"found incompatible YAML document",
		"found undefined tag handle",
	}
}

func (p *parser) parse(data []byte) *Playbook {
	data, ok := toUTF8(data)
	if !ok {
		p.errAt(1, 1, "file starts with a UTF-16 byte order mark but is not valid UTF-16: save it as UTF-8")
		return nil
	}
	root := p.decode(data)
	if root == nil {
		return nil
	}
	n := deref(root)
	if n == nil || n.Kind != yaml.MappingNode {
		p.errorf(root, "expected a playbook (a mapping with id, name and phases) at top level, got %s", kindName(n))
		return nil
	}
	pb := &Playbook{File: p.file, Severity: DefaultSeverity}
	f := p.fields(n, "playbook", playbookFields())

	if kv, ok := f["id"]; ok {
		pb.ID = p.id(kv, "playbook")
		pb.idLine, pb.idCol = kv.val.Line, kv.val.Column
	} else {
		p.errorf(n, "missing required field \"id\" in playbook")
	}
	if kv, ok := f["name"]; ok {
		pb.Name = p.text(kv, "name")
	} else {
		p.errorf(n, "missing required field \"name\" in playbook")
	}
	if kv, ok := f["description"]; ok {
		pb.Description = p.text(kv, "description")
	}
	if kv, ok := f["category"]; ok {
		if s, ok := p.str(kv, "category"); ok && s != "" {
			if contains(categories(), s) {
				pb.Category = s
			} else {
				p.errorf(kv.val, "unknown category %q (known: %s)", s, strings.Join(categories(), ", "))
			}
		}
	}
	if kv, ok := f["severity"]; ok {
		if s, ok := p.str(kv, "severity"); ok {
			if sev, ok := parseSeverity(s); ok {
				pb.Severity = sev
			} else {
				p.errorf(kv.val, "bad severity %q: use sev1, sev2, sev3 or sev4", s)
			}
		}
	}
	if kv, ok := f["match"]; ok {
		pb.Match = p.match(kv)
	}
	if kv, ok := f["escalation"]; ok {
		if s, ok := p.str(kv, "escalation"); ok && s != "" {
			if p.escSet != nil && !p.escSet[s] {
				p.errorf(kv.val, "unknown escalation %q (known: %s)", s, listOrNone(p.escalations))
			}
			pb.Escalation = s
		}
	}
	if kv, ok := f["summary_every"]; ok {
		pb.SummaryEvery = p.summaryEvery(kv)
	}
	if kv, ok := f["phases"]; ok {
		pb.Phases = p.phases(kv)
	} else {
		p.errorf(n, "missing required field \"phases\" in playbook")
	}
	return pb
}

// keyVal is one entry of a YAML mapping.
type keyVal struct{ key, val *yaml.Node }

// fields checks the keys of mapping n (unknown or duplicate keys, keys that
// are not strings) and returns the known entries by key. what names the
// mapping in messages ("step").
func (p *parser) fields(n *yaml.Node, what string, known []string) map[string]keyVal {
	out := make(map[string]keyVal, len(known))
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name, ok := p.key(k)
		if !ok {
			continue
		}
		if first, dup := seen[name]; dup {
			p.errorf(k, "duplicate field %q (first at line %d)", name, first.Line)
			continue
		}
		seen[name] = k
		if name == "<<" {
			p.errorf(k, "YAML merge keys (<<) are not supported in playbooks; write the fields out")
			continue
		}
		if !contains(known, name) {
			p.errorf(k, "unknown field %q in %s (known: %s)", name, what, strings.Join(known, ", "))
			continue
		}
		out[name] = keyVal{key: k, val: v}
	}
	return out
}

// key returns the text of a mapping key, reporting keys that are not
// plain strings.
func (p *parser) key(k *yaml.Node) (string, bool) {
	d := deref(k)
	if d == nil || d.Kind != yaml.ScalarNode {
		p.errorf(k, "mapping key must be a string, got %s", kindName(d))
		return "", false
	}
	return d.Value, true
}

// str returns a string field's value. A null value (a key with nothing
// after it) yields "" and true; a non-scalar is an error.
func (p *parser) str(kv keyVal, field string) (string, bool) {
	v := deref(kv.val)
	if v == nil || v.Kind != yaml.ScalarNode {
		p.errorf(kv.val, "%s must be a string, got %s", field, kindName(v))
		return "", false
	}
	if isNull(v) {
		return "", true
	}
	return v.Value, true
}

// id returns a validated id field ("" after reporting a problem).
func (p *parser) id(kv keyVal, what string) string {
	s, ok := p.str(kv, "id")
	if !ok {
		return ""
	}
	if s == "" {
		p.errorf(kv.key, "empty id in %s", what)
		return ""
	}
	if !validID(s) {
		p.errorf(kv.val, "bad id %q: use lowercase letters, digits, \"_\" and \"-\", starting with a letter or digit", s)
		return ""
	}
	return s
}

// text decodes a bilingual text; both vi and en are required.
func (p *parser) text(kv keyVal, field string) Text {
	v := deref(kv.val)
	if v == nil || v.Kind != yaml.MappingNode {
		if v != nil && isNull(v) {
			p.errorf(kv.key, "%s is empty: give both languages, e.g. {vi: \"...\", en: \"...\"}", field)
			return nil
		}
		p.errorf(kv.val, "%s must have both languages, e.g. {vi: \"...\", en: \"...\"}, got %s", field, kindName(v))
		return nil
	}
	t := make(Text, 2)
	seen := make(map[string]*yaml.Node, 2)
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		lang, ok := p.key(k)
		if !ok {
			continue
		}
		if first, dup := seen[lang]; dup {
			p.errorf(k, "duplicate language %q in %s (first at line %d)", lang, field, first.Line)
			continue
		}
		seen[lang] = k
		if lang != "vi" && lang != "en" {
			p.errorf(k, "unknown language %q in %s (use vi and en)", lang, field)
			continue
		}
		s, ok := p.str(keyVal{key: k, val: val}, field+"."+lang)
		if !ok {
			continue
		}
		s = strings.TrimSpace(s)
		if s == "" {
			p.errorf(k, "empty %q text in %s", lang, field)
			continue
		}
		t[lang] = s
	}
	for _, lang := range []string{"vi", "en"} {
		if seen[lang] == nil {
			p.errorf(v, "%s is missing %q text (both vi and en are required)", field, lang)
		}
	}
	return t
}

// match decodes the alert-label matchers.
func (p *parser) match(kv keyVal) map[string][]string {
	v := deref(kv.val)
	if v != nil && isNull(v) {
		return nil
	}
	if v == nil || v.Kind != yaml.MappingNode {
		p.errorf(kv.val, "match must be a mapping of alert label to values, e.g. {alertname: [RansomwareDetected]}, got %s", kindName(v))
		return nil
	}
	out := make(map[string][]string, len(v.Content)/2)
	seen := make(map[string]*yaml.Node, len(v.Content)/2)
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		label, ok := p.key(k)
		if !ok {
			continue
		}
		if first, dup := seen[label]; dup {
			p.errorf(k, "duplicate match label %q (first at line %d)", label, first.Line)
			continue
		}
		seen[label] = k
		if !validLabel(label) {
			p.errorf(k, "bad label name %q in match: use letters, digits and \"_\", not starting with a digit", label)
			continue
		}
		list := deref(val)
		if list == nil || list.Kind != yaml.SequenceNode {
			p.errorf(val, "match label %q must have a list of values, e.g. [RansomwareDetected], got %s", label, kindName(list))
			continue
		}
		if len(list.Content) == 0 {
			p.errorf(val, "match label %q has no values", label)
			continue
		}
		values := make([]string, 0, len(list.Content))
		for _, item := range list.Content {
			s := deref(item)
			if s == nil || s.Kind != yaml.ScalarNode || isNull(s) || s.Value == "" {
				p.errorf(item, "match values for %q must be non-empty strings, got %s", label, kindName(s))
				continue
			}
			values = append(values, s.Value)
		}
		out[label] = values
	}
	return out
}

// summaryEvery decodes the severity -> cadence map.
func (p *parser) summaryEvery(kv keyVal) map[int]Duration {
	v := deref(kv.val)
	if v != nil && isNull(v) {
		return nil
	}
	if v == nil || v.Kind != yaml.MappingNode {
		p.errorf(kv.val, "summary_every must be a mapping of severity to duration, e.g. {sev1: 30m, sev2: 1h}, got %s", kindName(v))
		return nil
	}
	out := make(map[int]Duration, len(v.Content)/2)
	seen := make(map[string]*yaml.Node, len(v.Content)/2)
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		name, ok := p.key(k)
		if !ok {
			continue
		}
		if first, dup := seen[name]; dup {
			p.errorf(k, "duplicate severity %q in summary_every (first at line %d)", name, first.Line)
			continue
		}
		seen[name] = k
		sev, ok := parseSeverity(name)
		if !ok {
			p.errorf(k, "bad severity %q in summary_every: use sev1, sev2, sev3 or sev4", name)
			continue
		}
		if d, ok := p.duration(keyVal{key: k, val: val}, "summary_every."+name); ok {
			out[sev] = d
		}
	}
	return out
}

// duration decodes a positive duration.
func (p *parser) duration(kv keyVal, field string) (Duration, bool) {
	v := deref(kv.val)
	if v == nil || v.Kind != yaml.ScalarNode {
		p.errorf(kv.val, "%s must be a duration like 15m, 2h or 1d, got %s", field, kindName(v))
		return 0, false
	}
	if isNull(v) {
		p.errorf(kv.key, "%s is empty: use e.g. 15m, 2h, 1d", field)
		return 0, false
	}
	d, problem := parseDuration(v.Value)
	if problem != "" {
		p.errorf(kv.val, "bad duration %q: %s", v.Value, problem)
		return 0, false
	}
	return d, true
}

// phases decodes the phase list, numbering steps across the playbook.
func (p *parser) phases(kv keyVal) []Phase {
	v := deref(kv.val)
	if v != nil && isNull(v) {
		p.errorf(kv.key, "phases is empty: add at least one phase")
		return nil
	}
	if v == nil || v.Kind != yaml.SequenceNode {
		p.errorf(kv.val, "phases must be a list of phases, got %s", kindName(v))
		return nil
	}
	if len(v.Content) == 0 {
		p.errorf(kv.val, "phases is empty: add at least one phase")
		return nil
	}
	phaseSeen := make(map[string]*yaml.Node, len(v.Content))
	stepSeen := make(map[string]*yaml.Node)
	phases := make([]Phase, 0, len(v.Content))
	number := 0
	for _, item := range v.Content {
		// A phase reused through an alias is reported where it is used.
		site := useSite(kv.val, item)
		pn := deref(item)
		if pn == nil || pn.Kind != yaml.MappingNode {
			p.errorf(item, "each phase must be a mapping with id, name and steps, got %s", kindName(pn))
			continue
		}
		ph := Phase{}
		f := p.fields(pn, "phase", phaseFields())
		label := "phase"
		if idkv, ok := f["id"]; ok {
			ph.ID = p.id(idkv, "phase")
			if ph.ID != "" {
				label = fmt.Sprintf("phase %q", ph.ID)
				if contains(reservedStates(), ph.ID) {
					p.errorf(idkv.val, "phase id %q is reserved for the incident lifecycle (%s): choose another id", ph.ID, strings.Join(reservedStates(), ", "))
				} else if strings.Contains(ph.ID, "-") {
					// Phase ids are state names in the lifecycle graph, where "-" cannot stand.
					p.errorf(idkv.val, "phase id %q: use _ instead of - (e.g. %q)", ph.ID, strings.ReplaceAll(ph.ID, "-", "_"))
				} else if first, dup := phaseSeen[ph.ID]; dup {
					p.errorf(orNode(site, idkv.val), "duplicate phase id %q (first at line %d)", ph.ID, first.Line)
				} else {
					phaseSeen[ph.ID] = orNode(site, idkv.val)
				}
			}
		} else {
			p.errorf(pn, "missing required field \"id\" in phase")
		}
		if nkv, ok := f["name"]; ok {
			ph.Name = p.text(nkv, "name of "+label)
		} else {
			p.errorf(pn, "missing required field \"name\" in %s", label)
		}
		if skv, ok := f["steps"]; ok {
			ph.Steps = p.steps(skv, site, label, ph.ID, stepSeen, &number)
		} else {
			p.errorf(pn, "%s has no steps: add at least one step", label)
		}
		phases = append(phases, ph)
	}
	return phases
}

// steps decodes the steps of one phase. site is the alias through which
// the phase is used, if any; seen holds step ids across the whole
// playbook; number is the last step number used.
func (p *parser) steps(kv keyVal, site *yaml.Node, phaseLabel, phaseID string, seen map[string]*yaml.Node, number *int) []Step {
	v := deref(kv.val)
	if v != nil && isNull(v) {
		p.errorf(kv.key, "%s has no steps: add at least one step", phaseLabel)
		return nil
	}
	if v == nil || v.Kind != yaml.SequenceNode {
		p.errorf(kv.val, "steps must be a list of steps, got %s", kindName(v))
		return nil
	}
	if len(v.Content) == 0 {
		p.errorf(kv.val, "%s has no steps: add at least one step", phaseLabel)
		return nil
	}
	steps := make([]Step, 0, len(v.Content))
	listSite := orNode(site, useSite(nil, kv.val))
	for _, item := range v.Content {
		stepSite := orNode(listSite, useSite(nil, item))
		sn := deref(item)
		if sn == nil || sn.Kind != yaml.MappingNode {
			p.errorf(item, "each step must be a mapping with id and title, got %s", kindName(sn))
			continue
		}
		*number++
		st := Step{Number: *number, Phase: phaseID}
		f := p.fields(sn, "step", stepFields())
		label := "step"
		if idkv, ok := f["id"]; ok {
			st.ID = p.id(idkv, "step")
			if st.ID != "" {
				label = fmt.Sprintf("step %q", st.ID)
				if first, dup := seen[st.ID]; dup {
					p.errorf(orNode(stepSite, idkv.val), "duplicate step id %q (first at line %d)", st.ID, first.Line)
				} else {
					seen[st.ID] = orNode(stepSite, idkv.val)
				}
			}
		} else {
			p.errorf(sn, "missing required field \"id\" in step")
		}
		if tkv, ok := f["title"]; ok {
			st.Title = p.text(tkv, "title of "+label)
		} else {
			p.errorf(sn, "missing required field \"title\" in %s", label)
		}
		if dkv, ok := f["detail"]; ok {
			st.Detail = p.text(dkv, "detail of "+label)
		}
		if rkv, ok := f["role"]; ok {
			if s, ok := p.str(rkv, "role"); ok {
				switch {
				case s == "":
					p.errorf(rkv.key, "empty role in %s (known: %s)", label, strings.Join(p.roles, ", "))
				case !p.roleSet[s]:
					p.errorf(rkv.val, "unknown role %q (known: %s)", s, strings.Join(p.roles, ", "))
				default:
					st.Role = s
				}
			}
		}
		if qkv, ok := f["required"]; ok {
			b := deref(qkv.val)
			switch {
			case b == nil || b.Kind != yaml.ScalarNode || b.ShortTag() != "!!bool":
				p.errorf(qkv.val, "required must be true or false, got %s", kindName(b))
			case b.Value == "true" || b.Value == "True" || b.Value == "TRUE":
				st.Required = true
			case b.Value == "false" || b.Value == "False" || b.Value == "FALSE":
			default:
				p.errorf(qkv.val, "required must be true or false, got %q", b.Value)
			}
		}
		if dkv, ok := f["due"]; ok {
			if d, ok := p.duration(dkv, "due"); ok {
				st.Due = d
			}
		}
		steps = append(steps, st)
	}
	return steps
}

// useSite returns the alias node through which a value is used: n if it
// is an alias, else list if that is an alias, else nil.
func useSite(list, n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode {
		return n
	}
	if list != nil && list.Kind == yaml.AliasNode {
		return list
	}
	return nil
}

// orNode returns a if it is not nil, else b.
func orNode(a, b *yaml.Node) *yaml.Node {
	if a != nil {
		return a
	}
	return b
}

// deref follows YAML aliases to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i == 8 {
			return nil
		}
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// kindName describes a node for messages: "a list", "a mapping", ...
func kindName(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!bool":
			return "a boolean"
		case "!!int", "!!float":
			return "a number"
		default:
			return fmt.Sprintf("the string %q", truncate(n.Value, 40))
		}
	}
	return "nothing"
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// parseSeverity parses "sev1".."sev4".
func parseSeverity(s string) (int, bool) {
	if len(s) == 4 && strings.HasPrefix(s, "sev") && s[3] >= '1' && s[3] <= '4' {
		return int(s[3] - '0'), true
	}
	return 0, false
}

// validID reports whether s matches ^[a-z0-9][a-z0-9_-]*$.
func validID(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '_' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

// validLabel reports whether s is a Prometheus-style label name,
// ^[a-zA-Z_][a-zA-Z0-9_]*$.
func validLabel(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func listOrNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
