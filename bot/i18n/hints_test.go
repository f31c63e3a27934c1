package i18n

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/irbot/irbot/bot"
)

// hintProblem returns what is wrong with the command hints of a template
// as written in a file, "" when nothing is: a line with an odd number of
// backticks, or a command ("/" at the start of a word, then a lowercase
// letter or a fmt verb: "/help", "/%s") outside backticks. A slash inside
// a word or after ':' or '/' ("27/11", "and/or", "https://x/y") is no
// command.
func hintProblem(tpl string) string {
	for _, line := range strings.Split(tpl, "\n") {
		parts := strings.Split(line, "`")
		if len(parts)%2 == 0 {
			return fmt.Sprintf("unbalanced backticks in %q", line)
		}
		for i := 0; i < len(parts); i += 2 { // outside backticks
			p := parts[i]
			for j := strings.IndexByte(p, '/'); j >= 0; j = nextSlash(p, j) {
				prev := '`' // right after a hint: no word start
				if j > 0 {
					prev, _ = utf8.DecodeLastRuneInString(p[:j])
				} else if i == 0 {
					prev = ' ' // the start of the line
				}
				next, _ := utf8.DecodeRuneInString(p[j+1:])
				wordStart := unicode.IsSpace(prev) || strings.ContainsRune("([{\"'“‘", prev)
				if wordStart && (unicode.IsLower(next) || next == '%') {
					return fmt.Sprintf("a command outside backticks in %q", line)
				}
			}
		}
	}
	return ""
}

func nextSlash(p string, j int) int {
	k := strings.IndexByte(p[j+1:], '/')
	if k < 0 {
		return -1
	}
	return j + 1 + k
}

func TestHintProblem(t *testing.T) {
	for tpl, bad := range map[string]bool{
		"Gõ /help để xem các lệnh.":                      true,
		"Gõ `/help` để xem các lệnh.":                    false,
		"Ý bạn là /%s?":                                  true,
		"Ý bạn là `/%s`?":                                false,
		"(/maintenance)":                                 true,
		"(`/maintenance`)":                               false,
		"/ack để xác nhận":                               true,
		"`/done %[2]d` khi xong\nhoặc /skip":             true,
		"`/done %d` khi xong\n`/skip <số> <lý do>`":      false,
		"Gõ `/help để xem":                               true,
		"a `b` c `d":                                     true,
		"Thông tư 20/2017/TT-BTTTT, 27/11 07:30, and/or": false,
		"https://example.org/status và http://x/y":       false,
		"Các lệnh (có thể bỏ dấu /; [IR-n] để chọn sự cố)": false,
		"/Uppercase is no command": false,
	} {
		if got := hintProblem(tpl) != ""; got != bad {
			t.Errorf("hintProblem(%q) = %q, want a problem: %v", tpl, hintProblem(tpl), bad)
		}
	}
}

// TestCommandHintsInBackticks: every command hint in the catalogue files
// is written between backticks, which the loader turns into the bot's
// marks, so each platform shows it its own way (and Slack as "/ir ack")
// instead of guessing at slashes; and no backtick is left without its
// pair.
func TestCommandHintsInBackticks(t *testing.T) {
	names, err := fs.Glob(files, "messages/*.yaml")
	if err != nil || len(names) == 0 {
		t.Fatalf("catalogue files: %v %v", names, err)
	}
	for _, name := range names {
		data, err := fs.ReadFile(files, name)
		if err != nil {
			t.Fatal(err)
		}
		var part map[string]map[string]string
		if err := yaml.Unmarshal(data, &part); err != nil {
			t.Fatal(err)
		}
		for k, m := range part {
			for l, tpl := range m {
				if p := hintProblem(tpl); p != "" {
					t.Errorf("%s: %s (%s): %s", name, k, l, p)
				}
			}
		}
	}
}

// TestBackticksBecomeMarks: the loader turns backtick pairs into command
// hints and refuses a template whose backticks do not pair up on a line.
func TestBackticksBecomeMarks(t *testing.T) {
	file := func(s string) fstest.MapFS {
		return fstest.MapFS{"m/x.yaml": &fstest.MapFile{Data: []byte(s)}}
	}
	msgs, err := load(file("k:\n  vi: \"Gõ `/done %[2]d` khi xong,\\nhoặc `/skip <số> <lý do>`.\"\n  en: \"Type `/help`.\"\n"), "m")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := msgs["k"]["vi"], "Gõ "+bot.Command("/done %[2]d")+" khi xong,\nhoặc "+bot.Command("/skip <số> <lý do>")+"."; got != want {
		t.Errorf("vi = %q, want %q", got, want)
	}
	if got, want := msgs["k"]["en"], "Type "+bot.Command("/help")+"."; got != want {
		t.Errorf("en = %q, want %q", got, want)
	}
	for _, bad := range []string{"k:\n  en: \"Type `/help.\"\n", "k:\n  en: \"Type `/help\\nnow`.\"\n"} {
		if _, err := load(file(bad), "m"); err == nil || !strings.Contains(err.Error(), "backtick") {
			t.Errorf("%q loaded: %v", bad, err)
		}
	}
	c := New(msgs, "en")
	if got := bot.ParseBody(c.T("vi", "k", 0, 3)).Title; len(got) != 3 || got[1] != (bot.Span{Kind: bot.SpanCommand, Text: "/done 3"}) {
		t.Errorf("rendered: %#v", got)
	}
}
