package intake

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/store"
)

// TimerHeartbeat fires when a heartbeat's pings stop.
const TimerHeartbeat = "heartbeat"

// Heartbeat is a monitor of the monitoring chain: something (a cron job,
// Prometheus through Alertmanager's always-firing Watchdog alert) pings it
// every Interval; when no ping came for Interval+Grace, an incident is
// opened through Intake (a route) and its policy paged, as for an alert. When pings
// resume it is told, and resolved with the intake's AutoResolve.
type Heartbeat struct {
	ID       string
	Name     map[string]string // language → name
	Interval time.Duration
	Grace    time.Duration
	Intake   Route
	// Watchdog makes Alertmanager's Watchdog alert arriving on
	// Intake.Route count as a ping (and not open an incident).
	Watchdog bool
}

// ErrNoHeartbeat: no heartbeat monitor has that id.
var ErrNoHeartbeat = errors.New("no such heartbeat")

// heartbeatState is a heartbeat's last ping, kept in the key-value area.
type heartbeatState struct {
	Last time.Time `json:"last"`
	Down bool      `json:"down"` // an incident was opened for missed pings
}

func heartbeatKey(id string) string     { return "heartbeat:" + id }
func heartbeatTimerID(id string) string { return "heartbeat:" + id }
func heartbeatAlertID(id string) string { return "heartbeat:" + id }

func (d *Desk) heartbeat(id string) (Heartbeat, bool) {
	for _, h := range d.o.Heartbeats {
		if h.ID == id {
			return h, true
		}
	}
	return Heartbeat{}, false
}

func (d *Desk) heartbeatState(ctx context.Context, id string) (heartbeatState, error) {
	var s heartbeatState
	v, err := d.Store.Get(ctx, heartbeatKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read heartbeat %s: %w", id, err)
	}
	return s, json.Unmarshal([]byte(v), &s)
}

// StartHeartbeats arms every heartbeat that has no timer yet, counting its
// first interval from now, so a monitor that never pinged is noticed too.
func (d *Desk) StartHeartbeats(ctx context.Context) error {
	for _, h := range d.o.Heartbeats {
		s, err := d.heartbeatState(ctx, h.ID)
		if err != nil {
			return err
		}
		if !s.Last.IsZero() {
			continue // armed by its last ping
		}
		s.Last = d.Now()
		if err := d.commitHeartbeat(ctx, h, s); err != nil {
			return err
		}
	}
	return nil
}

func (d *Desk) commitHeartbeat(ctx context.Context, h Heartbeat, s heartbeatState) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	tx := &store.Tx{Put: map[string]string{heartbeatKey(h.ID): string(raw)}}
	if !s.Down {
		tx.SetTimers = []bot.Timer{{ID: heartbeatTimerID(h.ID), Due: s.Last.Add(h.Interval + h.Grace), Kind: TimerHeartbeat,
			Data: map[string]string{"heartbeat": h.ID}}}
	}
	return d.Commit(ctx, tx)
}

// Ping records a heartbeat's ping and re-arms its timer. A heartbeat that
// was down is up again: its incident's alert resolves (and with
// auto_resolve, the incident).
func (d *Desk) Ping(ctx context.Context, id string) error {
	h, ok := d.heartbeat(id)
	if !ok {
		return ErrNoHeartbeat
	}
	defer d.LockKey("heartbeat:" + id)()
	s, err := d.heartbeatState(ctx, id)
	if err != nil {
		return err
	}
	now := d.Now()
	if s.Down {
		a := d.heartbeatAlert(h, bot.AlertResolved, s.Last, now)
		if _, err := d.Alerts(ctx, h.Intake, []bot.Alert{a}, func(bot.Alert) int { return 0 }); err != nil {
			return err
		}
	}
	return d.commitHeartbeat(ctx, h, heartbeatState{Last: now})
}

