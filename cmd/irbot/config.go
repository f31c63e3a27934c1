package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/access"
	"github.com/irbot/irbot/bot/alerts"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/intake"
	"github.com/irbot/irbot/bot/oncall"
	"github.com/irbot/irbot/bot/report"
	"github.com/irbot/irbot/bot/summary"
	"github.com/irbot/irbot/store/redis"
)

// Config is irbot's configuration file (configs/irbot.yaml documents every
// field). Secrets never live here: they come from the environment or files.
type Config struct {
	DataDir        string          `yaml:"data_dir"`
	Store          string          `yaml:"store"`
	Language       string          `yaml:"language"`
	TimeZone       string          `yaml:"time_zone"`
	IncidentPrefix string          `yaml:"incident_prefix"`
	PlaybooksDir   string          `yaml:"playbooks_dir"`
	People         []bot.Person    `yaml:"people"`
	Chats          []bot.Chat      `yaml:"chats"`
	Rosters        []oncall.Roster `yaml:"rosters"`
	Escalation     []oncall.Policy `yaml:"escalation"`
	HTTP           HTTPConfig      `yaml:"http"`
	Platforms      Platforms       `yaml:"platforms"`
	Alerts         struct {
		Routes []alerts.Route `yaml:"routes"`
	} `yaml:"alerts"`
	Maintenance []intake.Maintenance `yaml:"maintenance"`
	Heartbeats  []HeartbeatConfig    `yaml:"heartbeats"`
	Summaries   SummariesConfig      `yaml:"summaries"`
	Systems     []report.System      `yaml:"systems"`
	Reporting   ReportingConfig      `yaml:"reporting"`
	Access      AccessConfig         `yaml:"access"`

	path   string
	env    map[string]string // field -> the environment variable that set it
	loc    *time.Location
	policy *access.Policy
	hb     []intake.Heartbeat
}

// AccessConfig says who may do what (bot/access has the defaults).
type AccessConfig struct {
	// Roles adds roles, or renames default ones, with vi/en display names.
	Roles []struct {
		ID   string            `yaml:"id"`
		Name map[string]string `yaml:"name"`
	} `yaml:"roles"`
	// Permissions maps a command (or assign.commander) to the roles that
	// may run it, replacing the default for that command. Admins may
	// always; incident_commander is the incident's own commander; listed is
	// anyone on the people list.
	Permissions map[string][]string `yaml:"permissions"`
	// IncidentRoles are the roles /assign gives; default: the roles
	// playbook steps may name.
	IncidentRoles []string `yaml:"incident_roles"`
	// MaintenanceMax is the longest window /maintenance sets (default 7d).
	MaintenanceMax string `yaml:"maintenance_max"`
}

// maintenanceMax returns access.maintenance_max (checked by check).
func (a AccessConfig) maintenanceMax() time.Duration {
	d, _ := parseDays(a.MaintenanceMax)
	return d
}

// parseDays is time.ParseDuration that also takes whole days ("7d").
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if k, err := strconv.Atoi(n); err == nil && k > 0 {
			return time.Duration(k) * 24 * time.Hour, nil
		}
	}
	return time.ParseDuration(s)
}

// SummariesConfig is what leaders are told and when.
type SummariesConfig struct {
	Chat     string            `yaml:"chat"`      // configured chat id; "" = every leadership chat
	Every    map[string]string `yaml:"every"`     // sev1..sev4 -> duration; a playbook's summary_every wins
	DigestAt string            `yaml:"digest_at"` // local HH:MM; "" = no digest
	MinGap   string            `yaml:"min_gap"`   // least time between change summaries; default 10m
}

// ReportingConfig fills the formal reports' fixed parts.
type ReportingConfig struct {
	Org        report.Org `yaml:"org"`
	Recipients []string   `yaml:"recipients"`
	References []string   `yaml:"references"`
	FocalChat  string     `yaml:"focal_point_chat"` // where /report vi03|vi04 also goes
}

// summaries turns the config into the engine's form (check has validated it).
func (c *Config) summaries() summary.Config {
	s := summary.Config{DigestAt: c.Summaries.DigestAt, Every: map[int]time.Duration{}}
	if c.Summaries.Chat != "" {
		s.Chats = []string{c.Summaries.Chat}
	}
	for k, v := range c.Summaries.Every {
		d, _ := time.ParseDuration(v)
		n, _ := strconv.Atoi(strings.TrimPrefix(k, "sev"))
		s.Every[n] = d
	}
	s.MinGap, _ = time.ParseDuration(c.Summaries.MinGap)
	return s
}

