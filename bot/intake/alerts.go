package intake

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/store"
)

// Route is what intake needs to know about the route alerts came in on.
type Route struct {
	Route       string // route id
	Chat        string // configured chat id incidents are posted in
	Escalation  string // escalation policy; "" = the playbook's
	Playbook    string // playbook when none matches the labels; "" = outage
	AutoResolve bool   // resolve the incident when all its alerts resolved
}

// Alerts takes a batch of alerts from one route. Alerts of one group join
// the group's open incident, or open one (from the playbook whose match:
// fits the labels) and page its escalation policy unless a maintenance
// window covers them. Every alert is recorded in the timeline with its raw
// payload; a repeated notification changes nothing else. When every alert
// of an incident has resolved the chats are told, and with AutoResolve the
// incident is resolved. sev maps an alert to a severity 1..4.
func (d *Desk) Alerts(ctx context.Context, in Route, alerts []bot.Alert, sev func(bot.Alert) int) (bot.AlertResult, error) {
	var res bot.AlertResult
	alerts, err := d.watchdogPings(ctx, in.Route, alerts)
	if err != nil {
		return res, err
	}
	groups := map[string][]bot.Alert{}
	var order []string
	for _, a := range alerts {
		if _, ok := groups[a.GroupKey]; !ok {
			order = append(order, a.GroupKey)
		}
		groups[a.GroupKey] = append(groups[a.GroupKey], a)
	}
	for _, g := range order {
		ref, opened, err := d.alertGroup(ctx, in, g, groups[g], sev)
		if err != nil {
			return res, err
		}
		if ref != "" {
			res.Incidents = append(res.Incidents, ref)
			res.Recorded += len(groups[g])
		}
		if opened {
			res.Opened++
		}
	}
	return res, nil
}

func groupKey(route, group string) string { return "alertgroup:" + route + ":" + group }

// alertGroup handles the alerts of one group.
func (d *Desk) alertGroup(ctx context.Context, in Route, group string, alerts []bot.Alert, sev func(bot.Alert) int) (string, bool, error) {
	defer d.LockKey("alert:" + in.Route + ":" + group)()
	for attempt := 0; attempt < change.MaxRetries; attempt++ {
		id := int64(0)
		if v, err := d.Store.Get(ctx, groupKey(in.Route, group)); err == nil {
			id, _ = strconv.ParseInt(v, 10, 64)
		} else if !errors.Is(err, store.ErrNotFound) {
			return "", false, fmt.Errorf("look up alert group: %w", err)
		}
		if id > 0 {
			inc, err := d.Store.Incident(ctx, id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return "", false, err
			}
			if err == nil && inc.Open() {
				err := d.Apply(ctx, id, nil, func(ctx context.Context, c *change.Change) error {
					d.joinAlerts(ctx, c, in, alerts, sev)
					return nil
				})
				return inc.Ref(), false, err
			}
		}
		firing := false
		for _, a := range alerts {
			firing = firing || a.Status == bot.AlertFiring
		}
		if !firing {
			return "", false, nil // resolved alerts of a group with no open incident: nothing to do
		}
		ref, err := d.openFromAlerts(ctx, in, group, id, alerts, sev)
		if errors.Is(err, store.ErrDuplicate) {
			continue // another process opened it first: join that one
		}
		return ref, err == nil, err
	}
	return "", false, fmt.Errorf("alert group %s/%s: too many concurrent changes", in.Route, group)
}

// matchPlaybook finds the playbook whose match: fits the labels.
func (d *Desk) matchPlaybook(labels map[string]string, fallback string) *playbook.Playbook {
	for _, pb := range d.Books.List() {
		if len(pb.Match) == 0 {
			continue
		}
		ok := true
		for k, vals := range pb.Match {
			if !slices.Contains(vals, labels[k]) {
				ok = false
				break
			}
		}
		if ok {
			return pb
		}
	}
	for _, id := range []string{fallback, "outage"} {
		if pb, ok := d.Books.Get(id); ok && id != "" {
			return pb
		}
	}
	return d.Books.List()[0]
}

