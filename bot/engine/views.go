package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/store"
)

// view answers a read-only command about an incident: nothing changes, but
// the reply is committed (with the dedup key) like any other.
func (e *Engine) view(ctx context.Context, req *request, render func(inc *bot.Incident, pb *playbook.Playbook) (text, []bot.Button, error)) error {
	id, err := e.target(ctx, req)
	if err != nil {
		return err
	}
	inc, err := e.st.Incident(ctx, id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return e.refuse("err.no_incident", fmt.Sprintf("%s-%d", e.o.Prefix, id))
		}
		return fmt.Errorf("load incident %d: %w", id, err)
	}
	pb, ok := e.books.Get(inc.Playbook)
	if !ok {
		return e.refuse("err.playbook_gone", inc.Ref(), inc.Playbook)
	}
	t, buttons, err := render(inc, pb)
	if err != nil {
		return err
	}
	return e.replyButtons(ctx, req, t, buttons) // answered where asked
}

func (e *Engine) status(ctx context.Context, req *request) error {
	return e.view(ctx, req, func(inc *bot.Incident, pb *playbook.Playbook) (text, []bot.Button, error) {
		return func(lang string) string { return e.r.Status(inc, pb, e.o.Clock.Now(), lang) }, e.statusButtons(inc, pb), nil
	})
}

func (e *Engine) steps(ctx context.Context, req *request) error {
	return e.view(ctx, req, func(inc *bot.Incident, pb *playbook.Playbook) (text, []bot.Button, error) {
		all := len(req.cmd.Args) > 0 && strings.EqualFold(req.cmd.Args[len(req.cmd.Args)-1], "all")
		return func(lang string) string { return e.r.Steps(inc, pb, all, lang) }, e.stepButtons(inc, pb, pb.PhaseIndex(inc.State)), nil
	})
}

func (e *Engine) timeline(ctx context.Context, req *request) error {
	return e.view(ctx, req, func(inc *bot.Incident, pb *playbook.Playbook) (text, []bot.Button, error) {
		evs, err := e.st.Timeline(ctx, inc.ID, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("read timeline %s: %w", inc.Ref(), err)
		}
		return func(lang string) string { return e.r.Timeline(inc, pb, evs, lang) }, nil, nil
	})
}

func (e *Engine) verify(ctx context.Context, req *request) error {
	id, err := e.target(ctx, req)
	if err != nil {
		return err
	}
	// Checking changes nothing: no event is written, so the count and the
	// last hash stay what they were; who checked goes to the audit log.
	inc, err := e.st.Incident(ctx, id)
	if err != nil {
		return e.refuse("err.no_incident", fmt.Sprintf("%s-%d", e.o.Prefix, id))
	}
	evs, err := e.st.Timeline(ctx, inc.ID, 0)
	if err != nil {
		return fmt.Errorf("read timeline %s: %w", inc.Ref(), err)
	}
	result := "ok"
	reply := e.t("verify_ok", inc.Ref(), len(evs), short(inc.LastHash))
	if err := bot.VerifyIncident(inc, evs); err != nil {
		result = err.Error()
		reply = e.t("verify_broken", inc.Ref(), err.Error())
	}
	e.audit(ctx, bot.EvVerified, map[string]string{"person": req.actor.ID, "incident": inc.Ref(), "events": strconv.Itoa(len(evs)),
		"last_hash": inc.LastHash, "result": result})
	return e.reply(ctx, req, reply)
}

// VerifyIncident is bot.VerifyIncident, for callers that know it here.
func VerifyIncident(inc *bot.Incident, evs []bot.Event) error { return bot.VerifyIncident(inc, evs) }

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func (e *Engine) incidents(ctx context.Context, req *request) error {
	all := len(req.cmd.Args) > 0 && strings.EqualFold(req.cmd.Args[0], "all")
	list, err := e.entries(ctx, !all)
	if err != nil {
		return err
	}
	return e.reply(ctx, req, func(lang string) string { return e.r.Incidents(list, lang) })
}

func (e *Engine) playbooks(ctx context.Context, req *request) error {
	return e.reply(ctx, req, func(lang string) string { return e.r.Playbooks(e.books.List(), lang) })
}

func (e *Engine) help(ctx context.Context, req *request) error {
	topic := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(req.cmd.Text)), "/")
	if topic != "" {
		n, ok := command.Aliases()[topic]
		if !ok {
			n = command.Name(topic)
		}
		if _, known := e.handlers()[n]; known {
			return e.reply(ctx, req, func(lang string) string { return e.r.HelpTopic(n, lang) })
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
			return e.reply(ctx, req, e.t("help_suggest", topic, s))
		}
		return e.reply(ctx, req, e.t("help_unknown", topic))
	}
	var names []command.Name
	for _, n := range command.Names() {
		if _, ok := e.handlers()[n]; ok {
			names = append(names, n)
		}
	}
	return e.reply(ctx, req, func(lang string) string { return e.r.Help(names, lang) })
}

// statsCmd: /stats [30d] — time to acknowledge and to resolve, by severity
// and by playbook, over incidents declared in the period.
func (e *Engine) statsCmd(ctx context.Context, req *request) error {
	days := 30
	if s := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(req.cmd.Text)), "d"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 || n > 3660 {
			return e.refuse("err.usage", "/stats [30d]")
		}
		days = n
	}
	all, err := e.entries(ctx, false)
	if err != nil {
		return err
	}
	now := e.o.Clock.Now()
	return e.reply(ctx, req, func(lang string) string { return e.r.Stats(all, now, days, lang) })
}

// entries lists the incidents (only the open ones with open) with their
// playbooks, without the audit log.
func (e *Engine) entries(ctx context.Context, open bool) ([]notify.Entry, error) {
	list, err := e.st.Incidents(ctx, open)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	var out []notify.Entry
	for _, inc := range list {
		if inc.ID != AuditID {
			pb, _ := e.books.Get(inc.Playbook)
			out = append(out, notify.Entry{Incident: inc, Playbook: pb})
		}
	}
	return out, nil
}
