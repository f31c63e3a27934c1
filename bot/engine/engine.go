// Package engine applies commands and system actions to incidents. Every
// action follows one path: load the snapshot, rebuild the playbook's state
// machine at the saved state, check guards, fire the event, and commit the
// new snapshot with its timeline events, outgoing messages and timers in one
// store transaction, retrying on a concurrent change. Nothing happens
// outside a commit.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/access"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/i18n"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/bot/oncall"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/bot/report"
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
	Maintenance []Maintenance
	// Summaries for leaders: where, how often, the daily digest.
	Summaries Summaries
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
	Heartbeats []Heartbeat
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
	st    store.Store
	books *playbook.Set
	o     Options
	cat   *i18n.Catalog
	r     *notify.Renderer
	log   *slog.Logger

	mu       sync.Mutex
	locks    map[int64]*sync.Mutex
	keyLocks map[string]*keyLock
}

type keyLock struct {
	mu sync.Mutex
	n  int // holders and waiters; the lock is dropped at zero
}

// New returns an engine over st with the playbooks in books.
func New(st store.Store, books *playbook.Set, o Options) *Engine {
	if o.Prefix == "" {
		o.Prefix = "IR"
	}
	if o.Language == "" {
		o.Language = "vi"
	}
	if o.Location == nil {
		if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
			o.Location = loc
		} else {
			o.Location = time.FixedZone("ICT", 7*3600)
		}
	}
	if o.Clock == nil {
		o.Clock = bot.SystemClock{}
	}
	if o.Access == nil {
		o.Access = access.Default()
	}
	if len(o.IncidentRoles) == 0 {
		o.IncidentRoles = playbook.DefaultRoles()
	}
	if o.MaintenanceMax <= 0 {
		o.MaintenanceMax = 7 * 24 * time.Hour
	}
	if o.Catalog == nil {
		o.Catalog = i18n.Default()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	e := &Engine{st: st, books: books, o: o, cat: o.Catalog, log: o.Logger, locks: map[int64]*sync.Mutex{}, keyLocks: map[string]*keyLock{}}
	e.r = notify.New(o.Catalog, &notify.Options{Location: o.Location, PersonName: e.personName})
	return e
}

// Store returns the engine's store.
func (e *Engine) Store() store.Store { return e.st }

// Playbooks returns the engine's playbooks.
func (e *Engine) Playbooks() *playbook.Set { return e.books }

// text is a message rendered in the reader's language.
type text func(lang string) string

func (e *Engine) t(key string, args ...any) text {
	return func(lang string) string { return e.cat.T(lang, key, args...) }
}

// userError is a refusal or a question for the user: it becomes a reply,
// never a log line.
type userError struct {
	t       text
	buttons []bot.Button
}

func (u *userError) Error() string { return u.t("en") }

func (e *Engine) refuse(key string, args ...any) error { return &userError{t: e.t(key, args...)} }

// request is one inbound command being handled.
type request struct {
	in    bot.Inbound
	cmd   command.Command
	actor bot.Person
	lang  string
	seen  []string
	quiet bool // one of many changes of one command: tell the incidents' chats, not the asker (it gets one answer)
}