// openFromAlerts opens an incident for a new alert group. prev is the
// group's previous (finished) incident, 0 if none: the commit claims the
// group's next generation, so two processes cannot both open one.
func (d *Desk) openFromAlerts(ctx context.Context, in Route, group string, prev int64, alerts []bot.Alert, sevOf func(bot.Alert) int) (string, error) {
	var first bot.Alert
	sev := 4
	for _, a := range alerts {
		if a.Status == bot.AlertFiring {
			if first.Fingerprint == "" {
				first = a
			}
			sev = min(sev, max(sevOf(a), 1))
		}
	}
	pb := d.matchPlaybook(first.Labels, in.Playbook)
	var ref string
	err := d.Numbered(ctx, func(id int64) (*store.Tx, error) {
		tx := d.openTx(ctx, in, group, prev, alerts, first, sev, pb, id)
		ref = tx.Incident.Ref()
		return tx, nil
	})
	if err != nil {
		return "", err
	}
	return ref, nil
}

// openTx is what opening incident number id for an alert group writes.
func (d *Desk) openTx(ctx context.Context, in Route, group string, prev int64, alerts []bot.Alert, first bot.Alert, sev int,
	pb *playbook.Playbook, id int64) *store.Tx {
	now := d.Now()
	title := first.Title
	if n := len(alerts); n > 1 {
		title = fmt.Sprintf("%s (+%d)", title, n-1)
	}
	detected := now
	if !first.StartsAt.IsZero() && first.StartsAt.Before(now) {
		detected = first.StartsAt
	}
	inc := &bot.Incident{ID: id, Prefix: d.Cfg.Prefix, Title: title, Severity: sev, Category: pb.Category,
		Playbook: pb.ID, State: bot.StateTriggered, Chats: d.ChatRefs(in.Chat), CreatedBy: "alert:" + in.Route,
		Detected: detected, Declared: now, Labels: first.Labels, Route: in.Route, Group: group,
		Escalation: cmp.Or(in.Escalation, pb.Escalation)}
	c := &change.Change{Core: d.Core, Now: now, Inc: inc, PB: pb,
		Seen: []string{fmt.Sprintf("alertgroup-open:%s:%s:%d", in.Route, group, prev)},
		Put:  map[string]string{groupKey(in.Route, group): strconv.FormatInt(id, 10)}}
	c.Events = append(c.Events, bot.Event{At: now, Actor: "alert:" + in.Route, Kind: bot.EvDeclared, Data: map[string]string{
		"title": title, "playbook": pb.ID, "severity": notify.Sev(sev), "category": pb.Category, "route": in.Route, "group": group}})
	quiet := d.inMaintenance(ctx, in.Route, first.Labels, now)
	c.Notify(ctx, bot.KindStatus, func(lang string) string {
		s := d.Cat.T(lang, "alert_declared", inc.Ref(), notify.Sev(sev), pb.Name.In(lang), title, in.Route, notify.FirstPhase(pb, lang))
		if quiet != "" {
			s += "\n" + d.Cat.T(lang, "maintenance_quiet", quiet)
		}
		return s
	}, []bot.Button{d.Button("btn.ack", "/ack "+inc.Ref()),
		d.Button("btn.steps", "/steps "+inc.Ref())})
	d.recordAlerts(ctx, c, in, alerts, true)
	if quiet == "" && inc.Escalation != "" {
		if _, ok := d.pager.Policy(bot.Page{Policy: inc.Escalation}); ok {
			d.pager.Start(ctx, c, inc.Escalation, "", "")
		}
	}
	d.Finish(ctx, c)
	return c.Tx()
}

// joinAlerts records alerts on an open incident of their group. A firing
// alert more severe than the incident ends its snooze.
func (d *Desk) joinAlerts(ctx context.Context, c *change.Change, in Route, alerts []bot.Alert, sev func(bot.Alert) int) {
	d.recordAlerts(ctx, c, in, alerts, false)
	if !c.Inc.Snoozed(c.Now) {
		return
	}
	for _, a := range alerts {
		if a.Status == bot.AlertFiring && sev != nil && sev(a) < c.Inc.Severity {
			d.pager.EndSnooze(ctx, c, "snooze_broken")
			return
		}
	}
}

