package playbook

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"go.yaml.in/yaml/v3"
)

// small is a three-phase playbook used by several tests.
const small = `id: small
name: {vi: "Nhỏ", en: "Small"}
phases:
  - id: containment
    name: {vi: "Ngăn chặn", en: "Containment"}
    steps:
      - id: isolate
        title: {vi: "Cô lập", en: "Isolate"}
      - id: block
        title: {vi: "Chặn", en: "Block"}
  - id: eradication
    name: {vi: "Loại bỏ", en: "Eradication"}
    steps:
      - id: clean
        title: {vi: "Làm sạch", en: "Clean"}
  - id: recovery
    name: {vi: "Khôi phục", en: "Recovery"}
    steps:
      - id: restore
        title: {vi: "Khôi phục", en: "Restore"}
      - id: verify
        title: {vi: "Kiểm tra", en: "Verify"}
      - id: watch
        title: {vi: "Theo dõi", en: "Watch"}
`

func mustParse(t testing.TB, src string) *Playbook {
	t.Helper()
	pb, err := Parse("small.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

func TestStepNumbering(t *testing.T) {
	pb := mustParse(t, small)
	want := []struct {
		id, phase string
	}{
		{"isolate", "containment"}, {"block", "containment"},
		{"clean", "eradication"},
		{"restore", "recovery"}, {"verify", "recovery"}, {"watch", "recovery"},
	}
	steps := pb.Steps()
	if len(steps) != len(want) {
		t.Fatalf("got %d steps, want %d", len(steps), len(want))
	}
	for i, w := range want {
		n := i + 1
		st := steps[i]
		if st.ID != w.id || st.Phase != w.phase || st.Number != n {
			t.Errorf("Steps()[%d] = {ID:%s Phase:%s Number:%d}, want {%s %s %d}", i, st.ID, st.Phase, st.Number, w.id, w.phase, n)
		}
		got, ok := pb.Step(n)
		if !ok || got.ID != w.id || got.Number != n {
			t.Errorf("Step(%d) = %+v, %v; want %s", n, got, ok, w.id)
		}
	}
	// The phases keep their own steps with the same numbers.
	if st := pb.Phases[2].Steps[0]; st.Number != 4 || st.ID != "restore" {
		t.Errorf("Phases[2].Steps[0] = %+v", st)
	}
	for _, n := range []int{0, -1, 7} {
		if st, ok := pb.Step(n); ok {
			t.Errorf("Step(%d) = %+v, want not found", n, st)
		}
	}
	// Steps returns a copy.
	steps[0].ID = "changed"
	if pb.Phases[0].Steps[0].ID != "isolate" {
		t.Error("Steps() aliases the playbook's steps")
	}
	for id, want := range map[string]int{"containment": 0, "eradication": 1, "recovery": 2, "resolved": -1, "": -1} {
		if got := pb.PhaseIndex(id); got != want {
			t.Errorf("PhaseIndex(%q) = %d, want %d", id, got, want)
		}
	}
}

func TestTextIn(t *testing.T) {
	both := Text{"vi": "Ngăn chặn", "en": "Containment"}
	tests := []struct {
		t    Text
		lang string
		want string
	}{
		{both, "vi", "Ngăn chặn"},
		{both, "en", "Containment"},
		{both, "fr", "Containment"},
		{both, "", "Containment"},
		{both, "VI", "Ngăn chặn"},
		{both, "vi-VN", "Ngăn chặn"},
		{both, "vi_VN", "Ngăn chặn"},
		{both, "en-GB", "Containment"},
		{Text{"vi": "Chỉ tiếng Việt"}, "en", "Chỉ tiếng Việt"},
		{Text{"vi": "Việt", "en": ""}, "en", "Việt"},
		{Text{"fr": "Confinement", "de": "Eindämmung"}, "en", "Eindämmung"},
		{Text{"fr": "Confinement"}, "fr", "Confinement"},
		{Text{}, "vi", ""},
		{nil, "en", ""},
	}
	for _, tt := range tests {
		if got := tt.t.In(tt.lang); got != tt.want {
			t.Errorf("%v.In(%q) = %q, want %q", tt.t, tt.lang, got, tt.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	good := map[string]time.Duration{
		"15m":    15 * time.Minute,
		"1h30m":  90 * time.Minute,
		"2h":     2 * time.Hour,
		"1d":     24 * time.Hour,
		"7d":     7 * 24 * time.Hour,
		"1d12h":  36 * time.Hour,
		"2d30m":  48*time.Hour + 30*time.Minute,
		"45s":    45 * time.Second,
		"1.5h":   90 * time.Minute,
		"0d1m":   time.Minute,
		"1500ms": 1500 * time.Millisecond,
	}
	for s, want := range good {
		d, err := ParseDuration(s)
		if err != nil || d.D() != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", s, d.D(), err, want)
		}
	}
	for _, s := range []string{"", "0", "0m", "0d", "-5m", "15", "15x", "d", "1.5d", "1d-1h", "1dd", "m15", " 15m", "1w", "99999999999999999999d", "100000000d"} {
		if d, err := ParseDuration(s); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want error", s, d)
		}
	}
}

func TestDurationString(t *testing.T) {
	for s, want := range map[string]string{"15m": "15m", "90m": "1h30m", "24h": "1d", "36h": "1d12h", "1d1s": "1d1s", "1500ms": "1.5s"} {
		d, err := ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.String(); got != want {
			t.Errorf("ParseDuration(%q).String() = %q, want %q", s, got, want)
		}
		back, err := ParseDuration(d.String())
		if err != nil || back != d {
			t.Errorf("round trip of %q: %v, %v", s, back, err)
		}
	}
	if got := Duration(0).String(); got != "0s" {
		t.Errorf("Duration(0).String() = %q", got)
	}
}

func TestDurationYAML(t *testing.T) {
	var cfg struct {
		Every Duration `yaml:"every"`
	}
	if err := yaml.Unmarshal([]byte("every: 1d\n"), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Every.D() != 24*time.Hour {
		t.Errorf("decoded %v", cfg.Every.D())
	}
	out, err := yaml.Marshal(cfg)
	if err != nil || string(out) != "every: 1d\n" {
		t.Errorf("Marshal = %q, %v", out, err)
	}
	if err := yaml.Unmarshal([]byte("every: soon\n"), &cfg); err == nil || !strings.Contains(err.Error(), `bad duration "soon"`) {
		t.Errorf("bad duration error = %v", err)
	}
}

func TestErrorFormat(t *testing.T) {
	es := Errors{
		{File: "a.yaml", Line: 3, Col: 5, Msg: "first"},
		{File: "b.yaml", Msg: "cannot read"},
	}
	want := "a.yaml:3:5: first\nb.yaml: cannot read"
	if es.Error() != want {
		t.Errorf("Errors.Error() = %q, want %q", es.Error(), want)
	}
	var err error = es
	var target Errors
	if !errors.As(err, &target) || len(target) != 2 {
		t.Error("errors.As(Errors) failed")
	}
}

func TestSet(t *testing.T) {
	a := &Playbook{ID: "b-second", File: "b.yaml"}
	b := &Playbook{ID: "a-first", File: "a.yaml"}
	set, err := NewSet(a, b)
	if err != nil {
		t.Fatal(err)
	}
	list := set.List()
	if len(list) != 2 || list[0] != b || list[1] != a {
		t.Errorf("List() = %v, want sorted by ID", list)
	}
	list[0] = nil
	if set.List()[0] != b {
		t.Error("List() aliases the set's slice")
	}
	if got, ok := set.Get("b-second"); !ok || got != a {
		t.Errorf("Get = %v, %v", got, ok)
	}
	if _, ok := set.Get("nope"); ok {
		t.Error("Get(nope) found something")
	}

	_, err = NewSet(a, &Playbook{ID: "b-second", File: "c.yaml"})
	if err == nil || err.Error() != `c.yaml: duplicate playbook id "b-second" (first in b.yaml)` {
		t.Errorf("duplicate error = %v", err)
	}
	if _, err := NewSet(nil); err == nil {
		t.Error("NewSet(nil) succeeded")
	}
	empty, err := NewSet()
	if err != nil || len(empty.List()) != 0 {
		t.Errorf("NewSet() = %v, %v", empty, err)
	}
}

func TestLoadDirValid(t *testing.T) {
	set, err := LoadDir("testdata/valid", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, pb := range set.List() {
		ids = append(ids, pb.ID+"="+pb.File)
	}
	// .hidden.yaml, notes.txt and sub/ are skipped.
	want := "one=" + filepath.Join("testdata", "valid", "one.yaml") + " two=" + filepath.Join("testdata", "valid", "two.yml")
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("loaded %s, want %s", got, want)
	}
	if _, err := LoadDir("testdata/does-not-exist", Options{}); err == nil {
		t.Error("LoadDir on a missing directory succeeded")
	}
}

func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"pb/small.yaml":   {Data: []byte(small)},
		"pb/broken.yml":   {Data: []byte("id: broken\n")},
		"pb/readme.md":    {Data: []byte("# not yaml")},
		"other/x.yaml":    {Data: []byte("junk: [")},
		"pb/nested/y.yml": {Data: []byte("junk: [")},
	}
	_, err := LoadFS(fsys, "pb", Options{})
	if err == nil || !strings.Contains(err.Error(), `pb/broken.yml:1:1: missing required field "name" in playbook`) {
		t.Errorf("LoadFS error = %v", err)
	}
	delete(fsys, "pb/broken.yml")
	set, err := LoadFS(fsys, "pb", Options{})
	if err != nil {
		t.Fatal(err)
	}
	pb, ok := set.Get("small")
	if !ok || pb.File != "pb/small.yaml" || len(set.List()) != 1 {
		t.Errorf("LoadFS: %v %v", pb, ok)
	}
}

func TestSetConcurrentReads(t *testing.T) {
	set, err := LoadDir(bundledDir, bundledOptions())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, pb := range set.List() {
				got, ok := set.Get(pb.ID)
				if !ok || got != pb {
					t.Errorf("Get(%s) mismatch", pb.ID)
				}
				_ = got.Steps()
				_, _ = got.Step(1)
				_ = got.Name.In("vi")
			}
		}()
	}
	wg.Wait()
}

func TestDefaultRolesIsACopy(t *testing.T) {
	r := DefaultRoles()
	r[0] = "hacked"
	if DefaultRoles()[0] != "commander" {
		t.Error("DefaultRoles shares its slice")
	}
}
