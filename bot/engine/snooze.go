package engine

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/bot/oncall"
)

// TimerSnooze ends an incident's snooze.
const TimerSnooze = "snooze"

func snoozeTimerID(inc int64) string { return "snooze:" + strconv.FormatInt(inc, 10) }

// maxSnooze caps a snooze: longer than this, the incident needs a
// maintenance window or a resolution, not a hold.
const maxSnooze = 24 * time.Hour

// snoozeCmd: /snooze [IR-n] <duration> <reason> holds the incident's
// paging (its alerts are still recorded) until the time is up, then
// reminds and pages again. It is written to the audit log.
func (e *Engine) snoozeCmd(ctx context.Context, req *request) error {
	err := e.onIncident(ctx, req, func(ctx context.Context, c *change) error {
		if !c.inc.Open() {
			return e.refuse("err.cannot", "/snooze", c.inc.Ref(), e.stateName(c.inc, req.lang))
		}
		until, ok := oncall.ParseUntil(strings.Join(req.cmd.Args, " "), c.now, e.o.Location)
		if !ok {
			return e.refuse("err.until", req.cmd.Args[0])
		}
		if until.Sub(c.now) > maxSnooze {
			return e.refuse("err.snooze_too_long", e.r.Dur(maxSnooze, req.lang))
		}
		c.inc.Snooze = &bot.Snooze{Until: until, Reason: req.cmd.Text, By: req.actor.ID}
		for _, k := range c.inc.OpenPages() {
			p := c.inc.Pages[k]
			c.cancel = append(c.cancel, escTimerID(c.inc.ID, p.N, p.Step))
		}
		c.set = append(c.set, bot.Timer{ID: snoozeTimerID(c.inc.ID), Due: until, Kind: TimerSnooze, Incident: c.inc.ID})
		c.record(bot.EvSnoozed, map[string]string{"until": until.UTC().Format(time.RFC3339), "reason": req.cmd.Text})
		c.notify(ctx, bot.KindNotice, func(lang string) string {
			return e.cat.T(lang, "snoozed", c.inc.Ref(), c.actorName(), e.r.Time(until), req.cmd.Text)
		}, nil)
		return nil
	})
	if err == nil {
		e.audit(ctx, bot.EvSnoozed, map[string]string{"person": req.actor.ID, "text": notify.Clip(req.in.Text, 200), "chat": req.in.Chat.String()})
	}
	return err
}

// fireSnoozeEnd ends a snooze when its time is up: the chats are
// reminded and paging resumes where it stood.
func (e *Engine) fireSnoozeEnd(ctx context.Context, c *change, t bot.Timer) {
	if c.inc.Snooze == nil || c.now.Before(c.inc.Snooze.Until) {
		return // ended early, or extended
	}
	e.endSnooze(ctx, c, "snooze_over")
}

// endSnooze lifts the hold and pages the current step of every open page
// again. key says why, to the chats.
func (e *Engine) endSnooze(ctx context.Context, c *change, key string) {
	if !e.liftSnooze(ctx, c, key) || !c.inc.Open() {
		return
	}
	for _, k := range c.inc.OpenPages() {
		e.pageStep(ctx, c, k)
	}
}

// liftSnooze ends the hold without paging again (the caller pages), and
// tells the chats why; it reports whether there was a snooze.
func (e *Engine) liftSnooze(ctx context.Context, c *change, key string) bool {
	if c.inc.Snooze == nil {
		return false
	}
	c.inc.Snooze = nil
	c.cancel = append(c.cancel, snoozeTimerID(c.inc.ID))
	c.record(bot.EvSnoozeEnded, map[string]string{"why": key})
	c.notify(ctx, bot.KindNotice, e.t(key, c.inc.Ref()), nil)
	return true
}
