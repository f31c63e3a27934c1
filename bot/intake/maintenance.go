package intake

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/change"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/oncall"
	"github.com/irbot/irbot/store"
)

// Maintenance is a window in which matching alerts are recorded but page
// nobody. It matches a route, or a label=value, or both.
type Maintenance struct {
	Route  string    `json:"route,omitempty" yaml:"route"`
	Label  string    `json:"label,omitempty" yaml:"label"` // "key=value"
	Start  time.Time `json:"start" yaml:"start"`
	End    time.Time `json:"end" yaml:"end"`
	Reason string    `json:"reason,omitempty" yaml:"reason"`
	By     string    `json:"by,omitempty" yaml:"-"`
}

func (m Maintenance) matches(route string, labels map[string]string, now time.Time) bool {
	if now.Before(m.Start) || !now.Before(m.End) {
		return false
	}
	if m.Route != "" && m.Route != route {
		return false
	}
	if m.Label != "" {
		k, v, _ := strings.Cut(m.Label, "=")
		if labels[k] != v {
			return false
		}
	}
	return m.Route != "" || m.Label != ""
}

const maintenanceKey = "maintenance"

func (d *Desk) maintenanceWindows(ctx context.Context) []Maintenance {
	list := append([]Maintenance(nil), d.o.Maintenance...)
	if v, err := d.Store.Get(ctx, maintenanceKey); err == nil {
		var stored []Maintenance
		if json.Unmarshal([]byte(v), &stored) == nil {
			list = append(list, stored...)
		}
	}
	return list
}

// inMaintenance returns the reason of the window covering an alert, or "".
func (d *Desk) inMaintenance(ctx context.Context, route string, labels map[string]string, now time.Time) string {
	for _, m := range d.maintenanceWindows(ctx) {
		if m.matches(route, labels, now) {
			return cmp.Or(m.Reason, "maintenance")
		}
	}
	return ""
}

// storedWindows returns the windows set from chat that have not ended.
func (d *Desk) storedWindows(ctx context.Context, now time.Time) ([]Maintenance, error) {
	var kept []Maintenance
	v, err := d.Store.Get(ctx, maintenanceKey)
	switch {
	case err == nil:
		if err := json.Unmarshal([]byte(v), &kept); err != nil {
			return nil, fmt.Errorf("read maintenance windows: %w", err)
		}
	case !errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("read maintenance windows: %w", err)
	}
	live := kept[:0]
	for _, k := range kept {
		if k.End.After(now) {
			live = append(live, k)
		}
	}
	return live, nil
}

// target names what a window silences: its route or its label.
func (m Maintenance) target() string { return cmp.Or(m.Route, m.Label) }

