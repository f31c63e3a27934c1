package notify_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/bot/oncall"
	"github.com/irbot/irbot/bot/playbook"
)

func TestDur(t *testing.T) {
	r := notify.New(nil, nil)
	tests := []struct {
		d          time.Duration
		lang, want string
	}{
		{45 * time.Second, "en", "45 seconds"},
		{7*time.Minute + 30*time.Second, "vi", "7 phút 30 giây"},
		{2*time.Hour + 5*time.Minute, "en", "2 hours 5 minutes"},
		{3*time.Hour + 20*time.Second, "en", "3 hours"},
		{7 * 24 * time.Hour, "en", "7 days"},
		{45 * time.Second, "", "45s"},
		{5 * time.Minute, "", "5m"},
		{2*time.Hour + 5*time.Minute, "", "2h05m"},
		{76 * time.Hour, "", "3d4h"},
	}
	for _, tt := range tests {
		if got := r.Dur(tt.d, tt.lang); got != tt.want {
			t.Errorf("Dur(%v, %q) = %q, want %q", tt.d, tt.lang, got, tt.want)
		}
	}
}

func TestTimeClipAndBullets(t *testing.T) {
	r := notify.New(nil, &notify.Options{Location: time.FixedZone("ICT", 7*3600)})
	if got := r.Time(time.Date(2026, 11, 26, 1, 5, 0, 0, time.UTC)); got != "26/11/2026 08:05" {
		t.Errorf("Time = %q", got)
	}
	if got := r.Time(time.Time{}); got != "—" {
		t.Errorf("Time(zero) = %q", got)
	}
	for in, want := range map[string]string{
		"Máy chủ kế toán": "Máy chủ…", // n = 8
		"10. Report to the provincial police focal point (PA05) within the agreed time": "10. Report to the provincial police focal point (PA05) within…",
		"Mãđộcmãhoátoànbộmáychủ":                                                        "Mãđộcmã…", // one long word: cut
	} {
		n := 8
		if len(in) > 40 {
			n = 64
		}
		if got := notify.Clip(in, n); got != want {
			t.Errorf("Clip(%q, %d) = %q, want %q", in, n, got, want)
		}
	}
	items := []string{"g", "f", "e", "d", "c", "b", "a"}
	if got, want := notify.Bullets(items), "• a\n• b\n• c\n• d\n• e\n• … (+2)"; got != want {
		t.Errorf("Bullets = %q, want %q", got, want)
	}
	if items[0] != "g" {
		t.Error("Bullets sorted its argument")
	}
}

func TestPageAndPaged(t *testing.T) {
	names := map[string]string{"an": "An"}
	r := notify.New(nil, &notify.Options{PersonName: func(id string) string { return names[id] }})
	inc := &bot.Incident{ID: 7, Prefix: "IR", Title: "Shares encrypted", Severity: 1, Playbook: "ransomware"}
	pb := &playbook.Playbook{ID: "ransomware", Name: playbook.Text{"en": "Ransomware", "vi": "Mã độc tống tiền"}}
	page := r.Page(inc, pb, "step 3 overdue", "en")
	for _, want := range []string{"IR-7", "SEV1", "Ransomware", "Shares encrypted", "step 3 overdue", "/ack IR-7 · 7a"} {
		if !strings.Contains(bot.StripMarks(page), want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	if got, want := commands(page), []string{"/ack IR-7", "7a"}; !slices.Equal(got, want) {
		t.Errorf("page's command hints %q, want %q", got, want)
	}
	pol := oncall.Policy{Repeat: 1, Levels: []oncall.Level{{After: "5m"}, {After: "10m"}}}
	paged := r.Paged(inc, nil, pol, 3, "en")
	for _, want := range []string{"2/2", "2/2", "10 minutes"} {
		if !strings.Contains(paged, want) {
			t.Errorf("paged lacks %q:\n%s", want, paged)
		}
	}
	paged = r.Paged(inc, nil, pol, 0, "en")
	if got, want := commands(paged), []string{"/ack", "7a"}; !slices.Equal(got, want) {
		t.Errorf("paged's command hints %q, want %q:\n%s", got, want, paged)
	}
	line := r.BundleLine(inc, nil, "en")
	if got := bot.StripMarks(line); got != "• IR-7 · SEV1 · ransomware — Shares encrypted (7a)" {
		t.Errorf("BundleLine without its playbook = %q", got)
	}
	if got := commands(line); !slices.Equal(got, []string{"7a"}) {
		t.Errorf("BundleLine's command hints %q, want the reply code", got)
	}
}

// commands returns the command hints of text, in order.
func commands(text string) []string {
	var out []string
	b := bot.ParseBody(text)
	for _, l := range append([][]bot.Span{b.Title}, b.Lines...) {
		for _, s := range l {
			if s.Kind == bot.SpanCommand {
				out = append(out, s.Text)
			}
		}
	}
	return out
}

// TestHelpMarksCommands: the help list and a command's help write each
// usage line and alias as a command hint, so each platform shows them the
// way its users type them.
func TestHelpMarksCommands(t *testing.T) {
	r := notify.New(nil, nil)
	help := r.Help([]command.Name{command.Ack, command.Done}, "vi")
	want := []string{"/ack [IR-n]", "/xacnhan", "/done [IR-n] <số bước> [ghi chú]", "/xong"}
	if got := commands(help); !slices.Equal(got, want) {
		t.Errorf("help's command hints %q, want %q:\n%s", got, want, help)
	}
	topic := r.HelpTopic(command.Done, "en")
	if got := commands(topic); len(got) == 0 || got[0] != "/done [IR-n] <step#> [note]" {
		t.Errorf("help topic's command hints %q:\n%s", got, topic)
	}
}
