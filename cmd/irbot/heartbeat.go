package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/intake"
	"github.com/irbot/irbot/bot/web"
)

// HeartbeatConfig is a monitor of the monitoring chain (configs/irbot.yaml
// documents it).
type HeartbeatConfig struct {
	ID       string            `yaml:"id"`
	Name     map[string]string `yaml:"name"`
	Interval string            `yaml:"interval"`  // a ping is expected this often
	Grace    string            `yaml:"grace"`     // and late by at most this (default: a quarter of interval)
	Route    string            `yaml:"route"`     // an alert route: its chat and escalation page for it
	Playbook string            `yaml:"playbook"`  // default outage
	Watchdog bool              `yaml:"watchdog"`  // Alertmanager's Watchdog alert on the route is a ping
	TokenEnv string            `yaml:"token_env"` // bearer token of POST /heartbeat/<id>
}

// heartbeats checks the heartbeat monitors and turns them into the
// engine's.
func (c *Config) heartbeats() ([]intake.Heartbeat, error) {
	var out []intake.Heartbeat
	seen := map[string]bool{}
	for i, h := range c.Heartbeats {
		where := fmt.Sprintf("heartbeats[%d]", i)
		if h.ID == "" {
			return nil, fmt.Errorf("%s: id missing", where)
		}
		where = fmt.Sprintf("heartbeat %q", h.ID)
		if seen[h.ID] {
			return nil, fmt.Errorf("heartbeats: duplicate id %q", h.ID)
		}
		seen[h.ID] = true
		interval, err := time.ParseDuration(h.Interval)
		if err != nil || interval < time.Second {
			return nil, fmt.Errorf("%s: interval %q: use a duration such as 2m", where, h.Interval)
		}
		grace := interval / 4
		if h.Grace != "" {
			if grace, err = time.ParseDuration(h.Grace); err != nil || grace < 0 {
				return nil, fmt.Errorf("%s: grace %q: use a duration such as 1m", where, h.Grace)
			}
		}
		var in *intake.Route
		var ids []string
		for _, r := range c.Alerts.Routes {
			ids = append(ids, r.ID)
			if r.ID == h.Route {
				in = &intake.Route{Route: r.ID, Chat: r.Chat, Escalation: r.Escalation, Playbook: firstSet(h.Playbook, r.Playbook, "outage"), AutoResolve: true}
			}
		}
		if in == nil {
			return nil, fmt.Errorf("%s: route %q: name one of alerts.routes (%v); its chat and escalation are used", where, h.Route, ids)
		}
		out = append(out, intake.Heartbeat{ID: h.ID, Name: h.Name, Interval: interval, Grace: grace, Intake: *in, Watchdog: h.Watchdog})
	}
	return out, nil
}

// mountHeartbeats serves POST /heartbeat/<id>: a ping, with the
// heartbeat's bearer token when it has one.
func mountHeartbeats(srv *web.Server, cfg *Config, record func(ctx context.Context, id string) error) error {
	tokens := map[string]string{}
	for _, h := range cfg.Heartbeats {
		tok, err := envSecret(fmt.Sprintf("heartbeat %q: token_env", h.ID), h.TokenEnv)
		if err != nil {
			return err
		}
		tokens[h.ID] = tok
	}
	ping := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		tok, ok := tokens[id]
		if !ok {
			http.Error(w, `{"error":"no such heartbeat"}`, http.StatusNotFound)
			return
		}
		if tok != "" && !chat.SecretEqual(bearer(r), tok) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="irbot"`)
			http.Error(w, `{"error":"missing or wrong bearer token"}`, http.StatusUnauthorized)
			return
		}
		switch err := record(r.Context(), id); {
		case errors.Is(err, intake.ErrNoHeartbeat):
			http.Error(w, `{"error":"no such heartbeat"}`, http.StatusNotFound)
		case err != nil:
			w.Header().Set("Retry-After", "5")
			http.Error(w, `{"error":"not recorded; retry"}`, http.StatusServiceUnavailable)
		default:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintln(w, `{"ok":true}`)
		}
	})
	// POST, and GET for the ping tools that only GET (cron curl, push monitors).
	srv.Handle("POST /heartbeat/{id}", ping)
	srv.Handle("GET /heartbeat/{id}", ping)
	return nil
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) string {
	const p = "bearer "
	h := r.Header.Get("Authorization")
	if len(h) > len(p) && (h[:len(p)] == p || h[:len(p)] == "Bearer ") {
		return h[len(p):]
	}
	return ""
}
