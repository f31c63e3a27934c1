package engine_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/engine/enginetest"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/bot/report"
)

func TestSetFieldsAndStats(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.LeadersTeam())
	h.Say("/declare phishing Mailbox of the finance director taken over")
	h.Clock.Add(4 * time.Minute)
	h.Say("/ack")
	enginetest.MustContain(t, "set", h.Say("/set cause Password reused from a leaked site"), "cause set to Password reused from a leaked site")
	enginetest.MustContain(t, "bad field", h.Say("/set colour red"), `No field "colour"`, "cause")
	inc, _ := h.Store.Incident(context.Background(), 1)
	if inc.Fields["cause"] != "Password reused from a leaked site" {
		t.Fatalf("fields %+v", inc.Fields)
	}
	pb, _ := h.Engine.Playbooks().Get("phishing")
	for _, s := range pb.Steps() {
		h.Say("/skip " + strconv.Itoa(s.Number) + " test")
	}
	h.Clock.Add(56 * time.Minute)
	h.Say("/resolve")
	got := h.Say("/stats 30d")
	enginetest.MustContain(t, "stats", got, "Last 30 days: 1 incident ", "SEV2: 1 · 4 minutes · 1 hour", pb.Name.In("en")+": 1 · 4 minutes · 1 hour")
}

func TestReportGoesToTheFocalPointAndIsRecorded(t *testing.T) {
	dir := bot.NewDirectory([]bot.Person{{ID: "an", Name: "An"}}, []bot.Chat{
		{ID: "soc", Purpose: "response", IDs: map[string]string{"console": "soc"}},
		{ID: "police", Purpose: "focal_point", IDs: map[string]string{"console": "pa05"}},
	})
	h := enginetest.New(t, "vi", dir)
	h.Say("/declare ransomware Máy chủ kế toán bị mã hoá")
	out := h.SayIn(soc, "an", "/baocao vi03")
	var here, police *bot.Outgoing
	for i := range out {
		switch out[i].Chat.ID {
		case "soc":
			here = &out[i]
		case "pa05":
			police = &out[i]
		}
	}
	if here == nil || police == nil || here.File == nil || !strings.Contains(string(here.File.Data), "BÁO CÁO BAN ĐẦU") || !strings.HasSuffix(here.File.Name, "mau-03.md") {
		t.Fatalf("report: %s", enginetest.JoinTexts(out))
	}
	evs, _ := h.Store.Timeline(context.Background(), 1, 0)
	last := evs[len(evs)-1]
	if last.Kind != bot.EvReportSent || last.Data["format"] != "vi03" || !strings.Contains(last.Data["to"], "console:pa05") || !strings.Contains(last.Data["missing"], "cause") {
		t.Fatalf("report not recorded: %+v", last)
	}
}

// TestSetTakesNamesAsUsersWriteThem: the fields /help names ("nguyên
// nhân") and the systems by their names work, not only the ids; a wrong
// field is answered with the fields' names in the reader's language.
func TestSetTakesNamesAsUsersWriteThem(t *testing.T) {
	portal := report.System{ID: "cong-ttdt", Name: playbook.Text{"vi": "Cổng TTĐT", "en": "Web portal"}, Level: 3}
	h := enginetest.New(t, "vi", enginetest.LeadersTeam(), func(o *engine.Options) { o.Systems = []report.System{portal} })
	h.Say("/declare phishing Hộp thư bị chiếm")
	for _, in := range []string{"/set nguyên_nhân Mật khẩu dùng lại", "/set nguyên nhân Mật khẩu dùng lại", "/set NGUYÊN NHÂN Mật khẩu dùng lại"} {
		h.Say("/set cause x")
		h.Say(in)
		if inc, _ := h.Store.Incident(context.Background(), 1); inc.Fields["cause"] != "Mật khẩu dùng lại" {
			t.Errorf("%s: cause = %q", in, inc.Fields["cause"])
		}
	}
	enginetest.MustContain(t, "system by name", h.Say("/set system cổng ttđt"), "Cổng TTĐT")
	if inc, _ := h.Store.Incident(context.Background(), 1); inc.System != "cong-ttdt" || inc.Level != 3 {
		t.Errorf("system by name: system %q level %d", inc.System, inc.Level)
	}
	got := h.Say("/set màu đỏ")
	enginetest.MustContain(t, "bad field", got, "nguyên nhân", "mô tả")
	if strings.Contains(got, "how_detected") {
		t.Errorf("the fields are listed by their ids:\n%s", got)
	}
}
