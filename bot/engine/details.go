package engine

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/bot/report"
)

func (e *Engine) note(ctx context.Context, req *change.Request) error {
	return e.OnIncident(ctx, req, func(ctx context.Context, c *change.Change) error {
		c.Record(bot.EvNote, map[string]string{"text": req.Cmd.Text})
		c.Notify(ctx, bot.KindNotice, e.T("noted", c.Inc.Ref(), c.ActorName(), req.Cmd.Text), nil)
		return nil
	})
}

func (e *Engine) sev(ctx context.Context, req *change.Request) error {
	return e.OnIncident(ctx, req, func(ctx context.Context, c *change.Change) error {
		from := c.Inc.Severity
		if from == req.Cmd.Sev {
			return e.Refuse("err.same_sev", c.Inc.Ref(), notify.Sev(from))
		}
		c.Inc.Severity = req.Cmd.Sev
		c.Record(bot.EvSeverity, map[string]string{"from": notify.Sev(from), "to": notify.Sev(req.Cmd.Sev), "reason": req.Cmd.Text})
		c.Notify(ctx, bot.KindNotice, e.T("sev_changed", c.Inc.Ref(), notify.Sev(from), notify.Sev(req.Cmd.Sev), c.ActorName(), opt(req.Cmd.Text)), nil)
		return nil
	})
}

func (e *Engine) assign(ctx context.Context, req *change.Request) error {
	return e.OnIncident(ctx, req, func(ctx context.Context, c *change.Change) error {
		who := strings.TrimPrefix(req.Cmd.User, "@")
		name := who
		if !e.Cfg.Directory.Open() {
			p, ok := e.Cfg.Directory.Person(who)
			if !ok {
				ids := make([]string, 0)
				for _, p := range e.Cfg.Directory.People() {
					ids = append(ids, p.ID)
				}
				return e.Refuse("err.no_person", who, strings.Join(ids, ", "))
			}
			who, name = p.ID, cmp.Or(p.Name, p.ID)
		}
		role := strings.ToLower(req.Cmd.Role)
		if !slices.Contains(e.o.IncidentRoles, role) {
			roles := func(lang string) string { // "police_focal_point (đầu mối Công an)": what to type, and what it is
				out := make([]string, len(e.o.IncidentRoles))
				for i, r := range e.o.IncidentRoles {
					out[i] = r
					if name := e.R.Role(r, lang); name != r && name != strings.ReplaceAll(r, "_", " ") {
						out[i] += " (" + name + ")"
					}
				}
				return strings.Join(out, ", ")
			}
			if s := command.Closest(role, e.o.IncidentRoles); s != "" {
				return &change.Refusal{Text: func(lang string) string { return e.Cat.T(lang, "err.no_role_suggest", role, s, roles(lang)) }}
			}
			return &change.Refusal{Text: func(lang string) string { return e.Cat.T(lang, "err.no_role", role, roles(lang)) }}
		}
		if c.Inc.Roles == nil {
			c.Inc.Roles = map[string]string{}
		}
		c.Inc.Roles[role] = who
		c.Record(bot.EvAssign, map[string]string{"role": role, "person": who})
		c.Notify(ctx, bot.KindNotice, func(lang string) string {
			return e.Cat.T(lang, "assigned", c.Inc.Ref(), name, e.R.Role(role, lang), c.ActorName())
		}, nil)
		return nil
	})
}

// setCmd: /set [IR-n] <field> <value…> fills a report field the timeline
// cannot (cause, description, …). Recorded like every action.
func (e *Engine) setCmd(ctx context.Context, req *change.Request) error {
	field, value, ok := settable(req.Cmd.Text)
	if !ok {
		word, _, _ := strings.Cut(strings.TrimSpace(req.Cmd.Text), " ")
		return &change.Refusal{Text: func(lang string) string {
			names := make([]string, 0, len(report.SettableFields()))
			for _, f := range report.SettableFields() {
				names = append(names, report.FieldName(f, lang))
			}
			return e.Cat.T(lang, "err.field", word, strings.Join(names, ", "))
		}}
	}
	if field == report.FieldSystem {
		id, ok := e.systemID(value)
		if !ok {
			return &change.Refusal{Text: func(lang string) string {
				names := make([]string, 0, len(e.o.Systems))
				for _, s := range e.o.Systems {
					names = append(names, s.ID+" ("+s.Name.In(lang)+")")
				}
				return e.Cat.T(lang, "err.system", value, strings.Join(names, ", "))
			}}
		}
		value = id
	}
	return e.OnIncident(ctx, req, func(ctx context.Context, c *change.Change) error {
		if c.Inc.Fields == nil {
			c.Inc.Fields = map[string]string{}
		}
		c.Inc.Fields[field] = value
		if field == report.FieldSystem {
			c.Inc.System = value
			for _, s := range e.o.Systems {
				if s.ID == value {
					c.Inc.Level = s.Level
				}
			}
		}
		c.Record(bot.EvFieldSet, map[string]string{"field": field, "value": value})
		shown := value
		if field == report.FieldSystem {
			for _, s := range e.o.Systems {
				if s.ID == value {
					shown = cmp.Or(s.Name.In(req.Lang), value)
				}
			}
		}
		c.Reply(e.T("field_set", c.Inc.Ref(), report.FieldName(field, req.Lang), shown), nil)
		return nil
	})
}

// settable splits "/set" text into a settable field and its value. The
// field may be named by its id ("cause") or its name in either language,
// with spaces or underscores ("nguyên nhân", "nguyên_nhân").
func settable(text string) (field, value string, ok bool) {
	text = strings.TrimSpace(text)
	low := strings.ToLower(text)
	best := 0
	for _, f := range report.SettableFields() {
		for _, name := range []string{f, report.FieldName(f, "vi"), report.FieldName(f, "en")} {
			for _, form := range []string{name, strings.ReplaceAll(name, " ", "_"), strings.ReplaceAll(name, "_", " ")} {
				form = strings.ToLower(form)
				if len(form) > best && (low == form || strings.HasPrefix(low, form+" ")) {
					// ToLower maps rune to rune: the field is as many runes of text.
					rest := string([]rune(text)[utf8.RuneCountInString(form):])
					field, value, best = f, strings.TrimSpace(rest), len(form)
				}
			}
		}
	}
	return field, value, best > 0
}

// systemID finds a configured system by its id or its name in either
// language.
func (e *Engine) systemID(s string) (string, bool) {
	for _, sys := range e.o.Systems {
		if strings.EqualFold(sys.ID, s) || strings.EqualFold(sys.Name.In("vi"), s) || strings.EqualFold(sys.Name.In("en"), s) {
			return sys.ID, true
		}
	}
	return "", false
}

// opt formats an optional reason: "" or " — reason".
func opt(s string) string {
	if s == "" {
		return ""
	}
	return " — " + s
}
