package i18n_test

import (
	"strings"
	"testing"

	"github.com/irbot/irbot/bot/i18n"
)

// TestPluralsComplete: a message counted with N has both forms, "one" and
// "other", in every language (Missing checks the languages of each key).
func TestPluralsComplete(t *testing.T) {
	cat := i18n.Default()
	for _, k := range cat.Keys() {
		switch {
		case strings.HasSuffix(k, ".one") && !cat.Has(strings.TrimSuffix(k, ".one")+".other"):
			t.Errorf("%s has no .other form", k)
		case strings.HasSuffix(k, ".other") && !cat.Has(strings.TrimSuffix(k, ".other")+".one"):
			t.Errorf("%s has no .one form", k)
		}
	}
	if m := cat.Missing("vi", "en"); len(m) > 0 {
		t.Errorf("keys without both languages: %v", m)
	}
	if got := cat.N("en", "dur.m", 1); got != "1 minute" {
		t.Errorf("N(en, dur.m, 1) = %q", got)
	}
	if got := cat.N("en", "dur.m", 5); got != "5 minutes" {
		t.Errorf("N(en, dur.m, 5) = %q", got)
	}
}
