package engine_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/engine/enginetest"
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
