package engine

import (
	"context"
	"strconv"
	"strings"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/report"
)

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

// statsCmd: /stats [30d] — time to acknowledge and to resolve, by severity
// and by playbook, over incidents declared in the period.
func (e *Engine) statsCmd(ctx context.Context, req *request) error {
	days := 30
	if s := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(req.cmd.Text)), "d"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 || n > 3660 {
			return e.refuse("err.usage", "/stats [30d]")
		}
		days = n
	}
	all, err := e.entries(ctx, false)
	if err != nil {
		return err
	}
	now := e.o.Clock.Now()
	return e.reply(ctx, req, func(lang string) string { return e.r.Stats(all, now, days, lang) })
}