// HTTPConfig is the HTTP server's configuration.
type HTTPConfig struct {
	Listen    string `yaml:"listen"`     // default 127.0.0.1:8080
	PublicURL string `yaml:"public_url"` // where platforms reach the webhooks
	MaxBody   int64  `yaml:"max_body"`   // bytes; default 1 MiB
	// ShutdownGrace bounds the stop after SIGTERM: requests finish and the
	// outbox drains for at most this long (default 10s); what is left is
	// sent at the next start.
	ShutdownGrace string `yaml:"shutdown_grace"`
	// MetricsTokenEnv names the environment variable holding the bearer
	// token /metrics requires (Prometheus: authorization.credentials_file).
	// "" leaves /metrics open to anyone who can reach the server.
	MetricsTokenEnv string `yaml:"metrics_token_env"`
	// CalendarSecretEnv names the environment variable holding the key
	// (16 bytes or more) each roster's calendar feed URL,
	// /rosters/<id>/<secret>.ics, is derived from; changing it rotates
	// every feed URL. "" serves no calendar feeds.
	CalendarSecretEnv string `yaml:"calendar_secret_env"`
}

// grace returns http.shutdown_grace (checked by validate).
func (h HTTPConfig) grace() time.Duration {
	if d, err := time.ParseDuration(h.ShutdownGrace); err == nil && d > 0 {
		return d
	}
	return 10 * time.Second
}

// Platforms configures the chat platforms. Tokens come from the
// environment (token_env) or a file (token_file), never from this file.
type Platforms struct {
	Telegram PlatformConfig `yaml:"telegram"`
	Zalo     PlatformConfig `yaml:"zalo"`
	Slack    SlackConfig    `yaml:"slack"`
}

// SlackConfig is the Slack app: a bot token, and an app-level token
// (Socket Mode) or a signing secret (Events API over HTTPS).
type SlackConfig struct {
	Enabled          bool    `yaml:"enabled"`
	BotTokenEnv      string  `yaml:"bot_token_env"`      // default SLACK_BOT_TOKEN
	AppTokenEnv      string  `yaml:"app_token_env"`      // default SLACK_APP_TOKEN (Socket Mode)
	SigningSecretEnv string  `yaml:"signing_secret_env"` // default SLACK_SIGNING_SECRET (Events API)
	APIURL           string  `yaml:"api_url"`
	Mode             string  `yaml:"mode"` // socket | events
	RatePerChannel   float64 `yaml:"rate_per_channel"`
}

// PlatformConfig is one chat platform.
type PlatformConfig struct {
	Enabled          bool    `yaml:"enabled"`
	TokenEnv         string  `yaml:"token_env"`          // default TELEGRAM_BOT_TOKEN, …
	TokenFile        string  `yaml:"token_file"`         // alternative to token_env
	APIURL           string  `yaml:"api_url"`            // "" = the platform's public API
	Mode             string  `yaml:"mode"`               // polling | webhook
	WebhookSecretEnv string  `yaml:"webhook_secret_env"` // header secret for webhook mode
	BotName          string  `yaml:"bot_name"`           // "" = asked from the platform
	RatePerGroup     float64 `yaml:"rate_per_group"`     // messages/s to one group; 0 = the platform's default
	RatePerChat      float64 `yaml:"rate_per_chat"`      // messages/s to one direct chat
	RateGlobal       float64 `yaml:"rate_global"`        // messages/s in all
}

