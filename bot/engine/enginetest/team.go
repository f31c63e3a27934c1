package enginetest

import (
	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/access"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/oncall"
)

// Team is four people and the soc response chat (SOC): an (a responder
// and roster admin), binh, cuong (who reads English) and dung.
func Team() *bot.Directory {
	return bot.NewDirectory([]bot.Person{
		{ID: "an", Name: "An", Roles: []string{"responder", "roster_admin"}},
		{ID: "binh", Name: "Bình"},
		{ID: "cuong", Name: "Cường", Language: "en"},
		{ID: "dung", Name: "Dũng"},
	}, []bot.Chat{{ID: "soc", Purpose: "response", IDs: map[string]string{"console": "soc"}}})
}

// LeadersTeam is an, binh and cuong, the soc response chat (SOC) and the
// leaders' chat (console "leaders").
func LeadersTeam() *bot.Directory {
	return bot.NewDirectory([]bot.Person{
		{ID: "an", Name: "An"}, {ID: "binh", Name: "Bình"}, {ID: "cuong", Name: "Cường"},
	}, []bot.Chat{
		{ID: "soc", Purpose: "response", IDs: map[string]string{"console": "soc"}},
		{ID: "leaders", Purpose: "leadership", IDs: map[string]string{"console": "leaders"}},
	})
}

// RoleTeam has one person per default role, each with the role as id and
// name; "owner", a responder who declares (and so commands) the incident
// the others act on; and "norole", listed without roles (a responder).
// Its one chat is soc (SOC).
func RoleTeam() *bot.Directory {
	people := []bot.Person{{ID: "owner", Name: "Owner", Roles: []string{"responder"}}}
	for _, r := range []access.Role{access.Responder, access.Commander, access.Leader, access.RosterAdmin, access.Admin, access.Observer} {
		people = append(people, bot.Person{ID: string(r), Name: string(r), Roles: []string{string(r)}})
	}
	people = append(people, bot.Person{ID: "norole", Name: "No role"})
	return bot.NewDirectory(people, []bot.Chat{{ID: "soc", Purpose: "response", IDs: map[string]string{"console": "soc"}}})
}

// DutyRoster is "truc-ban": a daily 07:30 handoff in Hà Nội, an then binh,
// from 2026-11-26, announced in soc. At Start an is on duty.
func DutyRoster() oncall.Roster {
	return oncall.Roster{ID: "truc-ban", Name: map[string]string{"vi": "Trực ban", "en": "Duty"},
		Layers:     []oncall.Layer{{Rotation: "daily", Handoff: "07:30", Start: "2026-11-26", Members: []string{"an", "binh"}}},
		AnnounceIn: "soc"}
}

// WithPaging sets DutyRoster and two escalation policies: "security"
// pages truc-ban's duty officer and, 5 minutes later, cuong; 10 minutes
// after that it starts again, repeat times, then gives up. "ops" pages
// dung.
func WithPaging(repeat int) func(*engine.Options) {
	return func(o *engine.Options) {
		o.Rosters = []oncall.Roster{DutyRoster()}
		o.Policies = []oncall.Policy{
			{ID: "security", Repeat: repeat, Levels: []oncall.Level{
				{Targets: []string{"roster:truc-ban"}, After: "5m"},
				{Targets: []string{"person:cuong"}, After: "10m"},
			}},
			{ID: "ops", Levels: []oncall.Level{{Targets: []string{"person:dung"}, After: "10m"}}},
		}
	}
}
