package bot

import (
	"reflect"
	"strings"
	"testing"
)

func TestCommand(t *testing.T) {
	cases := map[string]string{
		"/done 3":            "\uE000/done 3\uE001",
		"/ack\nIR-7":         "\uE000/ack IR-7\uE001",
		"/a\uE001ck\uE000":   "\uE000/ack\uE001",
		"  ":                 "",
		"\uE000\uE001":       "",
		"/skip <số> <lý do>": "\uE000/skip <số> <lý do>\uE001",
	}
	for in, want := range cases {
		if got := Command(in); got != want {
			t.Errorf("Command(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseBody(t *testing.T) {
	cmd := func(s string) Span { return Span{Kind: SpanCommand, Text: s} }
	txt := func(s string) Span { return Span{Kind: SpanText, Text: s} }
	cases := []struct {
		name string
		in   string
		want Body
	}{
		{"one line", "Gõ " + Command("/help") + " để xem các lệnh.",
			Body{Lines: [][]Span{{txt("Gõ "), cmd("/help"), txt(" để xem các lệnh.")}}}},
		{"headline", "🚨 IR-7 · SEV1\nTiếp theo: " + Command("/ack") + "\n\n" + Command("/done 3"),
			Body{Title: []Span{txt("🚨 IR-7 · SEV1")}, Lines: [][]Span{{txt("Tiếp theo: "), cmd("/ack")}, nil, {cmd("/done 3")}}}},
		{"blank first line is no headline", " \nx", Body{Lines: [][]Span{{txt(" ")}, {txt("x")}}}},
		{"a line of marks only is no headline", "\uE000\uE001\nx", Body{Lines: [][]Span{nil, {txt("x")}}}},
		{"command in the headline", Command("/help") + "\nx", Body{Title: []Span{cmd("/help")}, Lines: [][]Span{{txt("x")}}}},
		{"empty", "", Body{Lines: [][]Span{nil}}},
		{"unclosed mark dropped", "a \uE000/ack b", Body{Lines: [][]Span{{txt("a /ack b")}}}},
		{"stray close dropped", "a\uE001 b", Body{Lines: [][]Span{{txt("a b")}}}},
		{"hint does not cross a line", "a \uE000/ack\nb\uE001 c", Body{Title: []Span{txt("a /ack")}, Lines: [][]Span{{txt("b c")}}}},
		{"nested open dropped", "\uE000/a \uE000b\uE001 c\uE001", Body{Lines: [][]Span{{cmd("/a b"), txt(" c")}}}},
		{"blank hint is text", "a\uE000 \uE001b", Body{Lines: [][]Span{{txt("a b")}}}},
		{"neighbouring hints", Command("12a") + Command("/ack"), Body{Lines: [][]Span{{cmd("12a"), cmd("/ack")}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ParseBody(c.in)
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("ParseBody(%q)\n got  %#v\n want %#v", c.in, got, c.want)
			}
			if back := ParseBody(got.String()); !reflect.DeepEqual(back, got) {
				t.Fatalf("round trip of %q through %q: %#v", c.in, got.String(), back)
			}
			if p := got.Plain(); strings.ContainsFunc(p, IsMark) || p != StripMarks(got.String()) {
				t.Fatalf("Plain %q of %q", p, c.in)
			}
		})
	}
}

// TestBodyRoundTrip: a well-formed text is its Body's String, and its
// Plain is the text without marks.
func TestBodyRoundTrip(t *testing.T) {
	for _, text := range []string{
		"🚨 IR-7 · SEV1 · Mã độc\nGõ " + Command("/done 3") + " khi xong, hoặc " + Command("/skip <số> <lý do>") + ".",
		"one line",
		"head\n",
		"\n\nx\n",
		"Xác nhận: " + Command("/ack IR-7") + " · " + Command("7a"),
	} {
		b := ParseBody(text)
		if got := b.String(); got != text {
			t.Errorf("ParseBody(%q).String() = %q", text, got)
		}
		if got, want := b.Plain(), StripMarks(text); got != want {
			t.Errorf("Plain = %q, want %q", got, want)
		}
	}
}

func TestPlainWith(t *testing.T) {
	b := ParseBody("IR-7\nGõ " + Command("/ack IR-7") + " hoặc " + Command("7a") + ".")
	got := b.PlainWith(func(c string) string {
		if rest, ok := strings.CutPrefix(c, "/"); ok {
			return "/ir " + rest
		}
		return c
	})
	if want := "IR-7\nGõ /ir ack IR-7 hoặc 7a."; got != want {
		t.Fatalf("PlainWith = %q, want %q", got, want)
	}
}

func TestStripMarks(t *testing.T) {
	if got := StripMarks("a\uE000b\uE001c\uE002"); got != "abc\uE002" {
		t.Fatalf("StripMarks = %q", got)
	}
}

// FuzzParseBody: whatever the text, the body's String is read back as the
// same body, and no mark survives in its plain text.
func FuzzParseBody(f *testing.F) {
	for _, s := range []string{"", "a\nb", Command("/done 3") + "\n\uE000x", "\uE001\uE000\uE000a\uE001\n \n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		b := ParseBody(text)
		if back := ParseBody(b.String()); !reflect.DeepEqual(back, b) {
			t.Fatalf("%q: %#v read back as %#v", text, b, back)
		}
		if p := b.Plain(); strings.ContainsFunc(p, IsMark) {
			t.Fatalf("%q: a mark in the plain text %q", text, p)
		}
		if got, want := b.Plain(), StripMarks(text); got != want {
			t.Fatalf("%q: plain %q, want %q", text, got, want)
		}
	})
}
