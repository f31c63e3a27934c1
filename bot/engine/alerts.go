package engine

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/irbot/irbot/bot/change"
	"slices"
	"strconv"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/store"
)

// Intake is what the engine needs to know about the route alerts came in on.
type Intake struct {
	Route       string // route id
	Chat        string // configured chat id incidents are posted in
	Escalation  string // escalation policy; "" = the playbook's
	Playbook    string // playbook when none matches the labels; "" = outage
	AutoResolve bool   // resolve the incident when all its alerts resolved
}

// AlertResult is bot.AlertResult: what an intake did, for the HTTP answer.
type AlertResult = bot.AlertResult

// Alerts takes a batch of alerts from one route. Alerts of one group join
// the group's open incident, or open one (from the playbook whose match:
// fits the labels) and page its escalation policy unless a maintenance
// window covers them. Every alert is recorded in the timeline with its raw
// payload; a repeated notification changes nothing else. When every alert
// of an incident has resolved the chats are told, and with AutoResolve the
// incident is resolved. sev maps an alert to a severity 1..4.
func (e *Engine) Alerts(ctx context.Context, in Intake, alerts []bot.Alert, sev func(bot.Alert) int) (AlertResult, error) {
	var res AlertResult
	alerts, err := e.watchdogPings(ctx, in.Route, alerts)
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
		ref, opened, err := e.alertGroup(ctx, in, g, groups[g], sev)
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
func (e *Engine) alertGroup(ctx context.Context, in Intake, group string, alerts []bot.Alert, sev func(bot.Alert) int) (string, bool, error) {
	defer e.LockKey("alert:" + in.Route + ":" + group)()
	for attempt := 0; attempt < change.MaxRetries; attempt++ {
		id := int64(0)
		if v, err := e.Store.Get(ctx, groupKey(in.Route, group)); err == nil {
			id, _ = strconv.ParseInt(v, 10, 64)
		} else if !errors.Is(err, store.ErrNotFound) {
			return "", false, fmt.Errorf("look up alert group: %w", err)
		}
		if id > 0 {
			inc, err := e.Store.Incident(ctx, id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return "", false, err
			}
			if err == nil && inc.Open() {
				err := e.Apply(ctx, id, nil, func(ctx context.Context, c *change.Change) error {
					e.joinAlerts(ctx, c, in, alerts, sev)
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
		ref, err := e.openFromAlerts(ctx, in, group, id, alerts, sev)
		if errors.Is(err, store.ErrDuplicate) {
			continue // another process opened it first: join that one
		}
		return ref, err == nil, err
	}
	return "", false, fmt.Errorf("alert group %s/%s: too many concurrent changes", in.Route, group)
}

// matchPlaybook finds the playbook whose match: fits the labels.
func (e *Engine) matchPlaybook(labels map[string]string, fallback string) *playbook.Playbook {
	for _, pb := range e.Books.List() {
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
		if pb, ok := e.Books.Get(id); ok && id != "" {
			return pb
		}
	}
	return e.Books.List()[0]
}

// openFromAlerts opens an incident for a new alert group. prev is the
// group's previous (finished) incident, 0 if none: the commit claims the
// group's next generation, so two processes cannot both open one.
func (e *Engine) openFromAlerts(ctx context.Context, in Intake, group string, prev int64, alerts []bot.Alert, sevOf func(bot.Alert) int) (string, error) {
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
	pb := e.matchPlaybook(first.Labels, in.Playbook)
	var ref string
	err := e.Numbered(ctx, func(id int64) (*store.Tx, error) {
		tx := e.openTx(ctx, in, group, prev, alerts, first, sev, pb, id)
		ref = tx.Incident.Ref()
		return tx, nil
	})
	if err != nil {
		return "", err
	}
	return ref, nil
}

// openTx is what opening incident number id for an alert group writes.
func (e *Engine) openTx(ctx context.Context, in Intake, group string, prev int64, alerts []bot.Alert, first bot.Alert, sev int,
	pb *playbook.Playbook, id int64) *store.Tx {
	now := e.Now()
	title := first.Title
	if n := len(alerts); n > 1 {
		title = fmt.Sprintf("%s (+%d)", title, n-1)
	}
	detected := now
	if !first.StartsAt.IsZero() && first.StartsAt.Before(now) {
		detected = first.StartsAt
	}
	inc := &bot.Incident{ID: id, Prefix: e.Cfg.Prefix, Title: title, Severity: sev, Category: pb.Category,
		Playbook: pb.ID, State: bot.StateTriggered, Chats: e.ChatRefs(in.Chat), CreatedBy: "alert:" + in.Route,
		Detected: detected, Declared: now, Labels: first.Labels, Route: in.Route, Group: group,
		Escalation: cmp.Or(in.Escalation, pb.Escalation)}
	c := &change.Change{Core: e.Core, Now: now, Inc: inc, PB: pb,
		Seen: []string{fmt.Sprintf("alertgroup-open:%s:%s:%d", in.Route, group, prev)},
		Put:  map[string]string{groupKey(in.Route, group): strconv.FormatInt(id, 10)}}
	c.Events = append(c.Events, bot.Event{At: now, Actor: "alert:" + in.Route, Kind: bot.EvDeclared, Data: map[string]string{
		"title": title, "playbook": pb.ID, "severity": notify.Sev(sev), "category": pb.Category, "route": in.Route, "group": group}})
	quiet := e.inMaintenance(ctx, in.Route, first.Labels, now)
	c.Notify(ctx, bot.KindStatus, func(lang string) string {
		s := e.Cat.T(lang, "alert_declared", inc.Ref(), notify.Sev(sev), pb.Name.In(lang), title, in.Route, notify.FirstPhase(pb, lang))
		if quiet != "" {
			s += "\n" + e.Cat.T(lang, "maintenance_quiet", quiet)
		}
		return s
	}, []bot.Button{e.Button("btn.ack", "/ack "+inc.Ref()),
		e.Button("btn.steps", "/steps "+inc.Ref())})
	e.recordAlerts(ctx, c, in, alerts, true)
	if quiet == "" && inc.Escalation != "" {
		if _, ok := e.pager.Policy(bot.Page{Policy: inc.Escalation}); ok {
			e.pager.Start(ctx, c, inc.Escalation, "", "")
		}
	}
	e.Finish(ctx, c)
	return c.Tx()
}

// joinAlerts records alerts on an open incident of their group. A firing
// alert more severe than the incident ends its snooze.
func (e *Engine) joinAlerts(ctx context.Context, c *change.Change, in Intake, alerts []bot.Alert, sev func(bot.Alert) int) {
	e.recordAlerts(ctx, c, in, alerts, false)
	if !c.Inc.Snoozed(c.Now) {
		return
	}
	for _, a := range alerts {
		if a.Status == bot.AlertFiring && sev != nil && sev(a) < c.Inc.Severity {
			e.pager.EndSnooze(ctx, c, "snooze_broken")
			return
		}
	}
}

// recordAlerts appends an event per alert and tells the chats of what
// changed: a new firing alert, an alert resolved, all resolved.
func (e *Engine) recordAlerts(ctx context.Context, c *change.Change, in Intake, alerts []bot.Alert, opening bool) {
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
		c.Notify(ctx, bot.KindNotice, e.T("alert_new", c.Inc.Ref(), notify.Bullets(news)), nil)
	}
	if ackedIn != "" && !opening {
		e.ackFromAlert(ctx, c, in, ackedIn)
	}
	if len(resolved) == 0 {
		return
	}
	for _, st := range c.Inc.Alerts {
		if st == bot.AlertFiring {
			c.Notify(ctx, bot.KindNotice, e.T("alert_resolved", c.Inc.Ref(), notify.Bullets(resolved)), nil)
			return
		}
	}
	if !in.AutoResolve || !c.Inc.Open() {
		c.Notify(ctx, bot.KindNotice, e.T("alerts_all_resolved", c.Inc.Ref()), nil)
		return
	}
	// The route asked for auto-resolve: the monitoring system says it is
	// over. Open steps stay open and show as such in the report.
	to, err := fire(ctx, c.PB, c.Inc, bot.EventResolve, nil)
	if err != nil {
		c.Notify(ctx, bot.KindNotice, e.T("alerts_all_resolved", c.Inc.Ref()), nil)
		return
	}
	c.Inc.State, c.Inc.Resolved = to, c.Now
	cancelTimers(c)
	e.pager.Cancel(c)
	c.RecordBot(bot.EvResolved, map[string]string{"summary": e.Cat.T(e.Cfg.Language, "auto_resolved_summary"), "duration": c.Now.Sub(c.Inc.Declared).Round(time.Second).String()})
	c.Notify(ctx, bot.KindStatus, e.T("alerts_auto_resolved", c.Inc.Ref(), notify.Bullets(resolved)), nil)
}

// ackFromAlert acknowledges an incident its monitoring tool says was taken
// there: paging stops and phase 1 starts, as with /ack.
func (e *Engine) ackFromAlert(ctx context.Context, c *change.Change, in Intake, source string) {
	if c.Inc.State != bot.StateTriggered {
		return
	}
	if _, err := fire(ctx, c.PB, c.Inc, bot.EventAck, nil); err != nil {
		return
	}
	c.Inc.State = bot.StateAcknowledged
	c.Inc.Acknowledged = c.Now
	delay := c.Now.Sub(c.Inc.Declared).Round(time.Second)
	c.Events = append(c.Events, bot.Event{At: c.Now, Actor: "alert:" + in.Route, Kind: bot.EvAck, Data: map[string]string{"after": delay.String()}})
	e.pager.Ack(c, "alert:"+in.Route)
	if err := e.enterNext(ctx, c, func(lang string) string {
		return e.Cat.T(lang, "acked_in_tool", c.Inc.Ref(), source, e.R.Dur(delay, lang))
	}); err != nil {
		e.Log.Warn("acknowledged from an alert, but the first phase did not start", "incident", c.Inc.Ref(), "err", err)
	}
}
