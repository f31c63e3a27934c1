package oncall

import (
	"fmt"
	"strings"
	"time"
)

// ParseShiftPattern parses a pattern rotation's shift, "<on>-on/<off>-off",
// such as "24h-on/48h-off", where <on> and <off> are Go durations
// (time.ParseDuration). on must be positive and off must not be negative.
// Spaces around the parts and the letter case of "on"/"off" are ignored.
// It returns a descriptive error for anything else.
func ParseShiftPattern(s string) (on, off time.Duration, err error) {
	bad := func(why string) (time.Duration, time.Duration, error) {
		return 0, 0, fmt.Errorf("oncall: shift pattern %q: %s; want \"<on>-on/<off>-off\" such as \"24h-on/48h-off\"", s, why)
	}
	onPart, offPart, ok := strings.Cut(s, "/")
	if !ok {
		return bad("missing \"/\"")
	}
	onStr, ok := cutSuffixFold(strings.TrimSpace(onPart), "-on")
	if !ok {
		return bad("first part must end in \"-on\"")
	}
	offStr, ok := cutSuffixFold(strings.TrimSpace(offPart), "-off")
	if !ok {
		return bad("second part must end in \"-off\"")
	}
	if on, err = time.ParseDuration(strings.TrimSpace(onStr)); err != nil {
		return bad(fmt.Sprintf("on-duty length %q is not a duration", onStr))
	}
	if off, err = time.ParseDuration(strings.TrimSpace(offStr)); err != nil {
		return bad(fmt.Sprintf("off-duty length %q is not a duration", offStr))
	}
	if on <= 0 {
		return bad("on-duty length must be positive")
	}
	if off < 0 {
		return bad("off-duty length must not be negative")
	}
	return on, off, nil
}

func cutSuffixFold(s, suffix string) (string, bool) {
	if len(s) < len(suffix) || !strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return s, false
	}
	return s[:len(s)-len(suffix)], true
}
