package playbook

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func testOptions() Options {
	return Options{Escalations: []string{"security", "ops"}}
}

// parseErrors parses data and returns its errors, failing the test if
// there are none or they are not Errors.
func parseErrors(t *testing.T, name string, data []byte, opts Options) Errors {
	t.Helper()
	pb, err := Parse(name, data, opts)
	if err == nil {
		t.Fatalf("Parse(%s) succeeded, want errors", name)
	}
	if pb != nil {
		t.Errorf("Parse(%s) returned a playbook together with errors", name)
	}
	var es Errors
	if !errors.As(err, &es) || len(es) == 0 {
		t.Fatalf("Parse(%s) error %T %v, want non-empty Errors", name, err, err)
	}
	return es
}

func TestBrokenFixtures(t *testing.T) {
	tests := []struct {
		file string
		want []string // exact "file:line:col: message" substrings of the error
		n    int      // expected number of errors
	}{
		{"unknown-field.yaml", []string{
			`unknown-field.yaml:8:9: unknown field "titel" in step (known: id, title, detail, role, required, due)`,
			`unknown-field.yaml:7:9: missing required field "title" in step "look"`,
		}, 2},
		{"duplicate-step.yaml", []string{
			`duplicate-step.yaml:14:13: duplicate step id "isolate" (first at line 7)`,
		}, 1},
		{"duplicate-phase.yaml", []string{
			`duplicate-phase.yaml:9:9: duplicate phase id "containment" (first at line 4)`,
		}, 1},
		{"bad-duration.yaml", []string{
			`bad-duration.yaml:9:14: bad duration "15x": use e.g. 15m, 2h, 1d`,
			`bad-duration.yaml:12:14: bad duration "0m": must be greater than zero, e.g. 15m, 2h, 1d`,
		}, 2},
		{"unknown-role.yaml", []string{
			`unknown-role.yaml:9:15: unknown role "opertor" (known: commander, operator, response_team, system_owner, police_focal_point, spokesperson, leader, legal, comms, scribe)`,
		}, 1},
		{"unknown-escalation.yaml", []string{
			`unknown-escalation.yaml:3:13: unknown escalation "securty" (known: security, ops)`,
		}, 1},
		{"phase-no-steps.yaml", []string{
			`phase-no-steps.yaml:6:12: phase "containment" has no steps: add at least one step`,
			`phase-no-steps.yaml:7:5: phase "recovery" has no steps: add at least one step`,
		}, 2},
		{"missing-vi.yaml", []string{
			`missing-vi.yaml:9:11: title of step "isolate" is missing "vi" text (both vi and en are required)`,
		}, 1},
		{"reserved-phase.yaml", []string{
			`reserved-phase.yaml:4:9: phase id "resolved" is reserved for the incident lifecycle (triggered, acknowledged, resolved, closed, cancelled): choose another id`,
		}, 1},
		{"bad-severity.yaml", []string{
			`bad-severity.yaml:3:11: bad severity "sev5": use sev1, sev2, sev3 or sev4`,
			`bad-severity.yaml:4:28: bad severity "sev9" in summary_every: use sev1, sev2, sev3 or sev4`,
		}, 2},
		{"syntax-error.yaml", []string{
			`syntax-error.yaml:5:1: YAML syntax error: did not find expected ',' or '}'`,
		}, 1},
		{"empty.yaml", []string{
			`empty.yaml:1:1: empty file: expected a playbook with id, name and phases`,
		}, 1},
		{"not-a-mapping.yaml", []string{
			`not-a-mapping.yaml:2:1: expected a playbook (a mapping with id, name and phases) at top level, got a list`,
		}, 1},
		{"wrong-type.yaml", []string{
			`wrong-type.yaml:2:7: name must have both languages, e.g. {vi: "...", en: "..."}, got the string "Test"`,
			`wrong-type.yaml:3:11: unknown category "cyber" (known: cyber_attack, technical_incident, operational_error, natural_disaster)`,
			`wrong-type.yaml:5:3: phases must be a list of phases, got a mapping`,
		}, 3},
		{"missing-fields.yaml", []string{
			`missing-fields.yaml:1:1: missing required field "id" in playbook`,
			`missing-fields.yaml:1:1: missing required field "name" in playbook`,
			`missing-fields.yaml:1:1: missing required field "phases" in playbook`,
		}, 3},
		{"bad-ids.yaml", []string{
			`bad-ids.yaml:1:5: bad id "Bad Id": use lowercase letters, digits, "_" and "-", starting with a letter or digit`,
			`bad-ids.yaml:2:31: unknown language "fr" in name (use vi and en)`,
			`bad-ids.yaml:4:9: bad id "-containment": use lowercase letters`,
			`bad-ids.yaml:5:12: empty "vi" text in name of phase`,
			`bad-ids.yaml:7:9: missing required field "id" in step`,
			`bad-ids.yaml:8:19: required must be true or false, got the string "yes"`,
			`bad-ids.yaml:9:9: missing required field "title" in step "block"`,
		}, 7},
	}

	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			name := filepath.Join("testdata", "broken", tt.file)
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			es := parseErrors(t, name, data, testOptions())
			got := es.Error()
			for _, w := range tt.want {
				w = filepath.Join("testdata", "broken", w)
				if !strings.Contains(got, w) {
					t.Errorf("errors do not contain\n  %s\ngot:\n%s", w, got)
				}
			}
			if len(es) != tt.n {
				t.Errorf("got %d errors, want %d:\n%s", len(es), tt.n, got)
			}
			checkSorted(t, es)
		})
	}

	files, err := filepath.Glob(filepath.Join("testdata", "broken", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("fixture %s has no expectations in TestBrokenFixtures", f)
		}
	}
}

