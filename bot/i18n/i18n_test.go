package i18n

import (
	"strings"
	"testing"
)

func TestEveryKeyInBothLanguages(t *testing.T) {
	c := Default()
	if missing := c.Missing("vi", "en"); len(missing) > 0 {
		t.Fatalf("catalogue lacks translations:\n%s", strings.Join(missing, "\n"))
	}
}

func TestPlaceholdersAgree(t *testing.T) {
	c := Default()
	for _, k := range c.Keys() {
		vi, en := c.msgs[k]["vi"], c.msgs[k]["en"]
		if strings.Count(vi, "%") != strings.Count(en, "%") {
			t.Errorf("%s: vi has %d placeholders, en %d", k, strings.Count(vi, "%"), strings.Count(en, "%"))
		}
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
	if got := c.T("vi", "err.no_step", 9, "IR-1", 14); got != "Không có bước 9 trong IR-1 (có 14 bước). Gõ /steps để xem." {
		t.Fatalf("got %q", got)
	}
}
