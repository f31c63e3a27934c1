package notify

import (
	"fmt"
	"strings"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/bot/report"
)

// Event is one timeline line: "#3 26/11 14:05:00 An — step 2 done: …".
func (r *Renderer) Event(ev bot.Event, pb *playbook.Playbook, lang string) string {
	who := report.Actor(ev.Actor, lang, r.name)
	at := ev.At.In(r.loc).Format("02/01 15:04:05")
	what := report.EventText(ev, lang, report.Input{Playbook: pb, PersonName: r.name, Systems: r.systems})
	return fmt.Sprintf("#%d %s %s — %s", ev.Seq, at, who, strings.TrimRight(what, " :—"))
}

// Timeline is the /timeline view: a head line and a line per event.
func (r *Renderer) Timeline(inc *bot.Incident, pb *playbook.Playbook, evs []bot.Event, lang string) string {
	var b strings.Builder
	b.WriteString(r.cat.T(lang, "timeline_head", inc.Ref(), len(evs)))
	for _, ev := range evs {
		b.WriteString("\n" + r.Event(ev, pb, lang))
	}
	return b.String()
}
