package paging

import (
	"context"
	"fmt"
	"strings"

	"github.com/irbot/irbot/bot"
)

// BundlePages makes one message of several pages waiting for one chat: a
// line per incident with its acknowledge code, a button per incident and
// one that acknowledges them all. It is the delivery layer's BundleFunc,
// which carries no context: its reads use a background one.
func (pg *Pager) BundlePages(pages []bot.Outgoing) bot.Outgoing {
	ctx := context.Background()
	ch := pages[0].Chat
	lang := pg.ChatLang(ctx, ch)
	if p, ok := pg.Cfg.Directory.Lookup(ch.Platform, ch.ID); ok && ch.Direct && p.Language != "" {
		lang = p.Language
	}
	var lines, rest []string
	var buttons []bot.Button
	seen := map[int64]bool{}
	for _, m := range pages {
		if seen[m.Incident] {
			continue // paged again at the next level before the first went out
		}
		seen[m.Incident] = true
		if len(lines) >= maxBundleLines {
			rest = append(rest, fmt.Sprintf("%s-%d", pg.Cfg.Prefix, m.Incident))
			continue
		}
		inc, err := pg.Store.Incident(ctx, m.Incident)
		if err != nil {
			lines = append(lines, "• "+strings.SplitN(m.Text, "\n", 2)[0])
			continue
		}
		pb, _ := pg.Books.Get(inc.Playbook)
		lines = append(lines, pg.R.BundleLine(inc, pb, lang))
		if len(buttons) < maxBundleButtons {
			buttons = append(buttons, bot.Button{Label: "✅ " + inc.Ref(), Data: "/ack " + inc.Ref()})
		}
	}
	if len(lines) == 1 {
		m := pages[len(pages)-1]
		return bot.Outgoing{Text: m.Text, Buttons: m.Buttons}
	}
	buttons = append(buttons, bot.Button{Label: pg.Cat.T(lang, "btn.ack_all"), Data: "/ack all"})
	return bot.Outgoing{Text: pg.R.Bundle(len(seen), lines, rest, lang), Buttons: buttons}
}
