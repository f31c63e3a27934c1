package telegramtest_test

import (
	"strings"
	"testing"

	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
)

func TestParseMarkdownV2(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		types   []string
		err     string
	}{
		{in: "plain text", out: "plain text"},
		{in: `*bold* _italic_ __under__ ~strike~ ||spoiler||`, out: "bold italic under strike spoiler",
			types: []string{"bold", "italic", "underline", "strikethrough", "spoiler"}},
		{in: "*bold _italic inside_ bold*", out: "bold italic inside bold", types: []string{"italic", "bold"}},
		{in: "`code with * and _`", out: "code with * and _", types: []string{"code"}},
		{in: "```go\nfmt.Println(\"x.y\")\n```", out: "fmt.Println(\"x.y\")\n", types: []string{"pre"}},
		{in: `[link](https://example.com/a\)b)`, out: "link", types: []string{"text_link"}},
		{in: `![👍](tg://emoji?id=5368324170671202286)`, out: "👍", types: []string{"custom_emoji"}},
		{in: ">quoted\n>more\nafter", out: "quoted\nmore\nafter", types: []string{"blockquote"}},
		{in: `\_\*\[\]\(\)\~\` + "`" + `\>\#\+\-\=\|\{\}\.\!\\`, out: "_*[]()~`>#+-=|{}.!\\"},
		{in: `C:\temp`, out: "C:temp"}, // "\t" is an escaped "t"
		{in: "Việt Nam \\- Máy chủ", out: "Việt Nam - Máy chủ"},
		{in: "Done.", err: "Character '.' is reserved"},
		{in: "IR-7", err: "Character '-' is reserved"},
		{in: "a|b", err: "Character '|' is reserved"},
		{in: "wow!", err: "Character '!' is reserved"},
		{in: "1 > 0", err: "Character '>' is reserved"},
		{in: "*open", err: "Can't find end of Bold entity at byte offset 0"},
		{in: "x _open", err: "Can't find end of Italic entity at byte offset 2"},
		{in: "[text](https://x", err: "Can't find end of a URL"},
		{in: "`code", err: "Can't find end of Code entity"},
	} {
		out, ents, err := telegramtest.ParseMarkdownV2(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if out != tc.out {
			t.Errorf("%q: got %q, want %q", tc.in, out, tc.out)
		}
		var types []string
		for _, e := range ents {
			types = append(types, e.Type)
		}
		if strings.Join(types, ",") != strings.Join(tc.types, ",") {
			t.Errorf("%q: entities %+v, want types %v", tc.in, ents, tc.types)
		}
	}
}

func TestEntityOffsetsAreUTF16(t *testing.T) {
	_, ents, err := telegramtest.ParseMarkdownV2("🚨 *IR\\-1*")
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Offset != 3 || ents[0].Length != 4 {
		t.Fatalf("entities %+v, want bold at 3 (🚨 is 2 UTF-16 units) length 4", ents)
	}
}
