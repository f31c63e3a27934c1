package paging

import (
	"cmp"
	"context"
	"errors"

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