// secret reads a secret from env var name or file path; "" when neither is set.
func secret(env, file string) (string, error) {
	if env != "" {
		if v := os.Getenv(env); v != "" {
			return strings.TrimSpace(v), nil
		}
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read secret file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", nil
}

// defaultConfigPath is read when --config is not given, if it exists.
const defaultConfigPath = "configs/irbot.yaml"

// loadConfig reads path ("" = the default file if present, else defaults),
// decodes it strictly, makes its relative paths relative to the file's
// directory, applies $IRBOT_DATA, $IRBOT_STORE and $IRBOT_LISTEN over it,
// and checks it. Errors name file:line and the fix.
func loadConfig(path string) (*Config, error) {
	c := &Config{}
	explicit := path != ""
	if !explicit {
		path = defaultConfigPath
	}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist) && !explicit:
		path = ""
	case err != nil:
		return nil, fmt.Errorf("config: %w", err)
	default:
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("config %s: %s", path, trimYAMLErr(err))
		}
	}
	c.path = path
	if path != "" {
		c.relativeTo(filepath.Dir(path))
	}
	c.fromEnv(os.Getenv)
	if err := c.check(); err != nil {
		if path == "" {
			return nil, fmt.Errorf("config: %w", err)
		}
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// relativeTo makes the file's relative paths (data_dir, playbooks_dir,
// token_file) relative to dir, the file's directory, so that a config
// means the same from any working directory.
func (c *Config) relativeTo(dir string) {
	rel := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	rel(&c.DataDir)
	rel(&c.PlaybooksDir)
	rel(&c.Platforms.Telegram.TokenFile)
	rel(&c.Platforms.Zalo.TokenFile)
	for i := range c.Alerts.Routes {
		rel(&c.Alerts.Routes[i].TokenFile)
	}
}

// fromEnv applies the environment's overrides of the file: IRBOT_DATA
// (data_dir), IRBOT_STORE (store) and IRBOT_LISTEN (http.listen).
// Relative paths in them are relative to the working directory.
func (c *Config) fromEnv(getenv func(string) string) {
	for _, o := range []struct {
		field, env string
		to         *string
	}{{"data_dir", envData, &c.DataDir}, {"store", envStore, &c.Store}, {"http.listen", envListen, &c.HTTP.Listen}} {
		if v := getenv(o.env); v != "" {
			*o.to = v
			if c.env == nil {
				c.env = map[string]string{}
			}
			c.env[o.field] = o.env
		}
	}
}

// describePath names where the configuration came from, for messages.
func (c *Config) describePath() string {
	if c.path == "" {
		return "configs/irbot.yaml (not found; running on the defaults; pass --config FILE or set " + envConfig + ")"
	}
	return c.path
}

// from says where a field's value came from when the environment set it:
// " (from IRBOT_STORE)", else "".
func (c *Config) from(field string) string {
	if e := c.env[field]; e != "" {
		return " (from " + e + ")"
	}
	return ""
}

// trimYAMLErr turns yaml.v3's decode errors into one line:
// "line 2: unknown field \"time_zoen\"".
func trimYAMLErr(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			if f := unknownField.FindStringSubmatch(m); f != nil {
				m = f[1] + "unknown field \"" + f[2] + "\""
				if s := command.Closest(f[2], yamlFields(reflect.TypeFor[Config](), f[3])); s != "" {
					m += fmt.Sprintf(" (did you mean %s?)", s)
				} else {
					m += "; configs/irbot.yaml documents every field"
				}
			}
			msgs[i] = m
		}
		return strings.Join(msgs, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

var unknownField = regexp.MustCompile(`^(line \d+: )field (\S+) not found in type (\S+)$`)

// yamlFields returns the YAML field names of the struct type named name
// ("main.HTTPConfig") found anywhere inside t, for suggestions.
func yamlFields(t reflect.Type, name string) []string {
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type) []string
	walk = func(t reflect.Type) []string {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return nil
		}
		seen[t] = true
		var names []string
		for i := range t.NumField() {
			if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" && tag != "-" {
				names = append(names, tag)
			}
		}
		if t.String() == name {
			return names
		}
		for i := range t.NumField() {
			if got := walk(t.Field(i).Type); got != nil {
				return got
			}
		}
		return nil
	}
	return walk(t)
}

