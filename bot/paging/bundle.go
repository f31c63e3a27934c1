package paging

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
)

// DeliveryFailed records in the incident's timeline that a message could
// not be delivered, so the report shows who was not told.
func (pg *Pager) DeliveryFailed(ctx context.Context, m bot.Outgoing, cause error) {
	if m.Incident == 0 {
		return
	}
	err := pg.Apply(ctx, m.Incident, nil, func(ctx context.Context, c *change.Change) error {
		c.Record(bot.EvDeliveryFailed, map[string]string{"chat": m.Chat.String(), "kind": m.Kind, "error": cause.Error()})
		if m.Kind != bot.KindPage || c.Inc.HasChat(m.Chat) {
			return nil
		}
		// A page that reached nobody: the incident's chats must know, so
		// that someone pages another way.
		who := m.Chat.ID
		if p, ok := pg.Cfg.Directory.Lookup(m.Chat.Platform, m.Chat.ID); ok && m.Chat.Direct {
			who = cmp.Or(p.Name, p.ID)
		} else if ch, ok := pg.Cfg.Directory.ChatFor(m.Chat); ok {
			who = ch.ID
		}
		c.Notify(ctx, bot.KindNotice, func(lang string) string {
			return pg.Cat.T(lang, "page_undelivered", c.Inc.Ref(), who, pg.Cat.T(lang, deliveryWhy(cause)))
		}, nil)
		return nil
	})
	if err != nil {
		pg.Log.Error("record delivery failure", "incident", m.Incident, "err", err)
	}
}

// deliveryWhy names the catalogue key that says why a message was not
// delivered.
func deliveryWhy(err error) string {
	switch {
	case errors.Is(err, bot.ErrExpired):
		return "why.expired"
	case errors.Is(err, bot.ErrNotRunning):
		return "why.not_running"
	default:
		return "why.failed"
	}
}

// maxBundleButtons caps the per-incident buttons under a bundle of pages
// (Telegram allows 100 in all); the reply codes in the text cover the rest.
const maxBundleButtons = 10

// maxBundleLines is how many incidents a bundle describes line by line;
// the rest are listed by reference, so a storm's bundle still fits one
// message.
const maxBundleLines = 30

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
