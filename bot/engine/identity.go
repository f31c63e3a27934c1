package engine

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/store"
)

func identityKey(platform, user string) string { return "identity:" + platform + ":" + user }
func linkCodeKey(code string) string           { return "linkcode:" + normCode(code) }

// normCode is a link code as stored: upper case, without the dashes and
// spaces people type between its groups.
func normCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToUpper(code))
}

// Wrong /link codes are limited per account and per chat: linkTries in
// linkWindow, then refused without looking at the code until the window
// ends.
const (
	linkTries  = 5
	linkWindow = time.Hour
)

// actor finds who sent a message: a configured person, or one who linked
// this platform account with /link.
func (e *Engine) actor(ctx context.Context, in bot.Inbound) (bot.Person, bool) {
	if p, ok := e.Cfg.Directory.Lookup(in.Platform, in.User); ok {
		return p, true
	}
	if id, err := e.Store.Get(ctx, identityKey(in.Platform, in.User)); err == nil {
		return e.Cfg.Directory.Person(id)
	}
	return bot.Person{}, false
}

// IssueLinkCode makes a one-time code with which person links a chat
// account (/link <code>), valid for ttl.
func (e *Engine) IssueLinkCode(ctx context.Context, person string, ttl time.Duration) (string, error) {
	p, ok := e.Cfg.Directory.Person(person)
	if !ok {
		return "", fmt.Errorf("no person %q in the configuration", person)
	}
	var b [10]byte // 80 bits: at linkTries guesses an hour, out of reach for any code's life
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	raw := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
	code := raw[:4] + "-" + raw[4:8] + "-" + raw[8:12] + "-" + raw[12:]
	exp := e.Now().Add(ttl).Unix()
	err := e.Commit(ctx, &store.Tx{Put: map[string]string{linkCodeKey(code): p.ID + "|" + strconv.FormatInt(exp, 10)}})
	if err != nil {
		return "", err
	}
	e.Audit(ctx, bot.EvLinkCodeIssued, map[string]string{"person": p.ID, "expires": time.Unix(exp, 0).UTC().Format(time.RFC3339)})
	return code, nil
}

// link handles /link <code> from any platform account, known or not.
func (e *Engine) link(ctx context.Context, req *change.Request) error {
	code := strings.TrimSpace(req.Cmd.Text)
	now := e.Now()
	keys := []string{"linkfail:" + req.In.Platform + ":" + req.In.User, "linkfail:chat:" + req.In.Chat.String()}
	for _, k := range keys {
		if n, until := e.linkFailures(ctx, k, now); n >= linkTries {
			return e.Refuse("err.link_wait", e.R.Dur(until.Sub(now), req.Lang))
		}
	}
	v, err := e.Store.Get(ctx, linkCodeKey(code))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	id, expS, _ := strings.Cut(v, "|")
	exp, _ := strconv.ParseInt(expS, 10, 64)
	if reason := map[bool]string{true: "unknown code", false: "expired code"}[v == ""]; v == "" || now.Unix() > exp {
		return e.linkFailed(ctx, req, keys, now, reason)
	}
	p, _ := e.Cfg.Directory.Person(id)
	tx := &store.Tx{Seen: req.Seen, Put: map[string]string{linkCodeKey(code): "", identityKey(req.In.Platform, req.In.User): id},
		Outbox: []bot.Outgoing{{Chat: req.In.Chat, Kind: bot.KindReply, ReplyTo: req.In.MessageID,
			Text: e.Cat.T(cmp.Or(p.Language, req.Lang), "linked", cmp.Or(p.Name, p.ID), req.In.Platform)}}}
	if err := e.Commit(ctx, tx); err != nil {
		return err
	}
	e.Audit(ctx, bot.EvLinked, map[string]string{"person": id, "platform": req.In.Platform, "user": req.In.User})
	return nil
}

// stranger answers someone not on the responder list: one polite refusal
// per account, and an audit entry every time.
func (e *Engine) stranger(ctx context.Context, req *change.Request) error {
	e.Audit(ctx, bot.EvStranger, map[string]string{"platform": req.In.Platform, "user": req.In.User,
		"name": req.In.UserName, "chat": req.In.Chat.String(), "text": notify.Clip(req.In.Text, 200)})
	key := "stranger:" + req.In.Platform + ":" + req.In.User
	tx := &store.Tx{Seen: append([]string{key}, req.Seen...), Outbox: []bot.Outgoing{{Chat: req.In.Chat, Kind: bot.KindReply,
		ReplyTo: req.In.MessageID, Text: e.Cat.T(req.Lang, "err.stranger")}}}
	err := e.Store.Commit(ctx, tx)
	if errors.Is(err, store.ErrDuplicate) {
		return nil // refused once already: stay quiet
	}
	if err == nil && e.Cfg.OnCommit != nil {
		e.Cfg.OnCommit(tx)
	}
	return err
}

// linkFailures returns the wrong /link attempts counted under key in the
// current window, and when that window ends.
func (e *Engine) linkFailures(ctx context.Context, key string, now time.Time) (int, time.Time) {
	v, err := e.Store.Get(ctx, key)
	if err != nil {
		return 0, now
	}
	nS, startS, _ := strings.Cut(v, "|")
	n, _ := strconv.Atoi(nS)
	start, _ := strconv.ParseInt(startS, 10, 64)
	end := time.Unix(start, 0).Add(linkWindow)
	if !now.Before(end) {
		return 0, now
	}
	return n, end
}

// linkFailed counts a wrong code against the account and the chat, audits
// the first wrong try of a window and the one that reaches the limit (the
// rest are counted, so a flood cannot grow the log), and refuses.
func (e *Engine) linkFailed(ctx context.Context, req *change.Request, keys []string, now time.Time, reason string) error {
	put := map[string]string{}
	worst := 0
	for _, k := range keys {
		n, end := e.linkFailures(ctx, k, now)
		start := end.Add(-linkWindow)
		if n == 0 {
			start = now
		}
		n++
		worst = max(worst, n)
		put[k] = strconv.Itoa(n) + "|" + strconv.FormatInt(start.Unix(), 10)
	}
	if err := e.Commit(ctx, &store.Tx{Put: put}); err != nil {
		return err
	}
	if worst == 1 || worst == linkTries {
		e.Audit(ctx, bot.EvLinkRefused, map[string]string{"platform": req.In.Platform, "user": req.In.User,
			"chat": req.In.Chat.String(), "reason": reason, "tries": strconv.Itoa(worst)})
	}
	return e.Refuse("err.link_code")
}
