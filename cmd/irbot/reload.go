package main

import (
	"context"
	"fmt"
	"reflect"
)

// reload applies next, a newly loaded configuration, and the playbooks it
// names to the running bot: it checks the playbooks first, and on any
// error returns it and changes nothing. Otherwise it builds a new engine
// on the same store and platforms and swaps it in: commands, alerts,
// timers and deliveries in flight finish on the old engine (the store's
// version check keeps the two apart, as it keeps replicas apart), every
// later one runs on the new. Rosters that are new get their timers.
//
// What reloads: playbooks, people, chats, rosters, escalation policies,
// maintenance windows, summaries, systems, reporting, access, language,
// time zone and incident prefix. What needs a restart (and is reported in
// restart, keeping the running value): data_dir, store, http, platforms and
// alerts.routes; secrets are read at start too.
//
// reload is not safe for concurrent use; serve calls it from one goroutine.
func (a *app) reload(ctx context.Context, next *Config) (restart []string, err error) {
	books, err := loadPlaybooks(next)
	if err != nil {
		return nil, fmt.Errorf("playbooks:\n%w", err)
	}
	cur := a.cfg
	keep := []struct {
		name    string
		running any
		next    any
		apply   func()
	}{
		{"data_dir", cur.DataDir, next.DataDir, func() { next.DataDir = cur.DataDir }},
		{"store", cur.Store, next.Store, func() { next.Store = cur.Store }},
		{"http", cur.HTTP, next.HTTP, func() { next.HTTP = cur.HTTP }},
		{"platforms", cur.Platforms, next.Platforms, func() { next.Platforms = cur.Platforms }},
		{"alerts.routes", cur.Alerts.Routes, next.Alerts.Routes, func() { next.Alerts = cur.Alerts }},
	}
	for _, k := range keep {
		if !reflect.DeepEqual(k.running, k.next) {
			restart = append(restart, k.name)
			k.apply()
		}
	}
	eng := a.newEngine(next, books)
	a.cur.Store(eng)
	a.cfg = next
	if err := eng.StartRosters(ctx); err != nil { // the next start sets them
		a.log.Error("reload: the new configuration runs, but the new rosters' timers were not set", "err", err)
	}
	return restart, nil
}

// reloadAndLog reloads from load and logs the outcome: what was loaded,
// what needs a restart, or why nothing changed (with the file:line:col of
// every problem).
func (a *app) reloadAndLog(ctx context.Context, load func() (*Config, error)) {
	log := a.log
	next, err := load()
	if err == nil {
		var restart []string
		restart, err = a.reload(ctx, next)
		if len(restart) > 0 {
			log.Warn("reload: these changed but need a restart; still running the old ones", "sections", restart)
		}
		if err == nil {
			log.Info("reload: configuration and playbooks reloaded", "config", next.describePath(),
				"playbooks", len(a.engine().Playbooks().List()), "people", len(next.People), "chats", len(next.Chats),
				"rosters", len(next.Rosters), "escalation", len(next.Escalation))
			return
		}
	}
	log.Error("reload refused; still running the previous configuration and playbooks", "err", err)
}
