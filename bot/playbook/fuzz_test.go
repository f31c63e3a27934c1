package playbook

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that every failure is a
// non-empty, sorted Errors with positions inside the input, and that every
// success is a consistent playbook.
//
// Run it with: go test -run='^$' -fuzz=FuzzParse ./bot/playbook/
func FuzzParse(f *testing.F) {
	f.Add([]byte(small))
	f.Add([]byte(""))
	f.Add([]byte("id: x\n"))
	f.Add([]byte("- a\n- b\n"))
	f.Add([]byte("id: x\nname: &n {vi: a, en: b}\nphases:\n  - id: p\n    name: *n\n    steps: &s\n      - id: s\n        title: *n\n  - id: q\n    name: *n\n    steps: *s\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("id: x\nname: {vi: a, en: b}\nsummary_every: {sev1: 1d, sev2: 0m}\nphases: []\n"))
	f.Add([]byte("id: x\nname: {vi: a, en: b}\nphases:\n\t- id: p\n"))
	for _, pattern := range []string{"../../playbooks/*.yaml", "testdata/broken/*.yaml"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.yaml"
		pb, err := Parse(name, data, Options{Escalations: []string{"security", "ops"}})
		if err != nil {
			if pb != nil {
				t.Fatal("Parse returned a playbook together with an error")
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error is %T, want Errors: %v", err, err)
			}
			if len(es) == 0 {
				t.Fatal("empty Errors")
			}
			// Positions refer to the text the YAML library sees (UTF-16
			// input is converted first).
			text, _ := toUTF8(data)
			lines := lineCount(text)
			for _, e := range es {
				if e.File != name || e.Line < 1 || e.Col < 1 || e.Msg == "" {
					t.Fatalf("bad error %#v", e)
				}
				if e.Line > lines {
					t.Fatalf("error %v is past the last line %d", e, lines)
				}
			}
			checkSorted(t, es)
			if s := es.Error(); !strings.HasPrefix(s, name+":") {
				t.Fatalf("Error() = %q", s)
			}
			return
		}
		if pb == nil {
			t.Fatal("Parse returned neither a playbook nor an error")
		}
		if !validID(pb.ID) || pb.Name["vi"] == "" || pb.Name["en"] == "" || len(pb.Phases) == 0 {
			t.Fatalf("invalid playbook accepted: %+v", pb)
		}
		if pb.Severity < 1 || pb.Severity > 4 {
			t.Fatalf("severity %d", pb.Severity)
		}
		for sev, d := range pb.SummaryEvery {
			if sev < 1 || sev > 4 || d <= 0 {
				t.Fatalf("summary_every %d: %v", sev, d)
			}
		}
		n := 0
		for pi, ph := range pb.Phases {
			if len(ph.Steps) == 0 || pb.PhaseIndex(ph.ID) != pi {
				t.Fatalf("phase %d %q: %d steps, index %d", pi, ph.ID, len(ph.Steps), pb.PhaseIndex(ph.ID))
			}
			for _, st := range ph.Steps {
				n++
				if st.Number != n || st.Phase != ph.ID || st.Title["vi"] == "" || st.Title["en"] == "" || st.Due < 0 {
					t.Fatalf("step %+v (want number %d)", st, n)
				}
				if got, ok := pb.Step(n); !ok || got.ID != st.ID {
					t.Fatalf("Step(%d) = %+v, %v", n, got, ok)
				}
			}
		}
		if len(pb.Steps()) != n {
			t.Fatalf("Steps() has %d steps, want %d", len(pb.Steps()), n)
		}
		if _, err := NewSet(pb); err != nil {
			t.Fatalf("NewSet: %v", err)
		}
	})
}