// Handle acts on one inbound message or button press: it parses the
// command, applies it and commits the result, replies included, to the
// outbox. A message seen before (same platform update id) changes nothing.
// Ordinary chatter that is not a command is ignored. Handle returns an error
// only when the store fails; everything a user did wrong becomes a reply.
func (e *Engine) Handle(ctx context.Context, in bot.Inbound) (err error) {
	req := &request{in: in}
	defer func() {
		// A bug must not take the bot down or show anyone a stack trace:
		// log it for the operators, tell the user nothing was changed.
		if v := recover(); v != nil {
			e.log.Error("command panicked", "text", notify.Clip(in.Text, 100), "chat", in.Chat.String(), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			err = e.reply(ctx, req, e.t("err.internal"))
		}
	}()
	if in.ID != "" {
		key := "in:" + in.Platform + ":" + in.ID
		seen, err := e.st.Seen(ctx, key)
		if err != nil {
			return fmt.Errorf("check inbound %s: %w", key, err)
		}
		if seen {
			return nil
		}
		req.seen = []string{key}
	}
	req.lang = e.chatLang(ctx, in.Chat)
	cmd, err := command.ParseWith(in.Text, &command.Options{BotName: e.o.BotName, Prefix: e.o.Prefix, MaxLen: e.o.MaxLen[in.Platform]})
	if errors.Is(err, command.ErrNotCommand) || errors.Is(err, command.ErrNotForMe) {
		return nil
	}
	req.cmd = cmd
	p, known := e.actor(ctx, in)
	switch {
	case known:
		req.actor = p
	case e.o.Directory.Open():
		req.actor = bot.Person{ID: in.User, Name: firstNonEmpty(in.UserName, in.User)}
	case err == nil && cmd.Name == command.Link:
		return e.answer(ctx, req, e.link(ctx, req))
	default:
		return e.stranger(ctx, req)
	}
	var unknown *command.UnknownError
	var usage *command.UsageError
	var tooLong *command.TooLongError
	switch {
	case errors.As(err, &tooLong):
		return e.reply(ctx, req, e.t("err.too_long", tooLong.N, tooLong.Max))
	case errors.As(err, &unknown):
		if unknown.Suggest != "" {
			return e.reply(ctx, req, e.t("err.unknown_suggest", unknown.Word, unknown.Suggest))
		}
		return e.reply(ctx, req, e.t("err.unknown", unknown.Word))
	case errors.As(err, &usage):
		return e.reply(ctx, req, e.t("err.usage", command.Usage(usage.Name)))
	case err != nil:
		return e.reply(ctx, req, e.t("err.unknown", strings.Fields(in.Text + " ?")[0]))
	}
	if (cmd.Name == command.Cancel || cmd.Name == command.Close) && cmd.Ref == 0 && !cmd.Code && !in.Button && plainForm(in.Text) {
		// "huỷ cuộc họp chiều nay" is chat, not an order to cancel the
		// incident: the slashless form of a closing command must name it.
		return e.reply(ctx, req, e.t("err.plain_confirm", string(cmd.Name)))
	}
	if p.Language != "" && in.Chat.Direct {
		req.lang = p.Language
	}
	h, ok := e.handlers()[cmd.Name]
	if !ok {
		return e.reply(ctx, req, e.t("err.not_yet", "/"+string(cmd.Name)))
	}
	if err := e.permit(ctx, req); err != nil {
		return e.answer(ctx, req, err)
	}
	err = h(ctx, req)
	if err == nil {
		e.audited(ctx, req)
	}
	return e.answer(ctx, req, err)
}

// answer turns a handler's error into the reply the user sees: a refusal
// or question as is, anything else as a short "system error".
func (e *Engine) answer(ctx context.Context, req *request, err error) error {
	var ue *userError
	if errors.As(err, &ue) {
		return e.replyButtons(ctx, req, ue.t, ue.buttons)
	}
	if err != nil {
		e.log.Error("command failed", "command", req.cmd.Name, "chat", req.in.Chat.String(), "err", err)
		return e.reply(ctx, req, e.t("err.internal"))
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// chatLang returns the language of a chat: set with /lang, else configured,
// else the default.
func (e *Engine) chatLang(ctx context.Context, c bot.ChatRef) string {
	if v, err := e.st.Get(ctx, langKey(c)); err == nil && v != "" {
		return v
	}
	if ch, ok := e.o.Directory.ChatFor(c); ok && ch.Language != "" {
		return ch.Language
	}
	return e.o.Language
}

func langKey(c bot.ChatRef) string { return "lang:" + c.String() }

// reply commits a reply to the request's chat (and its dedup key).
func (e *Engine) reply(ctx context.Context, req *request, t text) error {
	return e.replyButtons(ctx, req, t, nil)
}

func (e *Engine) replyButtons(ctx context.Context, req *request, t text, buttons []bot.Button) error {
	tx := &store.Tx{Seen: req.seen, Outbox: []bot.Outgoing{{
		Chat: req.in.Chat, Kind: bot.KindReply, Text: t(req.lang), Buttons: buttons, ReplyTo: req.in.MessageID,
	}}}
	return e.commit(ctx, tx)
}

// commit writes tx; a duplicate (the input was handled before) is success.
func (e *Engine) commit(ctx context.Context, tx *store.Tx) error {
	err := e.commitOrDuplicate(ctx, tx)
	if errors.Is(err, store.ErrDuplicate) {
		return nil
	}
	return err
}

// commitOrDuplicate writes tx and tells the caller of a duplicate, for the
// callers that must then do something else (join what another process
// opened).
func (e *Engine) commitOrDuplicate(ctx context.Context, tx *store.Tx) error {
	kept := tx.Outbox[:0]
	for _, m := range tx.Outbox {
		if e.running(m.Chat.Platform) {
			m.Buttons = slices.Clone(m.Buttons) // buttons may be shared between messages
			e.localize(ctx, &m)
			kept = append(kept, m)
		}
	}
	tx.Outbox = kept
	if err := e.st.Commit(ctx, tx); err != nil {
		return err
	}
	if e.o.OnCommit != nil {
		e.o.OnCommit(tx)
	}
	return nil
}

// labelKey marks a button label that is a catalogue key, rendered in the
// language of the chat the message goes to when it is committed.
const labelKey = "\x00"

// button is a button whose label is the catalogue's key, in the reader's
// language.
func (e *Engine) button(key, data string) bot.Button {
	return bot.Button{Label: labelKey + key, Data: data}
}

// localize renders the catalogue-keyed button labels of m in the language
// of its reader: the chat's, or for a direct chat the person's.
func (e *Engine) localize(ctx context.Context, m *bot.Outgoing) {
	lang := ""
	for i, b := range m.Buttons {
		key, ok := strings.CutPrefix(b.Label, labelKey)
		if !ok {
			continue
		}
		if lang == "" {
			lang = e.readerLang(ctx, m.Chat)
		}
		m.Buttons[i].Label = e.cat.T(lang, key)
	}
}

// readerLang is the language of whoever reads chat: set there with /lang,
// else for a direct chat the person's, else the chat's configured one.
func (e *Engine) readerLang(ctx context.Context, ch bot.ChatRef) string {
	if v, err := e.st.Get(ctx, langKey(ch)); err == nil && v != "" {
		return v
	}
	if ch.Direct {
		id := strings.TrimPrefix(ch.ID, "dm:")
		if p, ok := e.o.Directory.Lookup(ch.Platform, id); ok && p.Language != "" {
			return p.Language
		}
	}
	return e.chatLang(ctx, ch)
}

// running reports whether platform is one the bot delivers to now.
func (e *Engine) running(platform string) bool {
	return e.o.Platforms == nil || slices.Contains(e.o.Platforms, platform)
}

func (e *Engine) lock(id int64) func() {
	e.mu.Lock()
	l, ok := e.locks[id]
	if !ok {
		l = &sync.Mutex{}
		e.locks[id] = l
	}
	e.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// change is what one action does to one incident before it is committed.
type change struct {
	e      *Engine
	req    *request // nil for system actions (timers, alerts)
	now    time.Time
	inc    *bot.Incident
	pb     *playbook.Playbook
	events []bot.Event
	out    []bot.Outgoing
	set    []bot.Timer
	cancel []string
	put    map[string]string
	seen   []string

	summarized bool // a leadership summary covers this change
}

func (c *change) actorID() string {
	if c.req == nil {
		return "irbot"
	}
	return c.req.actor.ID
}

func (c *change) actorName() string {
	if c.req == nil {
		return "irbot"
	}
	return firstNonEmpty(c.req.actor.Name, c.req.actor.ID)
}

// record appends a timeline event by the acting person (or the bot).
func (c *change) record(kind bot.EventKind, data map[string]string) {
	c.events = append(c.events, bot.Event{At: c.now, Actor: c.actorID(), Kind: kind, Data: data})
}

// recordBot appends a timeline event decided by the bot itself (pages,
// escalations), whoever's action led to it.
func (c *change) recordBot(kind bot.EventKind, data map[string]string) {
	c.events = append(c.events, bot.Event{At: c.now, Actor: "irbot", Kind: kind, Data: data})
}

// notify tells every chat of the incident, and the chat the command came
// from, in each chat's own language.
func (c *change) notify(ctx context.Context, kind string, t text, buttons []bot.Button) {
	chats := append([]bot.ChatRef(nil), c.inc.Chats...)
	if c.req != nil && !c.req.quiet && !c.inc.HasChat(c.req.in.Chat) {
		chats = append(chats, c.req.in.Chat)
	}
	for _, ch := range chats {
		m := bot.Outgoing{Incident: c.inc.ID, Chat: ch, Kind: kind, Text: t(c.e.chatLang(ctx, ch)), Buttons: buttons}
		if c.req != nil && ch == c.req.in.Chat {
			m.ReplyTo = c.req.in.MessageID
			if c.req.in.Button {
				m.Edit = c.req.in.MessageID // the tapped message shows who did what
			}
		}
		c.out = append(c.out, m)
	}
}

// reply answers only the chat the command came from.
func (c *change) reply(t text, buttons []bot.Button) {
	if c.req.quiet {
		return
	}
	c.out = append(c.out, bot.Outgoing{Incident: c.inc.ID, Chat: c.req.in.Chat, Kind: bot.KindReply,
		Text: t(c.req.lang), Buttons: buttons, ReplyTo: c.req.in.MessageID})
}

func (c *change) tx() *store.Tx {
	c.inc.Updated = c.now
	c.inc.Seq, c.inc.LastHash = bot.Chain(c.inc.Seq, c.inc.LastHash, c.events)
	if c.summarized {
		c.inc.SummarySeq = c.inc.Seq
	}
	return &store.Tx{Incident: c.inc, Events: c.events, Outbox: c.out, SetTimers: c.set,
		CancelTimers: c.cancel, Seen: c.seen, Put: c.put}
}

// maxRetries bounds the retries of one action on concurrent changes.
const maxRetries = 8

// apply runs fn on a fresh copy of incident id and commits what it did,
// retrying from a fresh read when another writer committed first.
func (e *Engine) apply(ctx context.Context, id int64, req *request, fn func(ctx context.Context, c *change) error) error {
	defer e.lock(id)()
	for attempt := 0; ; attempt++ {
		inc, err := e.st.Incident(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return e.refuse("err.no_incident", fmt.Sprintf("%s-%d", e.o.Prefix, id))
		}
		if err != nil {
			return fmt.Errorf("load incident %d: %w", id, err)
		}
		pb, ok := e.books.Get(inc.Playbook)
		if !ok {
			return e.refuse("err.playbook_gone", inc.Ref(), inc.Playbook)
		}
		c := &change{e: e, req: req, now: e.o.Clock.Now(), inc: inc.Clone(), pb: pb}
		if req != nil {
			c.seen = req.seen
		}
		if err := fn(ctx, c); err != nil {
			return err
		}
		e.finish(ctx, c)
		err = e.commit(ctx, c.tx())
		if errors.Is(err, store.ErrConflict) && attempt < maxRetries {
			continue
		}
		if err != nil {
			return fmt.Errorf("commit %s: %w", inc.Ref(), err)
		}
		return nil
	}
}

// target finds the incident a command means: its ref, else the chat's
// single open incident, else (none open) the chat's latest incident. With
// several open it asks which, with a button for each.
func (e *Engine) target(ctx context.Context, req *request) (int64, error) {
	if req.cmd.Ref > 0 {
		return int64(req.cmd.Ref), nil
	}
	// The open incidents first (an index); all of them only when none is
	// open here.
	all, err := e.st.Incidents(ctx, true)
	if err != nil {
		return 0, fmt.Errorf("list incidents: %w", err)
	}
	found := false
	for _, inc := range all {
		found = found || inc.HasChat(req.in.Chat)
	}
	if !found {
		if all, err = e.st.Incidents(ctx, false); err != nil {
			return 0, fmt.Errorf("list incidents: %w", err)
		}
	}
	var here []*bot.Incident
	var latest *bot.Incident // the chat's most recently changed incident
	for _, inc := range all {
		if !inc.HasChat(req.in.Chat) {
			continue
		}
		if inc.Open() {
			here = append(here, inc)
		}
		if latest == nil || inc.Updated.After(latest.Updated) {
			latest = inc
		}
	}
	switch {
	case len(here) == 1:
		return here[0].ID, nil
	case len(here) == 0 && latest != nil:
		// Nothing open here: the chat means the incident it just finished
		// (/close after /resolve, /reopen, /timeline).
		return latest.ID, nil
	case len(here) == 0:
		return 0, e.refuse("err.no_open")
	}
	refs := make([]string, len(here))
	var buttons []bot.Button
	for i, inc := range here {
		refs[i] = inc.Ref() + " " + notify.Clip(inc.Title, 40)
		if i < 4 {
			// The button repeats the command with the incident named, its
			// arguments kept when they fit a button (64 bytes).
			data := "/" + string(req.cmd.Name) + " " + inc.Ref()
			if args := argsOf(req.cmd); args != "" && len(data)+1+len(args) <= 64 {
				data += " " + args
			}
			buttons = append(buttons, bot.Button{Label: inc.Ref(), Data: data})
		}
	}
	return 0, &userError{t: e.t("err.which", strings.Join(refs, "\n"), "/"+string(req.cmd.Name)), buttons: buttons}
}

// argsOf writes a parsed command's arguments back as text, without its
// incident: "binh kiểm tra máy chủ" for /page binh kiểm tra máy chủ.
func argsOf(c command.Command) string {
	var parts []string
	if c.Step > 0 {
		parts = append(parts, strconv.Itoa(c.Step))
	}
	if c.Sev > 0 && c.Name == command.Sev {
		parts = append(parts, strconv.Itoa(c.Sev))
	}
	if c.Role != "" {
		parts = append(parts, c.Role)
	}
	if c.User != "" {
		parts = append(parts, c.User)
	}
	if c.Text != "" {
		parts = append(parts, c.Text)
	}
	return strings.Join(parts, " ")
}

// plainForm reports whether a command was typed without "/" or a mention.
func plainForm(text string) bool {
	t := strings.TrimSpace(text)
	return !strings.HasPrefix(t, "/") && !strings.HasPrefix(t, "@")
}

// Directory returns the people and chats the engine knows.
func (e *Engine) Directory() *bot.Directory { return e.o.Directory }