func checkSorted(t *testing.T, es Errors) {
	t.Helper()
	if !sort.SliceIsSorted(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	}) {
		t.Errorf("errors not sorted:\n%v", es)
	}
}

func TestLoadDirCollectsAllErrors(t *testing.T) {
	dir := filepath.Join("testdata", "broken")
	set, err := LoadDir(dir, testOptions())
	if set != nil {
		t.Errorf("LoadDir returned a set together with errors")
	}
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("LoadDir error %T %v, want Errors", err, err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	seen := map[string]bool{}
	for _, e := range es {
		seen[e.File] = true
		if e.Line < 1 || e.Col < 1 {
			t.Errorf("error without position: %v", e)
		}
	}
	for _, f := range files {
		if !seen[f] {
			t.Errorf("no error reported for %s", f)
		}
	}
	checkSorted(t, es)
}

func TestLoadDirDuplicateIDs(t *testing.T) {
	_, err := LoadDir(filepath.Join("testdata", "dup"), Options{})
	want := filepath.Join("testdata", "dup", "b.yaml") + `:2:5: duplicate playbook id "same" (first in ` + filepath.Join("testdata", "dup", "a.yaml") + ")"
	if err == nil || err.Error() != want {
		t.Errorf("got error\n  %v\nwant\n  %s", err, want)
	}
}

func TestParseMoreErrors(t *testing.T) {
	const head = "id: x\nname: {vi: a, en: b}\n"
	const phases = "phases:\n  - id: p\n    name: {vi: a, en: b}\n    steps:\n      - id: s\n        title: {vi: a, en: b}\n"
	tests := []struct {
		name, yaml string
		opts       Options
		want       string
	}{
		{"duplicate field", head + "id: y\n" + phases, Options{}, `t.yaml:3:1: duplicate field "id" (first at line 1)`},
		{"second document", head + phases + "---\nid: z\n", Options{}, `t.yaml:10:1: more than one YAML document: put each playbook in its own file`},
		{"unknown top-level field", head + "x: &base {vi: a, en: b}\n" + phases, Options{}, `t.yaml:3:1: unknown field "x" in playbook (known: id, name, description, category, severity, match, escalation, summary_every, phases)`},
		{"merge key", head + "<<: {category: cyber_attack}\n" + phases, Options{}, `t.yaml:3:1: YAML merge keys (<<) are not supported in playbooks; write the fields out`},
		{"escalations empty", head + "escalation: ops\n" + phases, Options{Escalations: []string{}}, `t.yaml:3:13: unknown escalation "ops" (known: none)`},
		{"custom roles", head + strings.Replace(phases, "title:", "role: operator\n        title:", 1), Options{Roles: []string{"oncall"}}, `t.yaml:8:15: unknown role "operator" (known: oncall)`},
		{"empty phases", head + "phases: []\n", Options{}, `t.yaml:3:9: phases is empty: add at least one phase`},
		{"null phases", head + "phases:\n", Options{}, `t.yaml:3:1: phases is empty: add at least one phase`},
		{"step not a mapping", head + "phases:\n  - id: p\n    name: {vi: a, en: b}\n    steps: [look]\n", Options{}, `t.yaml:6:13: each step must be a mapping with id and title, got the string "look"`},
		{"negative due", head + strings.Replace(phases, "title:", "due: -5m\n        title:", 1), Options{}, `t.yaml:8:14: bad duration "-5m": must be greater than zero`},
		{"bad summary duration", head + "summary_every: {sev1: soon}\n" + phases, Options{}, `t.yaml:3:23: bad duration "soon": use e.g. 15m, 2h, 1d`},
		{"match not list", head + "match: {alertname: X}\n" + phases, Options{}, `t.yaml:3:20: match label "alertname" must have a list of values, e.g. [RansomwareDetected], got the string "X"`},
		{"match bad label", head + "match: {alert-name: [X]}\n" + phases, Options{}, `t.yaml:3:9: bad label name "alert-name" in match`},
		{"text list", head + "description: [a, b]\n" + phases, Options{}, `t.yaml:3:14: description must have both languages`},
		{"phase id reserved triggered", head + strings.Replace(phases, "id: p", "id: triggered", 1), Options{}, `t.yaml:4:9: phase id "triggered" is reserved`},
		{"phase id with dash", head + strings.Replace(phases, "id: p", "id: follow-up", 1), Options{}, `t.yaml:4:9: phase id "follow-up": use _ instead of - (e.g. "follow_up")`},
		{"non-string key", head + "[a]: 1\n" + phases, Options{}, `t.yaml:3:1: mapping key must be a string, got a list`},
		{"tab indentation", head + "phases:\n\t- id: p\n", Options{}, `t.yaml:4:1: YAML syntax error: found character that cannot start any token (indent with spaces, not tabs)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := parseErrors(t, "t.yaml", []byte(tt.yaml), tt.opts)
			if !strings.Contains(es.Error(), tt.want) {
				t.Errorf("errors do not contain\n  %s\ngot:\n%s", tt.want, es.Error())
			}
		})
	}
}

func TestParseValid(t *testing.T) {
	const src = `# comment
id: small
name: {vi: "Nhỏ", en: "Small"}
description:
  vi: |
    Mô tả nhiều dòng.
  en: Multi-line description.
category: cyber_attack
severity: sev1
match:
  alertname: [A, B]
  team: [soc]
escalation: security
summary_every: {sev1: 30m, sev2: 1h, sev4: 1d}
phases:
  - id: containment
    name: &cname {vi: "Ngăn chặn", en: "Containment"}
    steps:
      - id: isolate
        title: {vi: "Cô lập", en: "Isolate"}
        detail: {vi: "Không tắt nguồn", en: "Do not power off"}
        role: operator
        required: true
        due: 15m
      - id: block
        title: {vi: "Chặn", en: "Block"}
        required: false
  - id: recovery
    name: {vi: "Khôi phục", en: "Recovery"}
    steps:
      - id: restore
        title: *cname
        role: system_owner
        due: 1d12h
`
	pb, err := Parse("small.yaml", []byte(src), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if pb.ID != "small" || pb.File != "small.yaml" || pb.Category != "cyber_attack" || pb.Severity != 1 || pb.Escalation != "security" {
		t.Errorf("header fields: %+v", pb)
	}
	if got := pb.Description.In("vi"); got != "Mô tả nhiều dòng." {
		t.Errorf("description vi = %q (block scalars are trimmed)", got)
	}
	if got := strings.Join(pb.Match["alertname"], ","); got != "A,B" || len(pb.Match) != 2 {
		t.Errorf("match = %v", pb.Match)
	}
	if pb.SummaryEvery[1].D().Minutes() != 30 || pb.SummaryEvery[2].D().Hours() != 1 || pb.SummaryEvery[4].D().Hours() != 24 || len(pb.SummaryEvery) != 3 {
		t.Errorf("summary_every = %v", pb.SummaryEvery)
	}
	st, ok := pb.Step(1)
	if !ok || st.ID != "isolate" || !st.Required || st.Role != "operator" || st.Due.String() != "15m" || st.Detail.In("en") != "Do not power off" {
		t.Errorf("step 1 = %+v", st)
	}
	if st, _ := pb.Step(2); st.Required || st.Due != 0 || st.Role != "" || st.Detail != nil {
		t.Errorf("step 2 = %+v", st)
	}
	if st, _ := pb.Step(3); st.Title.In("en") != "Containment" || st.Due.String() != "1d12h" {
		t.Errorf("step 3 (alias title) = %+v", st)
	}
}

func TestParseDefaults(t *testing.T) {
	pb, err := Parse("d.yaml", []byte("id: d\nname: {vi: a, en: b}\nphases:\n  - id: p\n    name: {vi: a, en: b}\n    steps:\n      - id: s\n        title: {vi: a, en: b}\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if pb.Severity != DefaultSeverity || pb.Category != "" || pb.Escalation != "" || pb.Match != nil || pb.SummaryEvery != nil || pb.Description != nil {
		t.Errorf("defaults: %+v", pb)
	}
}

func TestParseAliasReuse(t *testing.T) {
	const src = "id: a\nname: &n {vi: a, en: b}\nphases:\n  - id: p\n    name: *n\n    steps:\n      - &st {id: s, title: *n, role: bad}\n      - *st\n"
	es := parseErrors(t, "t.yaml", []byte(src), Options{})
	want := "t.yaml:7:38: unknown role \"bad\" (known: commander, operator, response_team, system_owner, police_focal_point, spokesperson, leader, legal, comms, scribe)\n" +
		"t.yaml:8:9: duplicate step id \"s\" (first at line 7)"
	if es.Error() != want {
		t.Errorf("got\n%s\nwant (the reused step's problem once, the duplicate at the alias)\n%s", es.Error(), want)
	}
}

func TestParseUTF16(t *testing.T) {
	src := []rune("id: u\nname: {vi: \"Tiếng Việt\", en: \"UTF-16\"}\nphases:\n  - id: p\n    name: {vi: a, en: b}\n    steps:\n      - id: s\n        title: {vi: a, en: b}\n        role: nobody\n")
	le := []byte{0xFF, 0xFE}
	be := []byte{0xFE, 0xFF}
	for _, r := range src {
		le = append(le, byte(r), byte(r>>8))
		be = append(be, byte(r>>8), byte(r))
	}
	for name, data := range map[string][]byte{"le.yaml": le, "be.yaml": be} {
		es := parseErrors(t, name, data, Options{})
		if want := name + `:9:15: unknown role "nobody"`; !strings.Contains(es.Error(), want) {
			t.Errorf("got %v, want %s", es, want)
		}
	}
	es := parseErrors(t, "odd.yaml", append(le, 'x'), Options{})
	if !strings.Contains(es.Error(), "odd.yaml:1:1: file starts with a UTF-16 byte order mark") {
		t.Errorf("odd-length UTF-16: %v", es)
	}
}
