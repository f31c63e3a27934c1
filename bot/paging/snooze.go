package paging

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/bot/oncall"
)

// TimerSnooze ends an incident's snooze.
const TimerSnooze = "snooze"

func snoozeTimerID(inc int64) string { return "snooze:" + strconv.FormatInt(inc, 10) }

// maxSnooze caps a snooze: longer than this, the incident needs a
// maintenance window or a resolution, not a hold.
const maxSnooze = 24 * time.Hour

// SnoozeCmd: /snooze [IR-n] <duration> <reason> holds the incident's
// paging (its alerts are still recorded) until the time is up, then
// reminds and pages again. It is written to the audit log.
func (pg *Pager) SnoozeCmd(ctx context.Context, req *change.Request) error {
	err := pg.OnIncident(ctx, req, func(ctx context.Context, c *change.Change) error {
		if !c.Inc.Open() {
			return pg.Refuse("err.cannot", "/snooze", c.Inc.Ref(), pg.StateName(c.Inc, req.Lang))
		}
		until, ok := oncall.ParseUntil(strings.Join(req.Cmd.Args, " "), c.Now, pg.Cfg.Location)
		if !ok {
			return pg.Refuse("err.until", req.Cmd.Args[0])
		}
		if until.Sub(c.Now) > maxSnooze {
			return pg.Refuse("err.snooze_too_long", pg.R.Dur(maxSnooze, req.Lang))
		}
		c.Inc.Snooze = &bot.Snooze{Until: until, Reason: req.Cmd.Text, By: req.Actor.ID}
		for _, k := range c.Inc.OpenPages() {
			p := c.Inc.Pages[k]
			c.Cancel = append(c.Cancel, escTimerID(c.Inc.ID, p.N, p.Step))
		}
		c.Set = append(c.Set, bot.Timer{ID: snoozeTimerID(c.Inc.ID), Due: until, Kind: TimerSnooze, Incident: c.Inc.ID})
		c.Record(bot.EvSnoozed, map[string]string{"until": until.UTC().Format(time.RFC3339), "reason": req.Cmd.Text})
		c.Notify(ctx, bot.KindNotice, func(lang string) string {
			return pg.Cat.T(lang, "snoozed", c.Inc.Ref(), c.ActorName(), pg.R.Time(until), req.Cmd.Text)
		}, nil)
		return nil
	})
	if err == nil {
		pg.Audit(ctx, bot.EvSnoozed, map[string]string{"person": req.Actor.ID, "text": notify.Clip(req.In.Text, 200), "chat": req.In.Chat.String()})
	}
	return err
}

// FireSnoozeEnd ends a snooze when its time is up: the chats are
// reminded and paging resumes where it stood.
func (pg *Pager) FireSnoozeEnd(ctx context.Context, c *change.Change, t bot.Timer) {
	if c.Inc.Snooze == nil || c.Now.Before(c.Inc.Snooze.Until) {
		return // ended early, or extended
	}
	pg.EndSnooze(ctx, c, "snooze_over")
}

// EndSnooze lifts the hold and pages the current step of every open page
// again. key says why, to the chats.
func (pg *Pager) EndSnooze(ctx context.Context, c *change.Change, key string) {
	if !pg.LiftSnooze(ctx, c, key) || !c.Inc.Open() {
		return
	}
	for _, k := range c.Inc.OpenPages() {
		pg.pageStep(ctx, c, k)
	}
}

// LiftSnooze ends the hold without paging again (the caller pages), and
// tells the chats why; it reports whether there was a snooze.
func (pg *Pager) LiftSnooze(ctx context.Context, c *change.Change, key string) bool {
	if c.Inc.Snooze == nil {
		return false
	}
	c.Inc.Snooze = nil
	c.Cancel = append(c.Cancel, snoozeTimerID(c.Inc.ID))
	c.Record(bot.EvSnoozeEnded, map[string]string{"why": key})
	c.Notify(ctx, bot.KindNotice, pg.T(key, c.Inc.Ref()), nil)
	return true
}