// check fills defaults and validates.
func (c *Config) check() error {
	if c.DataDir == "" {
		c.DataDir = "./data"
	}
	if c.Language == "" {
		c.Language = "vi"
	}
	if c.Language != "vi" && c.Language != "en" {
		return fmt.Errorf("language %q: use vi or en", c.Language)
	}
	if c.TimeZone == "" {
		c.TimeZone = "Asia/Ho_Chi_Minh"
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return fmt.Errorf("time_zone %q: not an IANA zone (e.g. Asia/Ho_Chi_Minh)", c.TimeZone)
	}
	c.loc = loc
	if c.IncidentPrefix == "" {
		c.IncidentPrefix = "IR"
	}
	for _, r := range c.IncidentPrefix {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return fmt.Errorf("incident_prefix %q: letters only", c.IncidentPrefix)
		}
	}
	if c.Store != "" && !slices.ContainsFunc([]string{"redis://", "rediss://", "redis-sentinel://", "redis-cluster://", "rediss-cluster://"},
		func(p string) bool { return strings.HasPrefix(c.Store, p) }) {
		return fmt.Errorf("store %q%s: leave it empty for the embedded file in data_dir, or use redis://, rediss://, redis-sentinel://, redis-cluster:// or rediss-cluster://", redactURL(c.Store), c.from("store"))
	}
	if c.HTTP.Listen == "" {
		c.HTTP.Listen = "127.0.0.1:8080"
	}
	seen := map[string]bool{}
	for i, p := range c.People {
		if p.ID == "" {
			return fmt.Errorf("people[%d]: id missing: give every person a short id, e.g. id: an", i)
		}
		if seen[p.ID] {
			return fmt.Errorf("people: duplicate id %q: every person needs an id of their own; rename or remove one", p.ID)
		}
		seen[p.ID] = true
		if p.Language != "" && p.Language != "vi" && p.Language != "en" {
			return fmt.Errorf("people %q: language %q: use vi or en", p.ID, p.Language)
		}
	}
	if err := c.checkAccess(); err != nil {
		return err
	}
	if c.hb, err = c.heartbeats(); err != nil {
		return err
	}
	chats := map[string]bool{}
	for i, ch := range c.Chats {
		if ch.ID == "" {
			return fmt.Errorf("chats[%d]: id missing: give every chat a short id, e.g. id: soc", i)
		}
		if chats[ch.ID] {
			return fmt.Errorf("chats: duplicate id %q: put every platform's id of one chat under its ids, or rename one", ch.ID)
		}
		chats[ch.ID] = true
		switch ch.Purpose {
		case "response", "leadership", "focal_point":
		default:
			return fmt.Errorf("chats %q: purpose %q: use response, leadership or focal_point", ch.ID, ch.Purpose)
		}
	}
	people := map[string]bool{}
	for _, p := range c.People {
		people[p.ID] = true
	}
	rosters := map[string]bool{}
	for _, r := range c.Rosters {
		if rosters[r.ID] {
			return fmt.Errorf("rosters: duplicate id %q: rename or remove one", r.ID)
		}
		rosters[r.ID] = true
		if _, err := oncall.Compile(r); err != nil {
			return err
		}
		for _, l := range r.Layers {
			for _, m := range l.Members {
				if len(people) > 0 && !people[m] {
					return fmt.Errorf("roster %q: member %q is not in people: add them under people, or take them off the roster", r.ID, m)
				}
			}
		}
		if r.AnnounceIn != "" && !chats[r.AnnounceIn] {
			return fmt.Errorf("roster %q: announce_in %q is not in chats: add that chat under chats, or set announce_in to one of: %s", r.ID, r.AnnounceIn, c.chatIDs())
		}
	}
	var peopleCheck map[string]bool
	if len(people) > 0 {
		peopleCheck = people
	}
	policies := map[string]bool{}
	for _, p := range c.Escalation {
		if policies[p.ID] {
			return fmt.Errorf("escalation: duplicate id %q: rename or remove one", p.ID)
		}
		policies[p.ID] = true
		if err := p.Check(rosters, peopleCheck, chats); err != nil {
			return err
		}
	}
	for k, v := range c.Summaries.Every {
		if k != "sev1" && k != "sev2" && k != "sev3" && k != "sev4" {
			return fmt.Errorf("summaries.every: %q: use sev1..sev4", k)
		}
		if d, err := time.ParseDuration(v); err != nil || d < time.Minute {
			return fmt.Errorf("summaries.every.%s: %q: use a duration of at least 1m, e.g. 30m", k, v)
		}
	}
	if g := c.HTTP.ShutdownGrace; g != "" {
		if d, err := time.ParseDuration(g); err != nil || d <= 0 {
			return fmt.Errorf("http.shutdown_grace: %q: use a duration such as 10s", g)
		}
	}
	if c.Summaries.MinGap != "" {
		if d, err := time.ParseDuration(c.Summaries.MinGap); err != nil || d <= 0 {
			return fmt.Errorf("summaries.min_gap: %q: use a duration such as 10m", c.Summaries.MinGap)
		}
	}
	if c.Summaries.DigestAt != "" {
		if _, err := time.Parse("15:04", c.Summaries.DigestAt); err != nil {
			return fmt.Errorf("summaries.digest_at: %q: use HH:MM, e.g. 07:00", c.Summaries.DigestAt)
		}
	}
	if c.Summaries.Chat != "" && !chats[c.Summaries.Chat] {
		return fmt.Errorf("summaries.chat: %q is not in chats: add it under chats, set it to one of: %s, or leave it empty for every leadership chat", c.Summaries.Chat, c.chatIDs())
	}
	if c.Reporting.FocalChat != "" && !chats[c.Reporting.FocalChat] {
		return fmt.Errorf("reporting.focal_point_chat: %q is not in chats: add it under chats, set it to one of: %s, or leave it empty", c.Reporting.FocalChat, c.chatIDs())
	}
	for _, sys := range c.Systems {
		if sys.ID == "" || sys.Level < 0 || sys.Level > 5 {
			return fmt.Errorf("systems %q: give it an id and a level from 1 to 5 (its cấp độ)", sys.ID)
		}
	}
	routes := map[string]bool{}
	for _, r := range c.Alerts.Routes {
		if routes[r.ID] {
			return fmt.Errorf("alerts: duplicate route %q: each route is its own URL, /alerts/<id>; rename or remove one", r.ID)
		}
		routes[r.ID] = true
		if err := r.Check(); err != nil {
			return err
		}
		if r.Chat != "" && !chats[r.Chat] {
			return fmt.Errorf("alert route %q: chat %q is not in chats: add it under chats, or set the route's chat to one of: %s", r.ID, r.Chat, c.chatIDs())
		}
		if r.Escalation != "" && !policies[r.Escalation] {
			return fmt.Errorf("alert route %q: no escalation policy %q: add it under escalation, set the route's escalation to one of: %s, or leave it empty for the playbook's own", r.ID, r.Escalation, orNone(c.escalationNames()))
		}
	}
	return nil
}

