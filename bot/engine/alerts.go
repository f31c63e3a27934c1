package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
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
	defer e.lockKey("alert:" + in.Route + ":" + group)()
	for attempt := 0; attempt < maxRetries; attempt++ {
		id := int64(0)
		if v, err := e.st.Get(ctx, groupKey(in.Route, group)); err == nil {
			id, _ = strconv.ParseInt(v, 10, 64)
		} else if !errors.Is(err, store.ErrNotFound) {
			return "", false, fmt.Errorf("look up alert group: %w", err)
		}
		if id > 0 {
			inc, err := e.st.Incident(ctx, id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return "", false, err
			}
			if err == nil && inc.Open() {
				err := e.apply(ctx, id, nil, func(ctx context.Context, c *change) error {
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
	for _, pb := range e.books.List() {
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
		if pb, ok := e.books.Get(id); ok && id != "" {
			return pb
		}
	}
	return e.books.List()[0]
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
	err := e.numbered(ctx, func(id int64) (*store.Tx, error) {
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
	now := e.o.Clock.Now()
	title := first.Title
	if n := len(alerts); n > 1 {
		title = fmt.Sprintf("%s (+%d)", title, n-1)
	}
	detected := now
	if !first.StartsAt.IsZero() && first.StartsAt.Before(now) {
		detected = first.StartsAt
	}
	inc := &bot.Incident{ID: id, Prefix: e.o.Prefix, Title: title, Severity: sev, Category: pb.Category,
		Playbook: pb.ID, State: bot.StateTriggered, Chats: e.chatRefs(in.Chat), CreatedBy: "alert:" + in.Route,
		Detected: detected, Declared: now, Labels: first.Labels, Route: in.Route, Group: group,
		Escalation: firstNonEmpty(in.Escalation, pb.Escalation)}
	c := &change{e: e, now: now, inc: inc, pb: pb,
		seen: []string{fmt.Sprintf("alertgroup-open:%s:%s:%d", in.Route, group, prev)},
		put:  map[string]string{groupKey(in.Route, group): strconv.FormatInt(id, 10)}}
	c.events = append(c.events, bot.Event{At: now, Actor: "alert:" + in.Route, Kind: bot.EvDeclared, Data: map[string]string{
		"title": title, "playbook": pb.ID, "severity": notify.Sev(sev), "category": pb.Category, "route": in.Route, "group": group}})
	quiet := e.inMaintenance(ctx, in.Route, first.Labels, now)
	c.notify(ctx, bot.KindStatus, func(lang string) string {
		s := e.cat.T(lang, "alert_declared", inc.Ref(), notify.Sev(sev), pb.Name.In(lang), title, in.Route, notify.FirstPhase(pb, lang))
		if quiet != "" {
			s += "\n" + e.cat.T(lang, "maintenance_quiet", quiet)
		}
		return s
	}, []bot.Button{e.button("btn.ack", "/ack "+inc.Ref()),
		e.button("btn.steps", "/steps "+inc.Ref())})
	e.recordAlerts(ctx, c, in, alerts, true)
	if quiet == "" && inc.Escalation != "" {
		if _, ok := e.policy(bot.Page{Policy: inc.Escalation}); ok {
			e.startPage(ctx, c, inc.Escalation, "", "")
		}
	}
	e.finish(ctx, c)
	return c.tx()
}

// joinAlerts records alerts on an open incident of their group. A firing
// alert more severe than the incident ends its snooze.
func (e *Engine) joinAlerts(ctx context.Context, c *change, in Intake, alerts []bot.Alert, sev func(bot.Alert) int) {
	e.recordAlerts(ctx, c, in, alerts, false)
	if !c.inc.Snoozed(c.now) {
		return
	}
	for _, a := range alerts {
		if a.Status == bot.AlertFiring && sev != nil && sev(a) < c.inc.Severity {
			e.endSnooze(ctx, c, "snooze_broken")
			return
		}
	}
}

// recordAlerts appends an event per alert and tells the chats of what
// changed: a new firing alert, an alert resolved, all resolved.
func (e *Engine) recordAlerts(ctx context.Context, c *change, in Intake, alerts []bot.Alert, opening bool) {
	if c.inc.Alerts == nil {
		c.inc.Alerts = map[string]string{}
	}
	var news, resolved []string
	ackedIn := ""
	for _, a := range alerts {
		if a.Status == bot.AlertAcknowledged {
			// Taken in the monitoring tool: recorded, and the incident is
			// acknowledged below; the alert itself stays firing.
			c.events = append(c.events, bot.Event{At: c.now, Actor: "alert:" + in.Route, Kind: bot.EvAlert, Data: map[string]string{
				"status": a.Status, "fingerprint": a.Fingerprint, "title": a.Title, "severity": a.Severity}})
			ackedIn = firstNonEmpty(a.Source, in.Route)
			continue
		}
		prev, known := c.inc.Alerts[a.Fingerprint]
		c.inc.Alerts[a.Fingerprint] = a.Status
		kind := bot.EvAlert
		if known && prev == a.Status {
			kind = bot.EvAlertRepeat
		}
		data := map[string]string{"status": a.Status, "fingerprint": a.Fingerprint, "title": a.Title, "severity": a.Severity}
		if a.Raw != "" {
			sum := sha256.Sum256([]byte(a.Raw))
			h := hex.EncodeToString(sum[:])
			data["raw_sha256"] = h
			if c.inc.AlertRaw[a.Fingerprint] != h { // the payload once; repeats refer to it by its hash
				data["raw"] = a.Raw
				if c.inc.AlertRaw == nil {
					c.inc.AlertRaw = map[string]string{}
				}
				c.inc.AlertRaw[a.Fingerprint] = h
			}
		}
		c.events = append(c.events, bot.Event{At: c.now, Actor: "alert:" + in.Route, Kind: kind, Data: data})
		switch {
		case kind == bot.EvAlertRepeat || opening:
		case a.Status == bot.AlertFiring:
			news = append(news, a.Title)
		case a.Status == bot.AlertResolved:
			resolved = append(resolved, a.Title)
		}
	}
	if len(news) > 0 {
		c.notify(ctx, bot.KindNotice, e.t("alert_new", c.inc.Ref(), notify.Bullets(news)), nil)
	}
	if ackedIn != "" && !opening {
		e.ackFromAlert(ctx, c, in, ackedIn)
	}
	if len(resolved) == 0 {
		return
	}
	for _, st := range c.inc.Alerts {
		if st == bot.AlertFiring {
			c.notify(ctx, bot.KindNotice, e.t("alert_resolved", c.inc.Ref(), notify.Bullets(resolved)), nil)
			return
		}
	}
	if !in.AutoResolve || !c.inc.Open() {
		c.notify(ctx, bot.KindNotice, e.t("alerts_all_resolved", c.inc.Ref()), nil)
		return
	}
	// The route asked for auto-resolve: the monitoring system says it is
	// over. Open steps stay open and show as such in the report.
	to, err := fire(ctx, c.pb, c.inc, bot.EventResolve, nil)
	if err != nil {
		c.notify(ctx, bot.KindNotice, e.t("alerts_all_resolved", c.inc.Ref()), nil)
		return
	}
	c.inc.State, c.inc.Resolved = to, c.now
	c.cancelTimers()
	e.cancelPages(c)
	c.recordBot(bot.EvResolved, map[string]string{"summary": e.cat.T(e.o.Language, "auto_resolved_summary"), "duration": c.now.Sub(c.inc.Declared).Round(time.Second).String()})
	c.notify(ctx, bot.KindStatus, e.t("alerts_auto_resolved", c.inc.Ref(), notify.Bullets(resolved)), nil)
}

// ackFromAlert acknowledges an incident its monitoring tool says was taken
// there: paging stops and phase 1 starts, as with /ack.
func (e *Engine) ackFromAlert(ctx context.Context, c *change, in Intake, source string) {
	if c.inc.State != bot.StateTriggered {
		return
	}
	if _, err := fire(ctx, c.pb, c.inc, bot.EventAck, nil); err != nil {
		return
	}
	c.inc.State = bot.StateAcknowledged
	c.inc.Acknowledged = c.now
	delay := c.now.Sub(c.inc.Declared).Round(time.Second)
	c.events = append(c.events, bot.Event{At: c.now, Actor: "alert:" + in.Route, Kind: bot.EvAck, Data: map[string]string{"after": delay.String()}})
	e.ackPages(c, "alert:"+in.Route)
	if err := e.enterNext(ctx, c, func(lang string) string {
		return e.cat.T(lang, "acked_in_tool", c.inc.Ref(), source, e.r.Dur(delay, lang))
	}); err != nil {
		e.log.Warn("acknowledged from an alert, but the first phase did not start", "incident", c.inc.Ref(), "err", err)
	}
}