// FireHeartbeat opens an incident for a heartbeat whose pings stopped. The
// alert is raised before the state is marked down, so a crash between the
// two raises it again, which joins the incident it opened: one page.
func (d *Desk) FireHeartbeat(ctx context.Context, t bot.Timer, seenKey string) error {
	h, ok := d.heartbeat(t.Data["heartbeat"])
	if !ok {
		return d.DropTimer(ctx, t, seenKey)
	}
	defer d.LockKey("heartbeat:" + h.ID)()
	s, err := d.heartbeatState(ctx, h.ID)
	if err != nil {
		return err
	}
	now := d.Now()
	if s.Down || now.Before(s.Last.Add(h.Interval+h.Grace)) {
		return d.DropTimer(ctx, t, seenKey) // a ping came after this timer was set
	}
	a := d.heartbeatAlert(h, bot.AlertFiring, s.Last, now)
	sev := 2
	if pb, ok := d.Books.Get(cmp.Or(h.Intake.Playbook, "outage")); ok && pb.Severity > 0 {
		sev = pb.Severity
	}
	if _, err := d.Alerts(ctx, h.Intake, []bot.Alert{a}, func(bot.Alert) int { return sev }); err != nil {
		return err
	}
	s.Down = true
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return d.Commit(ctx, &store.Tx{Put: map[string]string{heartbeatKey(h.ID): string(raw)},
		CancelTimers: []string{t.ID}, Seen: []string{seenKey}})
}

// heartbeatAlert is the alert a heartbeat raises or resolves.
func (d *Desk) heartbeatAlert(h Heartbeat, status string, last, now time.Time) bot.Alert {
	name := cmp.Or(h.Name[d.Cfg.Language], h.Name["en"], h.ID)
	title := d.Cat.T(d.Cfg.Language, "heartbeat_missed", name, d.R.Dur(now.Sub(last), d.Cfg.Language))
	if status == bot.AlertResolved {
		title = d.Cat.T(d.Cfg.Language, "heartbeat_back", name)
	}
	return bot.Alert{Route: h.Intake.Route, Source: "heartbeat", Fingerprint: heartbeatAlertID(h.ID), GroupKey: heartbeatAlertID(h.ID),
		Status: status, Title: title, Labels: map[string]string{"alertname": "HeartbeatMissed", "heartbeat": h.ID},
		StartsAt: last}
}

// watchdogPings takes Alertmanager's Watchdog alerts out of alerts as
// pings of the heartbeats that listen for them on the route.
func (d *Desk) watchdogPings(ctx context.Context, route string, alerts []bot.Alert) ([]bot.Alert, error) {
	var hb []Heartbeat
	for _, h := range d.o.Heartbeats {
		if h.Watchdog && h.Intake.Route == route {
			hb = append(hb, h)
		}
	}
	if len(hb) == 0 {
		return alerts, nil
	}
	kept := alerts[:0:0]
	pinged := false
	for _, a := range alerts {
		if a.Labels["alertname"] != "Watchdog" {
			kept = append(kept, a)
			continue
		}
		if a.Status == bot.AlertFiring {
			pinged = true
		}
	}
	if pinged {
		for _, h := range hb {
			if err := d.Ping(ctx, h.ID); err != nil {
				return nil, err
			}
		}
	}
	return kept, nil
}

// HeartbeatsCmd lists the heartbeat monitors and their last ping.
func (d *Desk) HeartbeatsCmd(ctx context.Context, req *change.Request) error {
	if len(d.o.Heartbeats) == 0 {
		return d.Reply(ctx, req, d.T("heartbeats_none"))
	}
	now := d.Now()
	var lines []string
	for _, h := range d.o.Heartbeats {
		s, err := d.heartbeatState(ctx, h.ID)
		if err != nil {
			return err
		}
		name := cmp.Or(h.Name[req.Lang], h.Name["en"], h.ID)
		key := "heartbeat.ok"
		switch {
		case s.Down:
			key = "heartbeat.down"
		case s.Last.IsZero():
			key = "heartbeat.never"
		}
		lines = append(lines, d.Cat.T(req.Lang, key, name, d.R.Dur(now.Sub(s.Last), req.Lang), d.R.Dur(h.Interval, req.Lang)))
	}
	return d.Reply(ctx, req, d.T("heartbeats", strings.Join(lines, "\n")))
}
