package engine

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

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
	now := e.o.Clock.Now()
	from := now.Add(-time.Duration(days) * 24 * time.Hour)
	all, err := e.incidentList(ctx, false)
	if err != nil {
		return err
	}
	type agg struct {
		n        int
		tta, ttr []time.Duration
	}
	bySev, byPB := map[string]*agg{}, map[string]*agg{}
	add := func(m map[string]*agg, k string, inc *bot.Incident) {
		a := m[k]
		if a == nil {
			a = &agg{}
			m[k] = a
		}
		a.n++
		if !inc.Acknowledged.IsZero() {
			a.tta = append(a.tta, inc.Acknowledged.Sub(inc.Declared))
		}
		if !inc.Resolved.IsZero() {
			a.ttr = append(a.ttr, inc.Resolved.Sub(inc.Declared))
		}
	}
	total := 0
	for _, inc := range all {
		if inc.Declared.Before(from) || inc.State == bot.StateCancelled {
			continue
		}
		total++
		add(bySev, sevName(inc.Severity), inc)
		add(byPB, inc.Playbook, inc)
	}
	return e.reply(ctx, req, func(lang string) string {
		var b strings.Builder
		b.WriteString(e.cat.N(lang, "stats.head", total, days))
		for _, group := range []map[string]*agg{bySev, byPB} {
			keys := make([]string, 0, len(group))
			for k := range group {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			b.WriteString("\n")
			for _, k := range keys {
				a := group[k]
				name := k
				if pb, ok := e.books.Get(k); ok {
					name = pb.Name.In(lang)
				}
				b.WriteString("\n" + e.cat.T(lang, "stats.line", name, a.n, medianDur(e, a.tta, lang), medianDur(e, a.ttr, lang)))
			}
		}
		return b.String()
	})
}
