// Package i18n holds every word irbot says, in Vietnamese and English. A
// message is a fmt template per language; both languages are required for
// every key (a test fails otherwise).
package i18n

import (
	"fmt"
	"sort"
)

// Catalog maps keys to per-language templates. It is read-only after
// construction and safe for concurrent use.
type Catalog struct {
	msgs     map[string]map[string]string
	langs    []string
	fallback string
}

// New builds a catalogue from key → language → template. fallback is the
// language used when a message lacks the requested one.
func New(msgs map[string]map[string]string, fallback string) *Catalog {
	seen := map[string]bool{}
	for _, m := range msgs {
		for l := range m {
			seen[l] = true
		}
	}
	langs := make([]string, 0, len(seen))
	for l := range seen {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	return &Catalog{msgs: msgs, langs: langs, fallback: fallback}
}

// Default returns the built-in vi/en catalogue.
func Default() *Catalog { return New(messages(), "en") }

// T renders key in lang with args. An unknown language falls back to the
// fallback; an unknown key renders as "[key]" so it is seen, not hidden.
func (c *Catalog) T(lang, key string, args ...any) string {
	m, ok := c.msgs[key]
	if !ok {
		return "[" + key + "]"
	}
	tpl, ok := m[lang]
	if !ok {
		tpl = m[c.fallback]
	}
	if len(args) == 0 {
		return tpl
	}
	return fmt.Sprintf(tpl, args...)
}

// N returns the message for a count n: key+".one" when n is 1 and the
// catalogue has it, else key+".other"; n is the first argument.
func (c *Catalog) N(lang, key string, n int, args ...any) string {
	k := key + ".other"
	if n == 1 && c.Has(key+".one") {
		k = key + ".one"
	}
	return c.T(lang, k, append([]any{n}, args...)...)
}

// Has reports whether key exists.
func (c *Catalog) Has(key string) bool { _, ok := c.msgs[key]; return ok }

// HasLang reports whether lang is one of the catalogue's languages.
func (c *Catalog) HasLang(lang string) bool {
	for _, l := range c.langs {
		if l == lang {
			return true
		}
	}
	return false
}

// Langs returns the catalogue's languages, sorted.
func (c *Catalog) Langs() []string { return append([]string(nil), c.langs...) }

// Keys returns every key, sorted.
func (c *Catalog) Keys() []string {
	keys := make([]string, 0, len(c.msgs))
	for k := range c.msgs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Missing returns "key: lang" for every key lacking one of langs.
func (c *Catalog) Missing(langs ...string) []string {
	var out []string
	for _, k := range c.Keys() {
		for _, l := range langs {
			if c.msgs[k][l] == "" {
				out = append(out, k+": "+l)
			}
		}
	}
	return out
}
