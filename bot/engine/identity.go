package engine

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
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
	if p, ok := e.o.Directory.Lookup(in.Platform, in.User); ok {
		return p, true
	}
	if id, err := e.st.Get(ctx, identityKey(in.Platform, in.User)); err == nil {
		return e.o.Directory.Person(id)
	}
	return bot.Person{}, false
}

// IssueLinkCode makes a one-time code with which person links a chat
// account (/link <code>), valid for ttl.
func (e *Engine) IssueLinkCode(ctx context.Context, person string, ttl time.Duration) (string, error) {
	p, ok := e.o.Directory.Person(person)
	if !ok {
		return "", fmt.Errorf("no person %q in the configuration", person)
	}
	var b [10]byte // 80 bits: at linkTries guesses an hour, out of reach for any code's life
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	raw := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
	code := raw[:4] + "-" + raw[4:8] + "-" + raw[8:12] + "-" + raw[12:]
	exp := e.o.Clock.Now().Add(ttl).Unix()
	err := e.commit(ctx, &store.Tx{Put: map[string]string{linkCodeKey(code): p.ID + "|" + strconv.FormatInt(exp, 10)}})
	if err != nil {
		return "", err
	}
	e.audit(ctx, bot.EvLinkCodeIssued, map[string]string{"person": p.ID, "expires": time.Unix(exp, 0).UTC().Format(time.RFC3339)})
	return code, nil
}

// link handles /link <code> from any platform account, known or not.
func (e *Engine) link(ctx context.Context, req *request) error {
	code := strings.TrimSpace(req.cmd.Text)
	now := e.o.Clock.Now()
	keys := []string{"linkfail:" + req.in.Platform + ":" + req.in.User, "linkfail:chat:" + req.in.Chat.String()}
	for _, k := range keys {
		if n, until := e.linkFailures(ctx, k, now); n >= linkTries {
			return e.refuse("err.link_wait", e.r.Dur(until.Sub(now), req.lang))
		}
	}
	v, err := e.st.Get(ctx, linkCodeKey(code))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	id, expS, _ := strings.Cut(v, "|")
	exp, _ := strconv.ParseInt(expS, 10, 64)
	if reason := map[bool]string{true: "unknown code", false: "expired code"}[v == ""]; v == "" || now.Unix() > exp {
		return e.linkFailed(ctx, req, keys, now, reason)
	}
	p, _ := e.o.Directory.Person(id)
	tx := &store.Tx{Seen: req.seen, Put: map[string]string{linkCodeKey(code): "", identityKey(req.in.Platform, req.in.User): id},
		Outbox: []bot.Outgoing{{Chat: req.in.Chat, Kind: bot.KindReply, ReplyTo: req.in.MessageID,
			Text: e.cat.T(firstNonEmpty(p.Language, req.lang), "linked", firstNonEmpty(p.Name, p.ID), req.in.Platform)}}}
	if err := e.commit(ctx, tx); err != nil {
		return err
	}
	e.audit(ctx, bot.EvLinked, map[string]string{"person": id, "platform": req.in.Platform, "user": req.in.User})
	return nil
}

// stranger answers someone not on the responder list: one polite refusal
// per account, and an audit entry every time.
func (e *Engine) stranger(ctx context.Context, req *request) error {
	e.audit(ctx, bot.EvStranger, map[string]string{"platform": req.in.Platform, "user": req.in.User,
		"name": req.in.UserName, "chat": req.in.Chat.String(), "text": notify.Clip(req.in.Text, 200)})
	key := "stranger:" + req.in.Platform + ":" + req.in.User
	tx := &store.Tx{Seen: append([]string{key}, req.seen...), Outbox: []bot.Outgoing{{Chat: req.in.Chat, Kind: bot.KindReply,
		ReplyTo: req.in.MessageID, Text: e.cat.T(req.lang, "err.stranger")}}}
	err := e.st.Commit(ctx, tx)
	if errors.Is(err, store.ErrDuplicate) {
		return nil // refused once already: stay quiet
	}
	if err == nil && e.o.OnCommit != nil {
		e.o.OnCommit(tx)
	}
	return err
}

// linkFailures returns the wrong /link attempts counted under key in the
// current window, and when that window ends.
func (e *Engine) linkFailures(ctx context.Context, key string, now time.Time) (int, time.Time) {
	v, err := e.st.Get(ctx, key)
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
func (e *Engine) linkFailed(ctx context.Context, req *request, keys []string, now time.Time, reason string) error {
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
	if err := e.commit(ctx, &store.Tx{Put: put}); err != nil {
		return err
	}
	if worst == 1 || worst == linkTries {
		e.audit(ctx, bot.EvLinkRefused, map[string]string{"platform": req.in.Platform, "user": req.in.User,
			"chat": req.in.Chat.String(), "reason": reason, "tries": strconv.Itoa(worst)})
	}
	return e.refuse("err.link_code")
}

// personName names a person id: their configured name, else the id.
func (e *Engine) personName(id string) string {
	if p, ok := e.o.Directory.Person(id); ok && p.Name != "" {
		return p.Name
	}
	return id
}
