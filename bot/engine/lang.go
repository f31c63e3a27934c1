package engine

import (
	"context"
	"strings"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/store"
)

// chatLang returns the language of a chat: set with /lang, else configured,
// else the default.
func (e *Engine) chatLang(ctx context.Context, c bot.ChatRef) string {
	if v, err := e.st.Get(ctx, langKey(c)); err == nil && v != "" {
		return v
	}
	if ch, ok := e.o.Directory.ChatFor(c); ok && ch.Language != "" {
		return ch.Language
	}
	return e.o.Language
}

func langKey(c bot.ChatRef) string { return "lang:" + c.String() }

// readerLang is the language of whoever reads chat: set there with /lang,
// else for a direct chat the person's, else the chat's configured one.
func (e *Engine) readerLang(ctx context.Context, ch bot.ChatRef) string {
	if v, err := e.st.Get(ctx, langKey(ch)); err == nil && v != "" {
		return v
	}
	if ch.Direct {
		id := strings.TrimPrefix(ch.ID, "dm:")
		if p, ok := e.o.Directory.Lookup(ch.Platform, id); ok && p.Language != "" {
			return p.Language
		}
	}
	return e.chatLang(ctx, ch)
}

func (e *Engine) setLang(ctx context.Context, req *request) error {
	lang := strings.ToLower(strings.TrimSpace(req.cmd.Text))
	if !e.cat.HasLang(lang) {
		return e.refuse("err.lang", strings.Join(e.cat.Langs(), ", "))
	}
	req.lang = lang
	tx := &store.Tx{Seen: req.seen, Put: map[string]string{langKey(req.in.Chat): lang},
		Outbox: []bot.Outgoing{{Chat: req.in.Chat, Kind: bot.KindReply, Text: e.cat.T(lang, "lang_set"), ReplyTo: req.in.MessageID}}}
	return e.commit(ctx, tx)
}

// labelKey marks a button label that is a catalogue key, rendered in the
// language of the chat the message goes to when it is committed.
const labelKey = "\x00"

// button is a button whose label is the catalogue's key, in the reader's
// language.
func (e *Engine) button(key, data string) bot.Button {
	return bot.Button{Label: labelKey + key, Data: data}
}

// localize renders the catalogue-keyed button labels of m in the language
// of its reader: the chat's, or for a direct chat the person's.
func (e *Engine) localize(ctx context.Context, m *bot.Outgoing) {
	lang := ""
	for i, b := range m.Buttons {
		key, ok := strings.CutPrefix(b.Label, labelKey)
		if !ok {
			continue
		}
		if lang == "" {
			lang = e.readerLang(ctx, m.Chat)
		}
		m.Buttons[i].Label = e.cat.T(lang, key)
	}
}
