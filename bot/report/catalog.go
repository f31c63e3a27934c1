package report

import (
	"strings"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/i18n"
)

// Languages of the reports, as indexes into langCodes.
const (
	langVI = 0
	langEN = 1
)

// langIndex maps a language code to a language index: English for "en"
// (with any region), Vietnamese for everything else.
func langIndex(lang string) int {
	l := strings.ToLower(strings.TrimSpace(lang))
	if l == "en" || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_") {
		return langEN
	}
	return langVI
}

// langCodes are the codes of the catalogue's languages, by index.
func langCodes() [2]string { return [2]string{"vi", "en"} }

// blank is what an unfilled field shows: a dotted line to write on.
const blank = "…………"

// keyPrefix starts every report key in the catalogue (i18n's
// messages/report.yaml); the report code names keys without it.
const keyPrefix = "report."

// tr renders the reports' entries of the catalogue in one language.
type tr struct {
	l   int
	cat *i18n.Catalog
}

// newTr returns a tr for lang (English for "en", Vietnamese otherwise) over
// the built-in catalogue, i18n.Default().
func newTr(lang string) tr { return tr{l: langIndex(lang), cat: i18n.Default()} }

// has reports whether key is in the catalogue.
func (t tr) has(key string) bool { return t.cat.Has(keyPrefix + key) }

// T renders key with args. An unknown key renders as "[key]" so that it is
// seen in the output (and caught by the tests), never hidden. The command
// hints the catalogue marks (bot.Command) come out as written: the
// documents are plain Markdown, HTML and JSON until their writers render
// the message model.
func (t tr) T(key string, args ...any) string {
	if !t.has(key) {
		return "[" + key + "]"
	}
	return bot.StripMarks(t.cat.T(langCodes()[t.l], keyPrefix+key, args...))
}
