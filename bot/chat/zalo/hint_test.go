package zalo_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat/zalo"
	"github.com/irbot/irbot/bot/command"
)

func buttons(data ...string) []bot.Button {
	var out []bot.Button
	for _, d := range data {
		out = append(out, bot.Button{Label: "x", Data: d})
	}
	return out
}

func TestHintRendersReplyCodes(t *testing.T) {
	cases := []struct {
		name string
		data []string
		lang string
		want string
	}{
		{"none", nil, "vi", ""},
		{"ack", []string{"/ack IR-12"}, "vi", "↩ 12a xác nhận"},
		{"brief example", []string{"/ack IR-12", "/done IR-12 3", "/next IR-12"}, "vi",
			"↩ 12a xác nhận · 12d3 xong bước 3 · 12n tiếp"},
		{"step buttons share a label", []string{"/done IR-12 1", "/done IR-12 2", "/done IR-12 4", "/next IR-12"}, "vi",
			"↩ 12d1 12d2 12d4 xong bước · 12n tiếp"},
		{"declaration", []string{"/ack IR-7", "/steps IR-7"}, "vi", "↩ 7a xác nhận · /steps IR-7"},
		{"last phase", []string{"/done IR-7 9", "/resolve IR-7"}, "vi", "↩ 7d9 xong bước 9 · 7r xử lý xong"},
		{"skip and escalate", []string{"/skip IR-7 2", "/escalate #7"}, "vi", "↩ 7s2 bỏ qua bước 2 · 7e leo thang"},
		{"other prefixes", []string{"/ack INC-42", "/ack #IR-43", "/ack 44"}, "vi",
			"↩ 42a xác nhận · 43a xác nhận · 44a xác nhận"},
		{"no code form", []string{"/close IR-12", "/status IR-3", "/resolve IR-12 restored from backup"}, "vi",
			"↩ /close IR-12 · /status IR-3 · /resolve IR-12 restored from backup"},
		{"dones of two incidents", []string{"/done IR-1 1", "/done IR-2 1"}, "vi",
			"↩ 1d1 xong bước 1 · 2d1 xong bước 1"},
		{"duplicates once", []string{"/ack IR-1", "/ack  IR-1"}, "vi", "↩ 1a xác nhận"},
		{"english", []string{"/ack IR-12", "/done IR-12 3", "/next IR-12"}, "en",
			"↩ 12a acknowledge · 12d3 step 3 done · 12n next"},
		{"unknown language is Vietnamese", []string{"/next IR-1"}, "fr", "↩ 1n tiếp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := zalo.Hint(buttons(c.data...), c.lang); got != c.want {
				t.Fatalf("Hint(%q)\n got %q\nwant %q", c.data, got, c.want)
			}
		})
	}
}

// TestHintCodesMeanTheButtons: every code in a hint, typed back, is the
// same command as the button it stands for. A button names the incident
// with the configured prefix, which the parser is given.
func TestHintCodesMeanTheButtons(t *testing.T) {
	for _, data := range []string{"/ack IR-12", "/done IR-12 3", "/skip IR-5 11", "/next IR-12",
		"/resolve IR-900", "/escalate IR-3", "/ack INC-77"} {
		hint := zalo.Hint(buttons(data), "vi")
		code := strings.Fields(strings.TrimPrefix(hint, "↩ "))[0]
		typed := data
		if strings.HasPrefix(data, "/skip") {
			typed += " lý do" // a typed /skip needs a reason, the code does not
		}
		prefix, _, _ := strings.Cut(strings.Fields(data)[1], "-")
		want, err := command.ParseWith(typed, &command.Options{Prefix: prefix})
		if err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		got, err := command.Parse(code, "")
		if err != nil {
			t.Fatalf("code %q for %q: %v", code, data, err)
		}
		if got.Name != want.Name || got.Ref != want.Ref || got.Step != want.Step || !got.Code {
			t.Fatalf("code %q parses as %+v, the button %q as %+v", code, got, data, want)
		}
	}
}

func TestHintStaysShort(t *testing.T) {
	var data []string
	for i := 1; i <= 200; i++ {
		data = append(data, "/status IR-"+strconv.Itoa(1000+i))
	}
	data = append(data, "/ack IR-1")
	h := zalo.Hint(buttons(data...), "vi")
	if n := len([]rune(h)); n > 400 || !strings.HasSuffix(h, "…") {
		t.Fatalf("hint of %d runes: %q", n, h)
	}
}
