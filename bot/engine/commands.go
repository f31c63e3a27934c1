package engine

import (
	"context"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/command"
)

type handler func(ctx context.Context, req *request) error

func (e *Engine) handlers() map[command.Name]handler {
	return map[command.Name]handler{
		command.Declare:     e.declare,
		command.Incidents:   e.incidents,
		command.Status:      e.status,
		command.Ack:         e.ack,
		command.Steps:       e.steps,
		command.Done:        e.stepDone,
		command.Skip:        e.stepDone,
		command.Next:        e.next,
		command.Note:        e.note,
		command.Sev:         e.sev,
		command.Assign:      e.assign,
		command.Resolve:     e.resolve,
		command.Close:       e.close,
		command.Reopen:      e.reopen,
		command.Cancel:      e.cancel,
		command.Timeline:    e.timeline,
		command.Verify:      e.verify,
		command.Playbooks:   e.playbooks,
		command.Help:        e.help,
		command.Lang:        e.setLang,
		command.Escalate:    e.escalateCmd,
		command.Page:        e.pageCmd,
		command.Oncall:      e.oncallCmd,
		command.Roster:      e.rosterCmd,
		command.Override:    e.overrideCmd,
		command.Handoff:     e.handoffCmd,
		command.Maintenance: e.maintenanceCmd,
		command.Set:         e.setCmd,
		command.Link:        e.link,
		command.Report:      e.reportCmd,
		command.Stats:       e.statsCmd,
		command.Snooze:      e.snoozeCmd,
		command.Heartbeats:  e.heartbeatsCmd,
	}
}

// onIncident resolves the command's incident and applies fn to it. A group
// chat that acts on an incident it was not part of joins it, so from then on
// it is told of everything, like the chats the incident began in.
func (e *Engine) onIncident(ctx context.Context, req *request, fn func(ctx context.Context, c *change) error) error {
	id, err := e.target(ctx, req)
	if err != nil {
		return err
	}
	return e.apply(ctx, id, req, func(ctx context.Context, c *change) error {
		if err := fn(ctx, c); err != nil {
			return err
		}
		if !e.isDirect(req.in.Chat) && !c.inc.HasChat(req.in.Chat) && c.inc.Open() {
			for _, ch := range e.boundChats(req.in.Chat) {
				if !c.inc.HasChat(ch) {
					c.inc.Chats = append(c.inc.Chats, ch)
				}
			}
			c.record(bot.EvChatJoined, map[string]string{"chat": req.in.Chat.String()})
		}
		return nil
	})
}
