package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/notify"
)

// Handle acts on one inbound message or button press: it parses the
// command, applies it and commits the result, replies included, to the
// outbox. A message seen before (same platform update id) changes nothing.
// Ordinary chatter that is not a command is ignored. Handle returns an error
// only when the store fails; everything a user did wrong becomes a reply.
func (e *Engine) Handle(ctx context.Context, in bot.Inbound) (err error) {
	req := &change.Request{In: in}
	defer func() {
		// A bug must not take the bot down or show anyone a stack trace:
		// log it for the operators, tell the user nothing was changed.
		if v := recover(); v != nil {
			e.Log.Error("command panicked", "text", notify.Clip(in.Text, 100), "chat", in.Chat.String(), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			err = e.Reply(ctx, req, e.T("err.internal"))
		}
	}()
	if in.ID != "" {
		key := "in:" + in.Platform + ":" + in.ID
		seen, err := e.Store.Seen(ctx, key)
		if err != nil {
			return fmt.Errorf("check inbound %s: %w", key, err)
		}
		if seen {
			return nil
		}
		req.Seen = []string{key}
	}
	req.Lang = e.ChatLang(ctx, in.Chat)
	cmd, err := command.ParseWith(in.Text, &command.Options{BotName: e.Cfg.BotName, Prefix: e.Cfg.Prefix, MaxLen: e.o.MaxLen[in.Platform]})
	if errors.Is(err, command.ErrNotCommand) || errors.Is(err, command.ErrNotForMe) {
		return nil
	}
	req.Cmd = cmd
	p, known := e.actor(ctx, in)
	switch {
	case known:
		req.Actor = p
	case e.Cfg.Directory.Open():
		req.Actor = bot.Person{ID: in.User, Name: cmp.Or(in.UserName, in.User)}
	case err == nil && cmd.Name == command.Link:
		return e.answer(ctx, req, e.link(ctx, req))
	default:
		return e.stranger(ctx, req)
	}
	var unknown *command.UnknownError
	var usage *command.UsageError
	var tooLong *command.TooLongError
	switch {
	case errors.As(err, &tooLong):
		return e.Reply(ctx, req, e.T("err.too_long", tooLong.N, tooLong.Max))
	case errors.As(err, &unknown):
		if unknown.Suggest != "" {
			return e.Reply(ctx, req, e.T("err.unknown_suggest", unknown.Word, unknown.Suggest))
		}
		return e.Reply(ctx, req, e.T("err.unknown", unknown.Word))
	case errors.As(err, &usage):
		return e.Reply(ctx, req, func(lang string) string {
			if e.Cat.Has(usage.Key()) {
				return e.Cat.T(lang, "err.usage_why", e.Cat.T(lang, usage.Key()), command.UsageIn(usage.Name, lang))
			}
			return e.Cat.T(lang, "err.usage", command.UsageIn(usage.Name, lang))
		})
	case err != nil:
		return e.Reply(ctx, req, e.T("err.unknown", strings.Fields(in.Text + " ?")[0]))
	}
	if (cmd.Name == command.Cancel || cmd.Name == command.Close) && cmd.Ref == 0 && !cmd.Code && !in.Button && plainForm(in.Text) {
		// "huỷ cuộc họp chiều nay" is chat, not an order to cancel the
		// incident: the slashless form of a closing command must name it.
		word, ref := typedWord(in.Text), e.exampleRef(ctx, req)
		return e.Reply(ctx, req, func(lang string) string {
			reason := "" // /cancel needs one, /close none
			if cmd.Name == command.Cancel {
				reason = e.Cat.T(lang, "word.reason_placeholder")
			}
			return e.Cat.T(lang, "err.plain_confirm", word, ref, reason)
		})
	}
	if p.Language != "" && in.Chat.Direct {
		req.Lang = p.Language
	}
	h, ok := e.handlers()[cmd.Name]
	if !ok {
		return e.Reply(ctx, req, e.T("err.not_yet", "/"+string(cmd.Name)))
	}
	if err := e.permit(ctx, req); err != nil {
		return e.answer(ctx, req, err)
	}
	err = h(ctx, req)
	if err == nil {
		e.audited(ctx, req)
	}
	return e.answer(ctx, req, err)
}

// answer turns a handler's error into the reply the user sees: a refusal
// or question as is, anything else as a short "system error".
func (e *Engine) answer(ctx context.Context, req *change.Request, err error) error {
	var ue *change.Refusal
	if errors.As(err, &ue) {
		return e.ReplyButtons(ctx, req, ue.Text, ue.Buttons)
	}
	if err != nil {
		e.Log.Error("command failed", "command", req.Cmd.Name, "chat", req.In.Chat.String(), "err", err)
		return e.Reply(ctx, req, e.T("err.internal"))
	}
	return nil
}

// plainForm reports whether a command was typed without "/" or a mention.
func plainForm(text string) bool {
	t := strings.TrimSpace(text)
	return !strings.HasPrefix(t, "/") && !strings.HasPrefix(t, "@")
}

// typedWord is the command word as the user typed it ("huỷ", "dong"),
// after an "ir" prefix.
func typedWord(text string) string {
	f := strings.Fields(text)
	if len(f) > 1 && strings.EqualFold(f[0], "ir") {
		f = f[1:]
	}
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// exampleRef is the reference of the incident a command in this chat
// would mean, for an example the user can type; a placeholder when none or
// several.
func (e *Engine) exampleRef(ctx context.Context, req *change.Request) string {
	if id, err := e.Target(ctx, req); err == nil {
		return fmt.Sprintf("%s-%d", e.Cfg.Prefix, id)
	}
	return e.Cfg.Prefix + "-…"
}
