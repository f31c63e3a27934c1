package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/store"
)

// request is one inbound command being handled.
type request struct {
	in    bot.Inbound
	cmd   command.Command
	actor bot.Person
	lang  string
	seen  []string
	quiet bool // one of many changes of one command: tell the incidents' chats, not the asker (it gets one answer)
}

// Handle acts on one inbound message or button press: it parses the
// command, applies it and commits the result, replies included, to the
// outbox. A message seen before (same platform update id) changes nothing.
// Ordinary chatter that is not a command is ignored. Handle returns an error
// only when the store fails; everything a user did wrong becomes a reply.
func (e *Engine) Handle(ctx context.Context, in bot.Inbound) (err error) {
	req := &request{in: in}
	defer func() {
		// A bug must not take the bot down or show anyone a stack trace:
		// log it for the operators, tell the user nothing was changed.
		if v := recover(); v != nil {
			e.log.Error("command panicked", "text", notify.Clip(in.Text, 100), "chat", in.Chat.String(), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			err = e.reply(ctx, req, e.t("err.internal"))
		}
	}()
	if in.ID != "" {
		key := "in:" + in.Platform + ":" + in.ID
		seen, err := e.st.Seen(ctx, key)
		if err != nil {
			return fmt.Errorf("check inbound %s: %w", key, err)
		}
		if seen {
			return nil
		}
		req.seen = []string{key}
	}
	req.lang = e.chatLang(ctx, in.Chat)
	cmd, err := command.ParseWith(in.Text, &command.Options{BotName: e.o.BotName, Prefix: e.o.Prefix, MaxLen: e.o.MaxLen[in.Platform]})
	if errors.Is(err, command.ErrNotCommand) || errors.Is(err, command.ErrNotForMe) {
		return nil
	}
	req.cmd = cmd
	p, known := e.actor(ctx, in)
	switch {
	case known:
		req.actor = p
	case e.o.Directory.Open():
		req.actor = bot.Person{ID: in.User, Name: firstNonEmpty(in.UserName, in.User)}
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
		return e.reply(ctx, req, e.t("err.too_long", tooLong.N, tooLong.Max))
	case errors.As(err, &unknown):
		if unknown.Suggest != "" {
			return e.reply(ctx, req, e.t("err.unknown_suggest", unknown.Word, unknown.Suggest))
		}
		return e.reply(ctx, req, e.t("err.unknown", unknown.Word))
	case errors.As(err, &usage):
		return e.reply(ctx, req, func(lang string) string {
			return e.cat.T(lang, "err.usage", command.UsageIn(usage.Name, lang))
		})
	case err != nil:
		return e.reply(ctx, req, e.t("err.unknown", strings.Fields(in.Text + " ?")[0]))
	}
	if (cmd.Name == command.Cancel || cmd.Name == command.Close) && cmd.Ref == 0 && !cmd.Code && !in.Button && plainForm(in.Text) {
		// "huỷ cuộc họp chiều nay" is chat, not an order to cancel the
		// incident: the slashless form of a closing command must name it.
		return e.reply(ctx, req, e.t("err.plain_confirm", string(cmd.Name)))
	}
	if p.Language != "" && in.Chat.Direct {
		req.lang = p.Language
	}
	h, ok := e.handlers()[cmd.Name]
	if !ok {
		return e.reply(ctx, req, e.t("err.not_yet", "/"+string(cmd.Name)))
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
func (e *Engine) answer(ctx context.Context, req *request, err error) error {
	var ue *userError
	if errors.As(err, &ue) {
		return e.replyButtons(ctx, req, ue.t, ue.buttons)
	}
	if err != nil {
		e.log.Error("command failed", "command", req.cmd.Name, "chat", req.in.Chat.String(), "err", err)
		return e.reply(ctx, req, e.t("err.internal"))
	}
	return nil
}

// text is a message rendered in the reader's language.
type text func(lang string) string

func (e *Engine) t(key string, args ...any) text {
	return func(lang string) string { return e.cat.T(lang, key, args...) }
}

// userError is a refusal or a question for the user: it becomes a reply,
// never a log line.
type userError struct {
	t       text
	buttons []bot.Button
}

func (u *userError) Error() string { return u.t("en") }

func (e *Engine) refuse(key string, args ...any) error { return &userError{t: e.t(key, args...)} }

// reply commits a reply to the request's chat (and its dedup key).
func (e *Engine) reply(ctx context.Context, req *request, t text) error {
	return e.replyButtons(ctx, req, t, nil)
}

func (e *Engine) replyButtons(ctx context.Context, req *request, t text, buttons []bot.Button) error {
	tx := &store.Tx{Seen: req.seen, Outbox: []bot.Outgoing{{
		Chat: req.in.Chat, Kind: bot.KindReply, Text: t(req.lang), Buttons: buttons, ReplyTo: req.in.MessageID,
	}}}
	return e.commit(ctx, tx)
}

// target finds the incident a command means: its ref, else the chat's
// single open incident, else (none open) the chat's latest incident. With
// several open it asks which, with a button for each.
func (e *Engine) target(ctx context.Context, req *request) (int64, error) {
	if req.cmd.Ref > 0 {
		return int64(req.cmd.Ref), nil
	}
	// The open incidents first (an index); all of them only when none is
	// open here.
	all, err := e.st.Incidents(ctx, true)
	if err != nil {
		return 0, fmt.Errorf("list incidents: %w", err)
	}
	found := false
	for _, inc := range all {
		found = found || inc.HasChat(req.in.Chat)
	}
	if !found {
		if all, err = e.st.Incidents(ctx, false); err != nil {
			return 0, fmt.Errorf("list incidents: %w", err)
		}
	}
	var here []*bot.Incident
	var latest *bot.Incident // the chat's most recently changed incident
	for _, inc := range all {
		if !inc.HasChat(req.in.Chat) {
			continue
		}
		if inc.Open() {
			here = append(here, inc)
		}
		if latest == nil || inc.Updated.After(latest.Updated) {
			latest = inc
		}
	}
	switch {
	case len(here) == 1:
		return here[0].ID, nil
	case len(here) == 0 && latest != nil:
		// Nothing open here: the chat means the incident it just finished
		// (/close after /resolve, /reopen, /timeline).
		return latest.ID, nil
	case len(here) == 0:
		return 0, e.refuse("err.no_open")
	}
	refs := make([]string, len(here))
	var buttons []bot.Button
	for i, inc := range here {
		refs[i] = inc.Ref() + " " + notify.Clip(inc.Title, 40)
		if i < 4 {
			// The button repeats the command with the incident named, its
			// arguments kept when they fit a button (64 bytes).
			data := "/" + string(req.cmd.Name) + " " + inc.Ref()
			if args := argsOf(req.cmd); args != "" && len(data)+1+len(args) <= 64 {
				data += " " + args
			}
			buttons = append(buttons, bot.Button{Label: inc.Ref(), Data: data})
		}
	}
	return 0, &userError{t: e.t("err.which", strings.Join(refs, "\n"), "/"+string(req.cmd.Name)), buttons: buttons}
}

// argsOf writes a parsed command's arguments back as text, without its
// incident: "binh kiểm tra máy chủ" for /page binh kiểm tra máy chủ.
func argsOf(c command.Command) string {
	var parts []string
	if c.Step > 0 {
		parts = append(parts, strconv.Itoa(c.Step))
	}
	if c.Sev > 0 && c.Name == command.Sev {
		parts = append(parts, strconv.Itoa(c.Sev))
	}
	if c.Role != "" {
		parts = append(parts, c.Role)
	}
	if c.User != "" {
		parts = append(parts, c.User)
	}
	if c.Text != "" {
		parts = append(parts, c.Text)
	}
	return strings.Join(parts, " ")
}

// plainForm reports whether a command was typed without "/" or a mention.
func plainForm(text string) bool {
	t := strings.TrimSpace(text)
	return !strings.HasPrefix(t, "/") && !strings.HasPrefix(t, "@")
}

// firstNonEmpty returns the first of s that is not empty.
func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