// MaintenanceCmd lists, sets, extends or ends maintenance windows:
//
//	/maintenance                                   the windows now
//	/maintenance <route|label=value> <duration|until> <reason>
//	/maintenance end <route|label=value>
//
// A reason is required and the duration is capped (MaintenanceMax). Each
// change is written with an entry in the audit log in one commit, and
// announced where the asker is and in the route's chat, with who did it.
func (d *Desk) MaintenanceCmd(ctx context.Context, req *change.Request) error {
	args := req.Cmd.Args
	now := d.Now()
	live, err := d.storedWindows(ctx, now)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return d.listWindows(ctx, req, live, now)
	}
	usage := func() error {
		return &change.Refusal{Text: func(lang string) string {
			return d.Cat.T(lang, "err.usage", command.UsageIn(command.Maintenance, lang))
		}}
	}
	var kind bot.EventKind
	var key string
	var m Maintenance
	switch {
	case strings.EqualFold(args[0], "end") || strings.EqualFold(args[0], "ketthuc"):
		if len(args) != 2 {
			return usage()
		}
		i := windowOf(live, args[1])
		if i < 0 {
			return d.Refuse("err.no_window", args[1])
		}
		m = live[i]
		m.End = now
		live = append(live[:i], live[i+1:]...)
		kind, key = bot.EvMaintenanceEnded, "maintenance_ended"
	default:
		if len(args) < 2 {
			return usage()
		}
		end, ok := oncall.ParseUntil(args[1], now, d.Cfg.Location)
		if !ok {
			return d.Refuse("err.until", args[1])
		}
		if end.Sub(now) > d.o.MaintenanceMax {
			return d.Refuse("err.window_too_long", d.R.Dur(d.o.MaintenanceMax, req.Lang))
		}
		reason := strings.Join(args[2:], " ")
		if strings.TrimSpace(reason) == "" {
			return d.Refuse("err.window_reason", args[0], args[1])
		}
		m = Maintenance{Start: now, End: end, Reason: reason, By: req.Actor.ID}
		if strings.Contains(args[0], "=") {
			m.Label = args[0]
		} else {
			m.Route = args[0]
			if _, ok := d.o.RouteChats[m.Route]; !ok && len(d.o.RouteChats) > 0 {
				routes := bot.SortedKeys(d.o.RouteChats)
				return d.Refuse("err.no_route", m.Route, strings.Join(routes, ", "))
			}
		}
		kind, key = bot.EvMaintenanceStarted, "maintenance_set"
		if i := windowOf(live, m.target()); i >= 0 {
			m.Start = live[i].Start
			live = append(live[:i], live[i+1:]...)
			kind, key = bot.EvMaintenanceExtended, "maintenance_extended"
		}
		live = append(live, m)
	}
	raw, err := json.Marshal(live)
	if err != nil {
		return err
	}
	who := cmp.Or(req.Actor.Name, req.Actor.ID)
	say := func(lang string) string {
		if kind == bot.EvMaintenanceEnded {
			return d.Cat.T(lang, key, m.target(), who)
		}
		return d.Cat.T(lang, key, m.target(), d.R.Time(m.End), m.Reason, who)
	}
	tx := &store.Tx{Seen: req.Seen, Put: map[string]string{maintenanceKey: string(raw)},
		Outbox: []bot.Outgoing{{Chat: req.In.Chat, Kind: bot.KindReply, ReplyTo: req.In.MessageID, Text: say(req.Lang)}}}
	for _, ch := range d.windowChats(m) {
		if ch != req.In.Chat {
			tx.Outbox = append(tx.Outbox, bot.Outgoing{Chat: ch, Kind: bot.KindNotice, Text: say(d.ChatLang(ctx, ch))})
		}
	}
	data := map[string]string{"person": req.Actor.ID, "target": m.target(), "start": m.Start.Format(time.RFC3339),
		"end": m.End.Format(time.RFC3339), "reason": m.Reason, "chat": req.In.Chat.String()}
	return d.CommitAudited(ctx, tx, kind, data)
}

// windowOf returns the index of the live window on target, or -1.
func windowOf(live []Maintenance, target string) int {
	for i, w := range live {
		if strings.EqualFold(w.target(), target) {
			return i
		}
	}
	return -1
}

// windowChats are where a window is announced: its route's chat, or for a
// label window every route's chat.
func (d *Desk) windowChats(m Maintenance) []bot.ChatRef {
	var ids []string
	for _, route := range bot.SortedKeys(d.o.RouteChats) {
		chatID := d.o.RouteChats[route]
		if (m.Route == "" || m.Route == route) && !slices.Contains(ids, chatID) {
			ids = append(ids, chatID)
		}
	}
	var out []bot.ChatRef
	for _, id := range ids {
		out = append(out, d.ChatRefs(id)...)
	}
	return out
}

func (d *Desk) listWindows(ctx context.Context, req *change.Request, live []Maintenance, now time.Time) error {
	all := append(append([]Maintenance(nil), d.o.Maintenance...), live...)
	var lines []string
	for _, w := range all {
		if !w.End.After(now) {
			continue
		}
		by := ""
		if w.By != "" {
			by = " · " + d.PersonName(w.By)
		}
		lines = append(lines, fmt.Sprintf("• %s → %s · %s%s", w.target(), d.R.Time(w.End), w.Reason, by))
	}
	if len(lines) == 0 {
		return d.Reply(ctx, req, d.T("maintenance_none"))
	}
	return d.Reply(ctx, req, d.T("maintenance_list", strings.Join(lines, "\n")))
}