// chatIDs lists the configured chats' ids, for error messages.
func (c *Config) chatIDs() string {
	ids := make([]string, len(c.Chats))
	for i, ch := range c.Chats {
		ids[i] = ch.ID
	}
	return orNone(ids)
}

// orNone joins ids with commas, or says there are none.
func orNone(ids []string) string {
	if len(ids) == 0 {
		return "(none configured)"
	}
	return strings.Join(ids, ", ")
}

// redactURL hides a password in a store URL.
func redactURL(s string) string { return redis.RedactURL(s) }

// escalationNames lists the configured escalation policies (nil when none
// are configured, so playbooks are not checked against an empty list).
func (c *Config) escalationNames() []string {
	if len(c.Escalation) == 0 {
		return nil
	}
	out := make([]string, len(c.Escalation))
	for i, e := range c.Escalation {
		out[i] = e.ID
	}
	return out
}

// checkAccess builds the permission policy and checks every person's roles.
func (c *Config) checkAccess() error {
	var roles []access.RoleInfo
	for i, r := range c.Access.Roles {
		if r.ID == "" {
			return fmt.Errorf("access.roles[%d]: id missing: give the role an id, e.g. id: soc_lead", i)
		}
		roles = append(roles, access.RoleInfo{ID: access.Role(r.ID), Name: r.Name})
	}
	rules := map[access.Action][]access.Role{}
	for a, who := range c.Access.Permissions {
		for _, r := range who {
			rules[access.Action(a)] = append(rules[access.Action(a)], access.Role(r))
		}
	}
	p, err := access.New(roles, rules)
	if err != nil {
		return fmt.Errorf("access: %w", err)
	}
	for _, person := range c.People {
		for _, r := range person.Roles {
			if p.Known(access.Role(r)) {
				continue
			}
			var known []string
			for _, ri := range append(access.DefaultRoles(), roles...) {
				known = append(known, string(ri.ID))
			}
			hint := ""
			if s := command.Closest(r, known); s != "" {
				hint = fmt.Sprintf(" (did you mean %s?)", s)
			}
			return fmt.Errorf("people %q: role %q is not a role%s; roles: %s; add new ones under access.roles", person.ID, r, hint, strings.Join(known, ", "))
		}
	}
	if m := c.Access.MaintenanceMax; m != "" {
		if d, err := parseDays(m); err != nil || d <= 0 {
			return fmt.Errorf("access.maintenance_max: %q: use a duration such as 7d or 12h", m)
		}
	}
	c.policy = p
	return nil
}
