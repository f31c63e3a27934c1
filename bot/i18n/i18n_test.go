package i18n

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// TestEveryKeyInBothLanguages covers the bot's and the reports' keys: each
// has a Vietnamese and an English template, neither blank, and no other
// language.
func TestEveryKeyInBothLanguages(t *testing.T) {
	c := Default()
	if missing := c.Missing("vi", "en"); len(missing) > 0 {
		t.Fatalf("catalogue lacks translations:\n%s", strings.Join(missing, "\n"))
	}
	if got := c.Langs(); !slices.Equal(got, []string{"en", "vi"}) {
		t.Errorf("languages: got %v, want [en vi]", got)
	}
	for _, k := range c.Keys() {
		for l, tpl := range c.msgs[k] {
			if strings.TrimSpace(tpl) == "" {
				t.Errorf("%s: blank %s template %q", k, l, tpl)
			}
		}
	}
}

// verbs returns a template's fmt verbs in order.
func verbs(s string) []string {
	return regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`).FindAllString(s, -1)
}

// TestPlaceholdersAgree: both languages of a key take the same arguments,
// verb for verb, in the same order.
func TestPlaceholdersAgree(t *testing.T) {
	c := Default()
	for _, k := range c.Keys() {
		if vi, en := verbs(c.msgs[k]["vi"]), verbs(c.msgs[k]["en"]); !slices.Equal(vi, en) {
			t.Errorf("%s: vi has verbs %v, en %v", k, vi, en)
		}
	}
}

// TestFilesKeepTheirKeys: report.yaml holds the reports' keys, all
// "report.…", and bot.yaml none of them, so each part finds its words in one
// file.
func TestFilesKeepTheirKeys(t *testing.T) {
	for _, f := range []struct {
		name   string
		report bool
	}{{"bot", false}, {"report", true}} {
		msgs, err := load(fstest.MapFS{"m/" + f.name + ".yaml": mustRead(t, "messages/"+f.name+".yaml")}, "m")
		if err != nil {
			t.Fatal(err)
		}
		for k := range msgs {
			if strings.HasPrefix(k, "report.") != f.report {
				t.Errorf("%s.yaml has key %q", f.name, k)
			}
		}
	}
}

func mustRead(t *testing.T, name string) *fstest.MapFile {
	t.Helper()
	data, err := files.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return &fstest.MapFile{Data: data}
}

func TestLoadRefusesDuplicates(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"in one file": {"m/a.yaml": {Data: []byte("k:\n  vi: a\n  en: a\nk:\n  vi: b\n  en: b\n")}},
		"across files": {
			"m/a.yaml": {Data: []byte("k:\n  vi: a\n  en: a\n")},
			"m/b.yaml": {Data: []byte("k:\n  vi: b\n  en: b\n")},
		},
		"no templates": {"m/a.yaml": {Data: []byte("k: {}\n")}},
		"no files":     {},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := load(fsys, "m"); err == nil {
				t.Fatal("loaded; want an error")
			}
		})
	}
}

func TestFallbacks(t *testing.T) {
	c := Default()
	if got := c.T("fr", "btn.ack"); got != "✅ Acknowledge" {
		t.Fatalf("unknown language: got %q, want the English text", got)
	}
	if got := c.T("vi", "no.such.key"); got != "[no.such.key]" {
		t.Fatalf("unknown key: got %q", got)
	}
	if got := c.T("en", "report.doc.title", "IR-1"); got != "Incident report IR-1" {
		t.Fatalf("report key: got %q", got)
	}
	if got := c.T("vi", "err.no_step", 9, "IR-1", 14); got != "Không có bước 9 trong IR-1 (có 14 bước). Gõ \uE000/steps\uE001 để xem." {
		t.Fatalf("got %q", got)
	}
}
