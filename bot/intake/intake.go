// Package intake takes in what the monitoring says: alerts from a route
// join their group's open incident or open one and page, unless a
// maintenance window covers them; heartbeats open an incident when their
// pings stop. /maintenance and /heartbeats are its commands.
package intake

import (
	"context"
	"time"

	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/paging"
)

// Options configure a Desk.
type Options struct {
	// Maintenance windows from configuration (more are added with /maintenance).
	Maintenance []Maintenance
	// MaintenanceMax is the longest window /maintenance may set (default 7 days).
	MaintenanceMax time.Duration
	// RouteChats maps an alert route to the configured chat its incidents
	// are posted in, where maintenance windows of the route are announced.
	RouteChats map[string]string
	// Heartbeats are the monitors of the monitoring chain.
	Heartbeats []Heartbeat
}

// Lifecycle is what intake needs of the incident lifecycle, which the
// engine owns.
type Lifecycle struct {
	// EnterNext starts the incident's next phase, telling its chats head
	// first (an incident acknowledged in the monitoring tool).
	EnterNext func(ctx context.Context, c *change.Change, head change.Text) error
	// StopReminders cancels the incident's step reminders (auto-resolve).
	StopReminders func(c *change.Change)
}

// Desk is where alerts and heartbeats come in.
type Desk struct {
	*change.Core
	o     Options
	pager *paging.Pager
	life  Lifecycle
}

// New returns a Desk over the core k that pages through pager.
func New(k *change.Core, o Options, pager *paging.Pager, life Lifecycle) *Desk {
	if o.MaintenanceMax <= 0 {
		o.MaintenanceMax = 7 * 24 * time.Hour
	}
	return &Desk{Core: k, o: o, pager: pager, life: life}
}
