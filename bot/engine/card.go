package engine

import (
	"context"
	"fmt"
	"strconv"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/playbook"
)

// refreshCard edits the incident's live status card in each of its chats,
// unless c records only what the card does not show.
func (e *Engine) refreshCard(ctx context.Context, c *change.Change) {
	visible := false
	for _, ev := range c.Events {
		visible = visible || (ev.Kind != bot.EvAlertRepeat && ev.Kind != bot.EvVerified && ev.Kind != bot.EvDeliveryFailed)
	}
	if !visible {
		return
	}
	for _, ch := range c.Inc.Chats {
		c.Out = append(c.Out, bot.Outgoing{Incident: c.Inc.ID, Chat: ch, Kind: bot.KindStatus, EditOnly: true,
			EditKey: "status:" + c.Inc.Ref(), Text: e.R.Status(c.Inc, c.PB, e.Now(), e.ChatLang(ctx, ch))})
	}
}

func (e *Engine) statusButtons(inc *bot.Incident, pb *playbook.Playbook) []bot.Button {
	switch {
	case inc.State == bot.StateTriggered:
		return []bot.Button{e.Button("btn.ack", "/ack "+inc.Ref())}
	case inc.State == bot.StateResolved:
		return []bot.Button{e.Button("btn.close", "/close "+inc.Ref())}
	}
	return e.stepButtons(inc, pb, pb.PhaseIndex(inc.State))
}

// stepButtons offers one-tap Done for the open steps of phase idx (up to
// four), and Next phase / Resolve.
func (e *Engine) stepButtons(inc *bot.Incident, pb *playbook.Playbook, idx int) []bot.Button {
	if idx < 0 || !inc.Open() {
		return nil
	}
	var out []bot.Button
	for _, s := range pb.Phases[idx].Steps {
		if _, ok := inc.Steps[s.ID]; ok {
			continue
		}
		if len(out) == 4 {
			break
		}
		out = append(out, bot.Button{Label: "✅ " + strconv.Itoa(s.Number), Data: fmt.Sprintf("/done %s %d", inc.Ref(), s.Number)})
	}
	// Next phase / Resolve only once what they need is done: a button
	// that would be refused is not offered.
	switch {
	case idx < len(pb.Phases)-1 && len(openRequired(inc, pb.Phases[idx].Steps)) == 0:
		out = append(out, e.PhaseButton(pb.ID, pb.Phases[idx+1].ID, "/next "+inc.Ref()))
	case idx == len(pb.Phases)-1 && len(openRequired(inc, pb.Steps())) == 0:
		out = append(out, e.Button("btn.resolve", "/resolve "+inc.Ref()))
	}
	return out
}
