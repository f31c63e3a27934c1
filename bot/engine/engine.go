// Package engine applies commands and system actions to incidents. Every
// action follows one path: load the snapshot, rebuild the playbook's state
// machine at the saved state, check guards, fire the event, and commit the
// new snapshot with its timeline events, outgoing messages and timers in one
// store transaction, retrying on a concurrent change. Nothing happens
// outside a commit.
//
// The engine owns the commands and the incident lifecycle. The other parts
// of the incident domain are packages of their own on the same core
// (bot/change: Apply, Commit, the shared store, catalogue and locks), which
// New wires together: bot/paging (pages, escalation, snooze), bot/summary
// (leaders' summaries and digest), bot/duty (rosters) and bot/intake
// (alerts, maintenance windows, heartbeats). What people read is worded by
// bot/notify, and who a page reaches and when it escalates is decided by
// bot/oncall.
package engine

import (
	"context"
	"log/slog"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/access"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/duty"
	"github.com/irbot/irbot/bot/i18n"
	"github.com/irbot/irbot/bot/intake"
	"github.com/irbot/irbot/bot/oncall"
	"github.com/irbot/irbot/bot/paging"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/bot/report"
	"github.com/irbot/irbot/bot/summary"
	"github.com/irbot/irbot/store"
)

// Options configure an Engine. The zero value works: prefix IR, Vietnamese,
// Asia/Ho_Chi_Minh, the system clock, anyone may act.
type Options struct {
	Prefix    string          // incident prefix, default "IR"
	Language  string          // default language, "vi" or "en"; default "vi"
	Location  *time.Location  // for dates and times shown; default Asia/Ho_Chi_Minh
	BotName   string          // the bot's username, for "/cmd@BotName"
	Directory *bot.Directory  // people and chats; nil or empty = anyone may act
	Clock     bot.Clock       // default the system clock
	Catalog   *i18n.Catalog   // default i18n.Default()
	Logger    *slog.Logger    // default slog.Default()
	OnCommit  func(*store.Tx) // called after every successful commit (wake the sender and scheduler)
	Rosters   []oncall.Roster // duty rosters, validated by the caller with oncall.Compile
	Policies  []oncall.Policy // escalation policies, checked by the caller with Policy.Check
	// Maintenance windows from configuration (more are added with /maintenance).
	Maintenance []intake.Maintenance
	// Summaries for leaders: where, how often, the daily digest.
	Summaries summary.Config
	// Systems that incidents may name with /set system <id>.
	Systems []report.System
	// Reporting fills the formal reports' fixed parts.
	Reporting Reporting
	// Access says who may run which command (default access.Default()).
	Access *access.Policy
	// IncidentRoles are the roles /assign gives (default: the roles
	// playbook steps may name).
	IncidentRoles []string
	// RouteChats maps an alert route to the configured chat its incidents
	// are posted in, where maintenance windows of the route are announced.
	RouteChats map[string]string
	// MaintenanceMax is the longest maintenance window /maintenance may
	// set (default 7 days).
	MaintenanceMax time.Duration
	// Heartbeats are the monitors of the monitoring chain.
	Heartbeats []intake.Heartbeat
	// MaxLen is the longest message each platform carries, in characters:
	// the longest command text accepted from it (default 4096).
	MaxLen map[string]int
	// Platforms are the chat platforms running; messages are queued only
	// for these, and people are paged only where they can be reached. Nil
	// means every platform.
	Platforms []string
}

// Engine is the incident engine. It is safe for concurrent use; actions on
// one incident are serialised in the process, and across processes the
// store's version check turns a race into a retry.
type Engine struct {
	*change.Core
	o       Options
	duty    *duty.Duty
	pager   *paging.Pager
	leaders *summary.Leaders
	desk    *intake.Desk
}

// New returns an engine over st with the playbooks in books.
func New(st store.Store, books *playbook.Set, o Options) *Engine {
	if o.Access == nil {
		o.Access = access.Default()
	}
	if len(o.IncidentRoles) == 0 {
		o.IncidentRoles = playbook.DefaultRoles()
	}
	e := &Engine{o: o, Core: change.New(st, books, change.Config{Prefix: o.Prefix, Language: o.Language,
		Location: o.Location, BotName: o.BotName, Directory: o.Directory, Clock: o.Clock, Catalog: o.Catalog,
		Logger: o.Logger, OnCommit: o.OnCommit, Platforms: o.Platforms, Systems: o.Systems})}
	e.duty = duty.New(e.Core, o.Rosters)
	e.pager = paging.New(e.Core, o.Policies, e.duty)
	e.desk = intake.New(e.Core, intake.Options{Maintenance: o.Maintenance, MaintenanceMax: o.MaintenanceMax,
		RouteChats: o.RouteChats, Heartbeats: o.Heartbeats}, e.pager, intake.Lifecycle{EnterNext: e.enterNext, StopReminders: cancelTimers})
	e.OnFinish(e.refreshCard)
	e.leaders = summary.New(e.Core, o.Summaries, e.pager, e.duty)
	e.OnFinish(e.leaders.Tell)
	return e
}

// Playbooks returns the engine's playbooks.
func (e *Engine) Playbooks() *playbook.Set { return e.Books }

// Directory returns the people and chats the engine knows.
func (e *Engine) Directory() *bot.Directory { return e.Cfg.Directory }

// AuditID is the reserved incident number whose timeline is the audit log.
const AuditID = change.AuditID

// RosterICS is the calendar (iCalendar) of roster id's next n shifts.
func (e *Engine) RosterICS(ctx context.Context, id string, n int) (string, error) {
	return e.duty.RosterICS(ctx, id, n)
}

// BundlePages joins the pages waiting for one person into one message.
func (e *Engine) BundlePages(pages []bot.Outgoing) bot.Outgoing { return e.pager.BundlePages(pages) }

// DeliveryFailed records a message that left the outbox undelivered.
func (e *Engine) DeliveryFailed(ctx context.Context, m bot.Outgoing, cause error) {
	e.pager.DeliveryFailed(ctx, m, cause)
}

// Alerts takes a batch of alerts from one route; see intake.Desk.Alerts.
func (e *Engine) Alerts(ctx context.Context, in intake.Route, alerts []bot.Alert, sev func(bot.Alert) int) (bot.AlertResult, error) {
	return e.desk.Alerts(ctx, in, alerts, sev)
}

// Ping records a heartbeat's ping; see intake.Desk.Ping.
func (e *Engine) Ping(ctx context.Context, id string) error { return e.desk.Ping(ctx, id) }

// StartHeartbeats sets the heartbeats' timers; see intake.Desk.StartHeartbeats.
func (e *Engine) StartHeartbeats(ctx context.Context) error { return e.desk.StartHeartbeats(ctx) }
