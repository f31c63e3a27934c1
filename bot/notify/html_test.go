package notify_test

import (
	"testing"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/notify"
)

func TestHTML(t *testing.T) {
	for in, want := range map[string]string{
		"🚨 IR-7 · <b>Mã độc</b> & co\nGõ " + bot.Command("/skip <số> <lý do>") + " hoặc " + bot.Command("/help") + ".": "<strong>🚨 IR-7 · &lt;b&gt;Mã độc&lt;/b&gt; &amp; co</strong><br>\nGõ <code>/skip &lt;số&gt; &lt;lý do&gt;</code> hoặc <code>/help</code>.",
		"one line \"quoted\" 'x'": "one line &#34;quoted&#34; &#39;x&#39;",
		"a\n\nb \uE000":           "<strong>a</strong><br>\n<br>\nb ",
	} {
		if got := notify.HTML(in); got != want {
			t.Errorf("HTML(%q)\n got  %q\n want %q", in, got, want)
		}
	}
}
