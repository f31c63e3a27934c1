package engine

import (
	"context"
	"strings"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/store"
)

func (e *Engine) setLang(ctx context.Context, req *change.Request) error {
	lang := strings.ToLower(strings.TrimSpace(req.Cmd.Text))
	if !e.Cat.HasLang(lang) {
		return e.Refuse("err.lang", strings.Join(e.Cat.Langs(), ", "))
	}
	req.Lang = lang
	tx := &store.Tx{Seen: req.Seen, Put: map[string]string{change.LangKey(req.In.Chat): lang},
		Outbox: []bot.Outgoing{{Chat: req.In.Chat, Kind: bot.KindReply, Text: e.Cat.T(lang, "lang_set"), ReplyTo: req.In.MessageID}}}
	return e.Commit(ctx, tx)
}
