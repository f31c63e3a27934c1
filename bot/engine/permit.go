package engine

import (
	"context"
	"slices"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/access"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/notify"
)

// permit checks that req's actor may run its command. A refusal is
// recorded in the audit log and returned as a userError that says who may.
// When only the incident's commander may, the incident is found here and
// fixed in req, so the handler acts on the incident that was checked.
func (e *Engine) permit(ctx context.Context, req *change.Request) error {
	if e.Cfg.Directory.Open() {
		return nil // no people configured: a first try in the terminal
	}
	act := access.ActionOf(req.Cmd)
	d := e.o.Access.Check(req.Actor, act)
	if d.Allowed || (act == access.Action(command.Override) && e.duty.IsAdmin(req.Actor)) {
		return nil // a roster's own admins: the handler checks which roster
	}
	if d.NeedsIncident {
		id, err := e.Target(ctx, req)
		if err != nil {
			return err
		}
		if inc, err := e.Store.Incident(ctx, id); err == nil && e.o.Access.AllowedOn(req.Actor, act, inc) {
			req.Cmd.Ref = int(id)
			return nil
		}
	}
	if req.Cmd.Name == command.Ack && e.pagedFor(ctx, req) {
		return nil // whoever a page waits for may take it, whatever their role
	}
	e.Audit(ctx, bot.EvRefused, map[string]string{"person": req.Actor.ID, "action": string(act),
		"chat": req.In.Chat.String(), "text": notify.Clip(req.In.Text, 200)})
	return &change.Refusal{Text: func(lang string) string {
		return e.Cat.T(lang, "err.forbidden", "/"+string(req.Cmd.Name), e.o.Access.WhoCan(act, lang, e.Cat.T(lang, "word.or")))
	}}
}

// audited records a privileged action that was done in the audit log.
func (e *Engine) audited(ctx context.Context, req *change.Request) {
	if req.Cmd.Name == command.Maintenance {
		return // a window's changes are audited in their own commit; a listing changes nothing
	}
	if act := access.ActionOf(req.Cmd); e.o.Access.Privileged(act) {
		e.Audit(ctx, bot.EvPrivileged, map[string]string{"person": req.Actor.ID, "action": string(act),
			"chat": req.In.Chat.String(), "text": notify.Clip(req.In.Text, 200)})
	}
}

// pagedFor reports whether a page waits for req's actor on the incident
// the /ack means (for "/ack all", on any open incident).
func (e *Engine) pagedFor(ctx context.Context, req *change.Request) bool {
	if len(req.Cmd.Args) > 0 && req.Cmd.Args[0] == "all" {
		open, err := e.Store.Incidents(ctx, true)
		if err != nil {
			return false
		}
		return slices.ContainsFunc(open, func(inc *bot.Incident) bool { return pagedAndWaiting(inc, req.Actor.ID) })
	}
	id, err := e.Target(ctx, req)
	if err != nil {
		return false
	}
	inc, err := e.Store.Incident(ctx, id)
	return err == nil && pagedAndWaiting(inc, req.Actor.ID)
}
