package engine

import (
	"context"
	"slices"
	"strings"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/bot/report"
)

func (e *Engine) note(ctx context.Context, req *request) error {
	return e.onIncident(ctx, req, func(ctx context.Context, c *change) error {
		c.record(bot.EvNote, map[string]string{"text": req.cmd.Text})
		c.notify(ctx, bot.KindNotice, e.t("noted", c.inc.Ref(), c.actorName(), req.cmd.Text), nil)
		return nil
	})
}

func (e *Engine) sev(ctx context.Context, req *request) error {
	return e.onIncident(ctx, req, func(ctx context.Context, c *change) error {
		from := c.inc.Severity
		if from == req.cmd.Sev {
			return e.refuse("err.same_sev", c.inc.Ref(), notify.Sev(from))
		}
		c.inc.Severity = req.cmd.Sev
		c.record(bot.EvSeverity, map[string]string{"from": notify.Sev(from), "to": notify.Sev(req.cmd.Sev), "reason": req.cmd.Text})
		c.notify(ctx, bot.KindNotice, e.t("sev_changed", c.inc.Ref(), notify.Sev(from), notify.Sev(req.cmd.Sev), c.actorName(), opt(req.cmd.Text)), nil)
		return nil
	})
}

func (e *Engine) assign(ctx context.Context, req *request) error {
	return e.onIncident(ctx, req, func(ctx context.Context, c *change) error {
		who := strings.TrimPrefix(req.cmd.User, "@")
		name := who
		if !e.o.Directory.Open() {
			p, ok := e.o.Directory.Person(who)
			if !ok {
				ids := make([]string, 0)
				for _, p := range e.o.Directory.People() {
					ids = append(ids, p.ID)
				}
				return e.refuse("err.no_person", who, strings.Join(ids, ", "))
			}
			who, name = p.ID, firstNonEmpty(p.Name, p.ID)
		}
		role := strings.ToLower(req.cmd.Role)
		if !slices.Contains(e.o.IncidentRoles, role) {
			if s := command.Closest(role, e.o.IncidentRoles); s != "" {
				return e.refuse("err.no_role_suggest", role, s, strings.Join(e.o.IncidentRoles, ", "))
			}
			return e.refuse("err.no_role", role, strings.Join(e.o.IncidentRoles, ", "))
		}
		if c.inc.Roles == nil {
			c.inc.Roles = map[string]string{}
		}
		c.inc.Roles[role] = who
		c.record(bot.EvAssign, map[string]string{"role": role, "person": who})
		c.notify(ctx, bot.KindNotice, func(lang string) string {
			return e.cat.T(lang, "assigned", c.inc.Ref(), name, e.r.Role(role, lang), c.actorName())
		}, nil)
		return nil
	})
}

// setCmd: /set [IR-n] <field> <value…> fills a report field the timeline
// cannot (cause, description, …). Recorded like every action.
func (e *Engine) setCmd(ctx context.Context, req *request) error {
	field, value, _ := strings.Cut(strings.TrimSpace(req.cmd.Text), " ")
	field = strings.ToLower(field)
	value = strings.TrimSpace(value)
	known := false
	for _, f := range report.SettableFields() {
		known = known || f == field
	}
	if !known {
		return e.refuse("err.field", field, strings.Join(report.SettableFields(), ", "))
	}
	if field == report.FieldSystem {
		ok := false
		for _, s := range e.o.Systems {
			ok = ok || s.ID == value
		}
		if !ok {
			ids := make([]string, 0, len(e.o.Systems))
			for _, s := range e.o.Systems {
				ids = append(ids, s.ID)
			}
			return e.refuse("err.system", value, strings.Join(ids, ", "))
		}
	}
	return e.onIncident(ctx, req, func(ctx context.Context, c *change) error {
		if c.inc.Fields == nil {
			c.inc.Fields = map[string]string{}
		}
		c.inc.Fields[field] = value
		if field == report.FieldSystem {
			c.inc.System = value
			for _, s := range e.o.Systems {
				if s.ID == value {
					c.inc.Level = s.Level
				}
			}
		}
		c.record(bot.EvFieldSet, map[string]string{"field": field, "value": value})
		shown := value
		if field == report.FieldSystem {
			for _, s := range e.o.Systems {
				if s.ID == value {
					shown = firstNonEmpty(s.Name.In(req.lang), value)
				}
			}
		}
		c.reply(e.t("field_set", c.inc.Ref(), report.FieldName(field, req.lang), shown), nil)
		return nil
	})
}

// opt formats an optional reason: "" or " — reason".
func opt(s string) string {
	if s == "" {
		return ""
	}
	return " — " + s
}
