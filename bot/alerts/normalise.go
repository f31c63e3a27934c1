package alerts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/irbot/irbot/bot"
)

// Limits on the other strings of an alert.
const (
	maxTitleBytes      = 256      // titles are cut (with "…") to this many bytes
	maxAnnotationBytes = 16 << 10 // annotation values are cut to this many bytes
	maxKeyBytes        = 1024     // fingerprints and group keys are cut to this many bytes
	maxURLBytes        = 4096     // longer URLs are dropped
	hashHexChars       = 16       // hex characters kept of a sha256
	ellipsis           = "…"      // marks a cut title
	labelSep           = "\xff"   // never in valid UTF-8: separates hashed strings
	zeroTime           = "0001-01-01T00:00:00Z"
)

// clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// cleanTitle makes s one short line: valid UTF-8, no control or bidi
// override characters nor marks of the bot's message markup (a title
// cannot forge a command hint, see bot.Command), runs of white space
// collapsed, at most maxTitleBytes.
func cleanTitle(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r), r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, bot.IsMark(r):
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxTitleBytes {
		s = clip(s, maxTitleBytes-len(ellipsis)) + ellipsis
	}
	return s
}

// title picks an alert's title: the summary or title annotation, else
// alertname (" on " instance), else fallback, else "alert <fingerprint>".
func title(labels, annotations map[string]string, fallback, fingerprint string) string {
	for _, s := range []string{annotations["summary"], annotations["title"]} {
		if t := cleanTitle(s); t != "" {
			return t
		}
	}
	if name := cleanTitle(labels["alertname"]); name != "" {
		if inst := cleanTitle(labels["instance"]); inst != "" {
			return cleanTitle(name + " on " + inst)
		}
		return name
	}
	if t := cleanTitle(fallback); t != "" {
		return t
	}
	return cleanTitle("alert " + fingerprint)
}

// cleanKey trims an identifier (fingerprint, dedup key, group key) and
// cuts it to maxKeyBytes.
func cleanKey(s string) string {
	return clip(strings.ToValidUTF8(strings.TrimSpace(s), "\uFFFD"), maxKeyBytes)
}

// labelHash is a stable fingerprint of a label set: the first 16 hex
// characters of the sha256 of key 0xff value 0xff … with keys sorted
// (0xff never occurs in UTF-8, so the encoding is unambiguous).
func labelHash(labels map[string]string) string {
	return shortHash(nil, labels)
}

// titleLabelHash is labelHash with the title (and 0xff) in front.
func titleLabelHash(title string, labels map[string]string) string {
	return shortHash([]byte(title+labelSep), labels)
}

func shortHash(head []byte, labels map[string]string) string {
	h := sha256.New()
	h.Write(head)
	for _, k := range sortedKeys(labels) {
		h.Write([]byte(k + labelSep + labels[k] + labelSep))
	}
	return hex.EncodeToString(h.Sum(nil))[:hashHexChars]
}

// renderLabels renders a label set "k=v,k=v" with keys sorted.
func renderLabels(labels map[string]string) string {
	parts := make([]string, 0, len(labels))
	for _, k := range sortedKeys(labels) {
		parts = append(parts, k+"="+labels[k])
	}
	return strings.Join(parts, ",")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// stringMap turns a decoded JSON object of strings (labels, annotations)
// into a map, keys and values made valid UTF-8 and cut to keyMax and
// valMax bytes. A null value is left out; any other non-string is a type
// error at p.key. Keys that collide once cut keep the first value in key
// order.
func stringMap(body []byte, p path, raw map[string]json.RawMessage, keyMax, valMax int) (map[string]string, error) {
	out := make(map[string]string, len(raw))
	for _, k := range sortedRawKeys(raw) {
		v := raw[k]
		if kindOf(v) == "null" {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, typeError(body, p.with(k), "a string", kindOf(v))
		}
		ck := clip(strings.ToValidUTF8(k, "\uFFFD"), keyMax)
		if _, dup := out[ck]; dup {
			continue
		}
		out[ck] = clip(strings.ToValidUTF8(s, "\uFFFD"), valMax)
	}
	return out, nil
}

// parseTime parses an RFC 3339 timestamp into UTC; "" and Go's zero time
// ("0001-01-01T00:00:00Z", Alertmanager's "not ended") are the zero Time.
func parseTime(p path, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == zeroTime {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("alerts: %s: %q is not an RFC 3339 time", p, clip(s, 64))
	}
	if t.IsZero() {
		return time.Time{}, nil
	}
	return t.UTC(), nil
}

// cleanURL keeps an absolute http or https URL and drops anything else
// (it ends up as a link in chat, so javascript: and the like stay out).
func cleanURL(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxURLBytes || !utf8.ValidString(s) {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return s
}

func sortedRawKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// scalarText reads a JSON value that a sender may write as a string or a
// number (ids, levels, statuses): a string as itself, a number as
// written, null or nothing as "". Anything else is a type error at p.
func scalarText(body []byte, p path, raw json.RawMessage) (string, error) {
	switch k := kindOf(raw); k {
	case "string", "number":
		return strings.TrimSpace(stringify(raw)), nil
	case "null", "nothing":
		return "", nil
	default:
		return "", typeError(body, p, "a string or a number", k)
	}
}

// parseISOTime parses an ISO 8601 timestamp as monitoring tools write
// them: RFC 3339 ("2024-05-14T10:02:31.504+07:00", "…Z") or with an
// offset without a colon ("2024-05-14T10:02:31.504+0700", Wazuh's and
// PagerDuty's form). "" is the zero Time; the result is in UTC.
func parseISOTime(p path, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("alerts: %s: %q is not an ISO 8601 time like 2024-05-14T10:02:31+07:00", p, clip(s, 64))
}

// redactedValue replaces secrets in Raw.
const redactedValue = "[redacted]"

// redactMembers returns the JSON object raw, compacted, with the value of
// every top-level member whose key equals one of keys without regard to
// case (as encoding/json matches them) replaced by "[redacted]", so that
// a credential sent in the body never reaches the timeline. raw must be
// valid JSON; anything but an object is returned compacted.
func redactMembers(raw []byte, keys ...string) string {
	c := []byte(compact(raw))
	if kindOf(c) != "object" {
		return string(c)
	}
	dec := json.NewDecoder(bytes.NewReader(c))
	if _, err := dec.Token(); err != nil {
		return string(c)
	}
	var out bytes.Buffer
	last := 0
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return string(c)
		}
		k, _ := kt.(string)
		start := skipSep(c, int(dec.InputOffset()))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return string(c)
		}
		end := int(dec.InputOffset())
		for _, want := range keys {
			if strings.EqualFold(k, want) {
				out.Write(c[last:start])
				out.WriteString(`"` + redactedValue + `"`)
				last = end
				break
			}
		}
	}
	out.Write(c[last:])
	return out.String()
}

// unexpandedMacro reports whether s is a Zabbix macro left as written
// ("{TRIGGER.ID}", "{$ZABBIX.URL}") or Zabbix's "*UNKNOWN*" for a macro
// it could not resolve.
func unexpandedMacro(s string) bool {
	if s == "*UNKNOWN*" {
		return true
	}
	if len(s) < 3 || s[0] != '{' || s[len(s)-1] != '}' {
		return false
	}
	for _, c := range []byte(s[1 : len(s)-1]) {
		switch {
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '$':
		default:
			return false
		}
	}
	return true
}