// recordAlerts appends an event per alert and tells the chats of what
// changed: a new firing alert, an alert resolved, all resolved.
func (d *Desk) recordAlerts(ctx context.Context, c *change.Change, in Route, alerts []bot.Alert, opening bool) {
	if c.Inc.Alerts == nil {
		c.Inc.Alerts = map[string]string{}
	}
	var news, resolved []string
	ackedIn := ""
	for _, a := range alerts {
		if a.Status == bot.AlertAcknowledged {
			// Taken in the monitoring tool: recorded, and the incident is
			// acknowledged below; the alert itself stays firing.
			c.Events = append(c.Events, bot.Event{At: c.Now, Actor: "alert:" + in.Route, Kind: bot.EvAlert, Data: map[string]string{
				"status": a.Status, "fingerprint": a.Fingerprint, "title": a.Title, "severity": a.Severity}})
			ackedIn = cmp.Or(a.Source, in.Route)
			continue
		}
		prev, known := c.Inc.Alerts[a.Fingerprint]
		c.Inc.Alerts[a.Fingerprint] = a.Status
		kind := bot.EvAlert
		if known && prev == a.Status {
			kind = bot.EvAlertRepeat
		}
		data := map[string]string{"status": a.Status, "fingerprint": a.Fingerprint, "title": a.Title, "severity": a.Severity}
		if a.Raw != "" {
			sum := sha256.Sum256([]byte(a.Raw))
			h := hex.EncodeToString(sum[:])
			data["raw_sha256"] = h
			if c.Inc.AlertRaw[a.Fingerprint] != h { // the payload once; repeats refer to it by its hash
				data["raw"] = a.Raw
				if c.Inc.AlertRaw == nil {
					c.Inc.AlertRaw = map[string]string{}
				}
				c.Inc.AlertRaw[a.Fingerprint] = h
			}
		}
		c.Events = append(c.Events, bot.Event{At: c.Now, Actor: "alert:" + in.Route, Kind: kind, Data: data})
		switch {
		case kind == bot.EvAlertRepeat || opening:
		case a.Status == bot.AlertFiring:
			news = append(news, a.Title)
		case a.Status == bot.AlertResolved:
			resolved = append(resolved, a.Title)
		}
	}
	if len(news) > 0 {
		c.Notify(ctx, bot.KindNotice, d.T("alert_new", c.Inc.Ref(), notify.Bullets(news)), nil)
	}
	if ackedIn != "" && !opening {
		d.ackFromAlert(ctx, c, in, ackedIn)
	}
	if len(resolved) == 0 {
		return
	}
	for _, st := range c.Inc.Alerts {
		if st == bot.AlertFiring {
			c.Notify(ctx, bot.KindNotice, d.T("alert_resolved", c.Inc.Ref(), notify.Bullets(resolved)), nil)
			return
		}
	}
	if !in.AutoResolve || !c.Inc.Open() {
		c.Notify(ctx, bot.KindNotice, d.T("alerts_all_resolved", c.Inc.Ref()), nil)
		return
	}
	// The route asked for auto-resolve: the monitoring system says it is
	// over. Open steps stay open and show as such in the report.
	to, err := playbook.Fire(ctx, c.PB, c.Inc, bot.EventResolve, nil)
	if err != nil {
		c.Notify(ctx, bot.KindNotice, d.T("alerts_all_resolved", c.Inc.Ref()), nil)
		return
	}
	c.Inc.State, c.Inc.Resolved = to, c.Now
	d.life.StopReminders(c)
	d.pager.Cancel(c)
	c.RecordBot(bot.EvResolved, map[string]string{"summary": d.Cat.T(d.Cfg.Language, "auto_resolved_summary"), "duration": c.Now.Sub(c.Inc.Declared).Round(time.Second).String()})
	c.Notify(ctx, bot.KindStatus, d.T("alerts_auto_resolved", c.Inc.Ref(), notify.Bullets(resolved)), nil)
}

// ackFromAlert acknowledges an incident its monitoring tool says was taken
// there: paging stops and phase 1 starts, as with /ack.
func (d *Desk) ackFromAlert(ctx context.Context, c *change.Change, in Route, source string) {
	if c.Inc.State != bot.StateTriggered {
		return
	}
	if _, err := playbook.Fire(ctx, c.PB, c.Inc, bot.EventAck, nil); err != nil {
		return
	}
	c.Inc.State = bot.StateAcknowledged
	c.Inc.Acknowledged = c.Now
	delay := c.Now.Sub(c.Inc.Declared).Round(time.Second)
	c.Events = append(c.Events, bot.Event{At: c.Now, Actor: "alert:" + in.Route, Kind: bot.EvAck, Data: map[string]string{"after": delay.String()}})
	d.pager.Ack(c, "alert:"+in.Route)
	if err := d.life.EnterNext(ctx, c, func(lang string) string {
		return d.Cat.T(lang, "acked_in_tool", c.Inc.Ref(), source, d.R.Dur(delay, lang))
	}); err != nil {
		d.Log.Warn("acknowledged from an alert, but the first phase did not start", "incident", c.Inc.Ref(), "err", err)
	}
}
