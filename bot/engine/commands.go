package engine

import (
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/command"
)

func (e *Engine) handlers() map[command.Name]change.Handler {
	return map[command.Name]change.Handler{
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
		command.Escalate:    e.pager.EscalateCmd,
		command.Page:        e.pager.PageCmd,
		command.Oncall:      e.duty.OncallCmd,
		command.Roster:      e.duty.RosterCmd,
		command.Override:    e.duty.OverrideCmd,
		command.Handoff:     e.duty.HandoffCmd,
		command.Maintenance: e.desk.MaintenanceCmd,
		command.Set:         e.setCmd,
		command.Link:        e.link,
		command.Report:      e.reportCmd,
		command.Stats:       e.statsCmd,
		command.Snooze:      e.pager.SnoozeCmd,
		command.Heartbeats:  e.desk.HeartbeatsCmd,
	}
}

// onIncident resolves the command's incident and applies fn to it. A group
// chat that acts on an incident it was not part of joins it, so from then on
// it is told of everything, like the chats the incident began in.
