package oncall

import (
	"fmt"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // hermetic tests: do not depend on the host's zoneinfo
)

// ts parses an RFC 3339 timestamp.
func ts(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("bad timestamp %q: %v", s, err)
	}
	return v
}

func mustCompile(t testing.TB, r Roster) *Schedule {
	t.Helper()
	s, err := Compile(r)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return s
}

// show renders a shift compactly: "person start..end layer", with the
// times in the location the shift carries (the roster's).
func show(sh Shift) string {
	return fmt.Sprintf("%s %s..%s %s", sh.Person, sh.Start.Format(time.RFC3339), sh.End.Format(time.RFC3339), sh.Layer)
}

func showAll(shs []Shift) string {
	parts := make([]string, len(shs))
	for i, sh := range shs {
		parts[i] = show(sh)
	}
	return strings.Join(parts, "\n")
}

// onDuty renders OnDuty's answer, "-" for nobody.
func onDuty(t testing.TB, s *Schedule, at string) string {
	t.Helper()
	sh, ok := s.OnDuty(ts(t, at))
	if !ok {
		if sh != (Shift{}) {
			t.Errorf("OnDuty(%s) returned ok=false with non-zero shift %v", at, sh)
		}
		return "-"
	}
	return show(sh)
}
