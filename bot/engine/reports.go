package engine

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/report"
)

// Reporting configures the formal reports.
type Reporting struct {
	Org        report.Org
	Recipients []string
	References []string
}

// ReportInput gathers what a report of incident id is made from.
func (e *Engine) ReportInput(ctx context.Context, id int64, lang string) (report.Input, error) {
	inc, err := e.Store.Incident(ctx, id)
	if err != nil {
		return report.Input{}, err
	}
	evs, err := e.Store.Timeline(ctx, id, 0)
	if err != nil {
		return report.Input{}, fmt.Errorf("read timeline %s: %w", inc.Ref(), err)
	}
	pb, _ := e.Books.Get(inc.Playbook)
	in := report.Input{Incident: inc, Events: evs, Playbook: pb, Lang: cmp.Or(lang, e.Cfg.Language), Location: e.Cfg.Location,
		Org: e.o.Reporting.Org, Recipients: e.o.Reporting.Recipients, References: e.o.Reporting.References,
		PersonName: e.PersonName, Now: e.Now(), Systems: e.o.Systems}
	for i := range e.o.Systems {
		if e.o.Systems[i].ID == inc.System {
			in.System = &e.o.Systems[i]
		}
	}
	return in, nil
}

// Render renders a report of incident id in format md, html, vi03, vi04 or
// json, with the fields still missing (forms only).
func (e *Engine) Render(ctx context.Context, id int64, format, lang string) (string, []string, error) {
	in, err := e.ReportInput(ctx, id, lang)
	if err != nil {
		return "", nil, err
	}
	switch format {
	case "", "md":
		return report.Markdown(in), nil, nil
	case "html":
		s, err := report.HTML(in)
		return s, nil, err
	case "vi03":
		s, missing := report.Form03(in)
		return s, missing, nil
	case "vi04":
		s, missing := report.Form04(in)
		return s, missing, nil
	case "json":
		b, err := report.JSON(in)
		return string(b), nil, err
	}
	return "", nil, fmt.Errorf("unknown report format %q (md, html, vi03, vi04, json)", format)
}

// reportCmd: /report [IR-n] [md|vi03|vi04|json]. The report is sent as a
// document where the platform can, else as text; the Vietnamese forms also
// go to the focal-point chats, and sending them is recorded.
func (e *Engine) reportCmd(ctx context.Context, req *change.Request) error {
	format := cmp.Or(req.Cmd.Text, "md")
	return e.OnIncident(ctx, req, func(ctx context.Context, c *change.Change) error {
		body, missing, err := e.Render(ctx, c.Inc.ID, format, req.Lang)
		if err != nil {
			return err
		}
		name, mime := c.Inc.Ref()+"-report.md", "text/markdown; charset=utf-8"
		switch format {
		case "vi03", "vi04":
			name = fmt.Sprintf("%s-mau-%s.md", c.Inc.Ref(), strings.TrimPrefix(format, "vi"))
		case "json":
			name, mime = c.Inc.Ref()+".json", "application/json"
		}
		file := &bot.File{Name: name, MIME: mime, Data: []byte(body)}
		// The forms end with what is still blank and how to fill it.
		c.Out = append(c.Out, bot.Outgoing{Incident: c.Inc.ID, Chat: req.In.Chat, Kind: bot.KindReport, Text: body, File: file, ReplyTo: req.In.MessageID})
		to := []string{req.In.Chat.String()}
		if format == "vi03" || format == "vi04" {
			for _, ch := range e.Cfg.Directory.ChatsFor("focal_point") {
				if ch != req.In.Chat {
					c.Out = append(c.Out, bot.Outgoing{Incident: c.Inc.ID, Chat: ch, Kind: bot.KindReport, Text: body, File: file})
					to = append(to, ch.String())
				}
			}
		}
		c.Record(bot.EvReportSent, map[string]string{"format": format, "to": strings.Join(to, ","),
			"last_hash": c.Inc.LastHash, "missing": strings.Join(missing, ",")})
		return nil
	})
}
