package change

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/store"
)

// Request is one inbound command being handled.
type Request struct {
	In    bot.Inbound
	Cmd   command.Command
	Actor bot.Person
	Lang  string
	Seen  []string
	Quiet bool // one of many changes of one command: tell the incidents' chats, not the asker (it gets one answer)
}

// Handler handles one command.
type Handler func(ctx context.Context, req *Request) error

// Text is a message rendered in the reader's language.
type Text func(lang string) string

// T is the catalogue's message key with args, in the reader's language.
func (k *Core) T(key string, args ...any) Text {
	return func(lang string) string { return k.Cat.T(lang, key, args...) }
}

// Refusal is a refusal or a question for the user: it becomes a reply,
// never a log line.
type Refusal struct {
	Text    Text
	Buttons []bot.Button
}

func (r *Refusal) Error() string { return r.Text("en") }

// Refuse is a Refusal worded by the catalogue's key with args.
func (k *Core) Refuse(key string, args ...any) error { return &Refusal{Text: k.T(key, args...)} }

// Reply commits a reply to the request's chat (and its dedup key).
func (k *Core) Reply(ctx context.Context, req *Request, t Text) error {
	return k.ReplyButtons(ctx, req, t, nil)
}

// ReplyButtons commits a reply with buttons to the request's chat.
func (k *Core) ReplyButtons(ctx context.Context, req *Request, t Text, buttons []bot.Button) error {
	tx := &store.Tx{Seen: req.Seen, Outbox: []bot.Outgoing{{
		Chat: req.In.Chat, Kind: bot.KindReply, Text: t(req.Lang), Buttons: buttons, ReplyTo: req.In.MessageID,
	}}}
	return k.Commit(ctx, tx)
}

// OnIncident resolves the command's incident and applies fn to it. A group
// chat that acts on an incident it was not part of joins it, so from then on
// it is told of everything, like the chats the incident began in.
func (k *Core) OnIncident(ctx context.Context, req *Request, fn func(ctx context.Context, c *Change) error) error {
	id, err := k.Target(ctx, req)
	if err != nil {
		return err
	}
	return k.Apply(ctx, id, req, func(ctx context.Context, c *Change) error {
		if err := fn(ctx, c); err != nil {
			return err
		}
		if !k.IsDirect(req.In.Chat) && !c.Inc.HasChat(req.In.Chat) && c.Inc.Open() {
			for _, ch := range k.BoundChats(req.In.Chat) {
				if !c.Inc.HasChat(ch) {
					c.Inc.Chats = append(c.Inc.Chats, ch)
				}
			}
			c.Record(bot.EvChatJoined, map[string]string{"chat": req.In.Chat.String()})
		}
		return nil
	})
}

// Target finds the incident a command means: its ref, else the chat's
// single open incident, else (none open) the chat's latest incident. With
// several open it asks which, with a button for each.
func (k *Core) Target(ctx context.Context, req *Request) (int64, error) {
	if req.Cmd.Ref > 0 {
		return int64(req.Cmd.Ref), nil
	}
	// The open incidents first (an index); all of them only when none is
	// open here.
	all, err := k.Store.Incidents(ctx, true)
	if err != nil {
		return 0, fmt.Errorf("list incidents: %w", err)
	}
	found := false
	for _, inc := range all {
		found = found || inc.HasChat(req.In.Chat)
	}
	if !found {
		if all, err = k.Store.Incidents(ctx, false); err != nil {
			return 0, fmt.Errorf("list incidents: %w", err)
		}
	}
	var here []*bot.Incident
	var latest *bot.Incident // the chat's most recently changed incident
	for _, inc := range all {
		if !inc.HasChat(req.In.Chat) {
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
		return 0, k.Refuse("err.no_open")
	}
	refs := make([]string, len(here))
	var buttons []bot.Button
	args := ArgsOf(req.Cmd)
	for i, inc := range here {
		refs[i] = inc.Ref() + " " + notify.Clip(inc.Title, 40)
		if i < 4 {
			// The button repeats the command with the incident named, its
			// arguments kept when they fit a button (64 bytes).
			data := "/" + string(req.Cmd.Name) + " " + inc.Ref()
			if args != "" && len(data)+1+len(args) <= 64 {
				data += " " + args
			}
			buttons = append(buttons, bot.Button{Label: inc.Ref(), Data: data})
		}
	}
	// The example is the command as asked, with the first incident named:
	// typed as shown, it works.
	example := strings.TrimSpace("/" + string(req.Cmd.Name) + " " + here[0].Ref() + " " + notify.Clip(args, 60))
	return 0, &Refusal{Text: k.T("err.which", strings.Join(refs, "\n"), example), Buttons: buttons}
}

// ArgsOf writes a parsed command's arguments back as text, without its
// incident: "binh kiểm tra máy chủ" for /page binh kiểm tra máy chủ.
func ArgsOf(c command.Command) string {
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
