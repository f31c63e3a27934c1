// Package i18n holds every word irbot says, in Vietnamese and English. A
// message is a fmt template per language; both languages are required for
// every key (a test fails otherwise). The words live in messages/*.yaml,
// embedded in the binary: the bot's in bot.yaml, the reports' (keys
// "report.…") in report.yaml.
//
// In the files a command hint, what a user could type, is written between
// backticks: "Gõ `/done %[2]d` khi xong." The loader turns each pair into
// the marks of the bot's message markup (bot.Command), so every platform
// shows the hint its own way. A backtick is always a mark; a template with
// an odd number of them on a line does not load.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/irbot/irbot/bot"
)

// files holds the built-in catalogue, one YAML file per part of irbot: key →
// language → template.
//
//go:embed messages/*.yaml
var files embed.FS

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

// Default returns the built-in vi/en catalogue, read from the embedded
// messages/*.yaml with English as the fallback. The files are parsed on the
// first call only; every call returns the same read-only Catalog. It panics
// if the files do not parse, which the package's tests rule out.
func Default() *Catalog { return builtin() }

// builtin parses the embedded files once. It holds no mutable state: the
// catalogue it returns is never written after New.
var builtin = sync.OnceValue(func() *Catalog {
	msgs, err := load(files, "messages")
	if err != nil {
		panic(fmt.Errorf("i18n: built-in catalogue: %w", err))
	}
	return New(msgs, "en")
})

// load reads every *.yaml in dir of fsys as key → language → template and
// merges them. A key defined twice, in one file or across files, is an
// error, as is an empty key or a key without templates.
func load(fsys fs.FS, dir string) (map[string]map[string]string, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	msgs := map[string]map[string]string{}
	from := map[string]string{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read messages: %w", err)
		}
		var part map[string]map[string]string
		if err := yaml.Unmarshal(data, &part); err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		for k, m := range part {
			if k == "" || len(m) == 0 {
				return nil, fmt.Errorf("parse %s: key %q has no templates", name, k)
			}
			if f, dup := from[k]; dup {
				return nil, fmt.Errorf("parse %s: key %q already defined in %s", name, k, f)
			}
			for l, tpl := range m {
				marked, err := markCommands(tpl)
				if err != nil {
					return nil, fmt.Errorf("parse %s: key %q (%s): %w", name, k, l, err)
				}
				m[l] = marked
			}
			msgs[k], from[k] = m, name
		}
	}
	if len(msgs) == 0 {
		return nil, fmt.Errorf("no messages in %s", dir)
	}
	return msgs, nil
}

// markCommands turns each pair of backticks of a template into the marks
// of a command hint (bot.CommandStart, bot.CommandEnd). The marks already
// in it are dropped. A line with an odd number of backticks is an error.
func markCommands(tpl string) (string, error) {
	tpl = bot.StripMarks(tpl)
	if !strings.Contains(tpl, "`") {
		return tpl, nil
	}
	lines := strings.Split(tpl, "\n")
	for i, line := range lines {
		parts := strings.Split(line, "`")
		if len(parts)%2 == 0 {
			return "", fmt.Errorf("unbalanced backtick on line %d of %q", i+1, tpl)
		}
		var b strings.Builder
		for j, p := range parts {
			if j%2 == 1 {
				b.WriteString(bot.Command(p))
				continue
			}
			b.WriteString(p)
		}
		lines[i] = b.String()
	}
	return strings.Join(lines, "\n"), nil
}

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
