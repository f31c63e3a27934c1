package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/store"
)

// view answers a read-only command about an incident: nothing changes, but
// the reply is committed (with the dedup key) like any other.
func (e *Engine) view(ctx context.Context, req *change.Request, render func(inc *bot.Incident, pb *playbook.Playbook) (change.Text, []bot.Button, error)) error {
	id, err := e.Target(ctx, req)
	if err != nil {
		return err
	}
	inc, err := e.Store.Incident(ctx, id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return e.Refuse("err.no_incident", fmt.Sprintf("%s-%d", e.Cfg.Prefix, id))
		}
		return fmt.Errorf("load incident %d: %w", id, err)
	}
	pb, ok := e.Books.Get(inc.Playbook)
	if !ok {
		return e.Refuse("err.playbook_gone", inc.Ref(), inc.Playbook)
	}
	t, buttons, err := render(inc, pb)
	if err != nil {
		return err
	}
	return e.ReplyButtons(ctx, req, t, buttons) // answered where asked
}

func (e *Engine) status(ctx context.Context, req *change.Request) error {
	return e.view(ctx, req, func(inc *bot.Incident, pb *playbook.Playbook) (change.Text, []bot.Button, error) {
		return func(lang string) string { return e.R.Status(inc, pb, e.Now(), lang) }, e.statusButtons(inc, pb), nil
	})
}

func (e *Engine) steps(ctx context.Context, req *change.Request) error {
	return e.view(ctx, req, func(inc *bot.Incident, pb *playbook.Playbook) (change.Text, []bot.Button, error) {
		all := len(req.Cmd.Args) > 0 && strings.EqualFold(req.Cmd.Args[len(req.Cmd.Args)-1], "all")
		return func(lang string) string { return e.R.Steps(inc, pb, all, lang) }, e.stepButtons(inc, pb, pb.PhaseIndex(inc.State)), nil
	})
}

func (e *Engine) timeline(ctx context.Context, req *change.Request) error {
	return e.view(ctx, req, func(inc *bot.Incident, pb *playbook.Playbook) (change.Text, []bot.Button, error) {
		evs, err := e.Store.Timeline(ctx, inc.ID, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("read timeline %s: %w", inc.Ref(), err)
		}
		return func(lang string) string { return e.R.Timeline(inc, pb, evs, lang) }, nil, nil
	})
}

func (e *Engine) verify(ctx context.Context, req *change.Request) error {
	id, err := e.Target(ctx, req)
	if err != nil {
		return err
	}
	// Checking changes nothing: no event is written, so the count and the
	// last hash stay what they were; who checked goes to the audit log.
	inc, err := e.Store.Incident(ctx, id)
	if err != nil {
		return e.Refuse("err.no_incident", fmt.Sprintf("%s-%d", e.Cfg.Prefix, id))
	}
	evs, err := e.Store.Timeline(ctx, inc.ID, 0)
	if err != nil {
		return fmt.Errorf("read timeline %s: %w", inc.Ref(), err)
	}
	result := "ok"
	reply := e.T("verify_ok", inc.Ref(), len(evs), short(inc.LastHash))
	if err := bot.VerifyIncident(inc, evs); err != nil {
		result = err.Error()
		reply = e.T("verify_broken", inc.Ref(), err.Error())
	}
	e.Audit(ctx, bot.EvVerified, map[string]string{"person": req.Actor.ID, "incident": inc.Ref(), "events": strconv.Itoa(len(evs)),
		"last_hash": inc.LastHash, "result": result})
	return e.Reply(ctx, req, reply)
}

// VerifyIncident is bot.VerifyIncident, for callers that know it here.
func VerifyIncident(inc *bot.Incident, evs []bot.Event) error { return bot.VerifyIncident(inc, evs) }

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func (e *Engine) incidents(ctx context.Context, req *change.Request) error {
	all := len(req.Cmd.Args) > 0 && strings.EqualFold(req.Cmd.Args[0], "all")
	list, err := e.Entries(ctx, !all)
	if err != nil {
		return err
	}
	return e.Reply(ctx, req, func(lang string) string { return e.R.Incidents(list, lang) })
}

func (e *Engine) playbooks(ctx context.Context, req *change.Request) error {
	return e.Reply(ctx, req, func(lang string) string { return e.R.Playbooks(e.Books.List(), lang) })
}

func (e *Engine) help(ctx context.Context, req *change.Request) error {
	topic := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(req.Cmd.Text)), "/")
	if topic != "" {
		n, ok := command.Aliases()[topic]
		if !ok {
			n = command.Name(topic)
		}
		if _, known := e.handlers()[n]; known {
			return e.Reply(ctx, req, func(lang string) string { return e.R.HelpTopic(n, lang) })
		}
		// Not a command: a suggestion and a pointer, not the whole list.
		var words []string
		for _, n := range command.Names() {
			words = append(words, string(n))
		}
		for a := range command.Aliases() {
			words = append(words, a)
		}
		slices.Sort(words)
		if s := command.Closest(topic, words); s != "" {
			return e.Reply(ctx, req, e.T("help_suggest", topic, s))
		}
		return e.Reply(ctx, req, e.T("help_unknown", topic))
	}
	var names []command.Name
	for _, n := range command.Names() {
		if _, ok := e.handlers()[n]; ok {
			names = append(names, n)
		}
	}
	return e.Reply(ctx, req, func(lang string) string { return e.R.Help(names, lang) })
}

// statsCmd: /stats [30d] — time to acknowledge and to resolve, by severity
// and by playbook, over incidents declared in the period.
func (e *Engine) statsCmd(ctx context.Context, req *change.Request) error {
	days := 30
	if s := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(req.Cmd.Text)), "d"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 || n > 3660 {
			return &change.Refusal{Text: func(lang string) string {
				return e.Cat.T(lang, "err.usage", command.UsageIn(command.Stats, lang))
			}}
		}
		days = n
	}
	all, err := e.Entries(ctx, false)
	if err != nil {
		return err
	}
	now := e.Now()
	return e.Reply(ctx, req, func(lang string) string { return e.R.Stats(all, now, days, lang) })
}
