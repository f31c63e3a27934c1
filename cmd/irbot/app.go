package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/console"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/bot/scheduler"
	"github.com/irbot/irbot/bot/web"
	"github.com/irbot/irbot/playbooks"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/bolt"
)

// loadPlaybooks loads playbooks_dir, or the bundled ones when it is empty.
func loadPlaybooks(cfg *Config) (*playbook.Set, error) {
	opts := playbook.Options{Escalations: cfg.escalationNames()}
	if cfg.PlaybooksDir == "" {
		return playbook.LoadFS(playbooks.FS, ".", opts)
	}
	return playbook.LoadDir(cfg.PlaybooksDir, opts)
}

// summarySettle is how long a leadership summary waits for a newer one of
// the same incident before it is sent, so that a burst of changes reaches
// leaders as one summary.
const summarySettle = 2 * time.Second

// pageGather is how long a page waits for others to the same person, so
// that escalations falling due together arrive as one message at once
// rather than the second a chat window later.
const pageGather = 20 * time.Millisecond

// app is the wired bot.
type app struct {
	cfg *Config
	st  store.Store
	// eng is the engine the app was opened with. Delivery, timers and
	// serve's handlers use engine(), which a reload (SIGHUP) replaces.
	eng     *engine.Engine
	cur     atomic.Pointer[engine.Engine]
	deliv   *chat.Deliverer
	sched   *scheduler.Scheduler
	log     *slog.Logger
	metrics *web.Metrics // nil outside serve

	// What a new engine is built with besides the configuration.
	botName string
	running []string
	maxLen  map[string]int

	owner     string    // this process, in leases
	clock     bot.Clock // the system clock, or IRBOT_TEST_CLOCK's
	testClock bool
}

// engine returns the engine in use; safe for concurrent use.
func (a *app) engine() *engine.Engine { return a.cur.Load() }

// openApp opens the store and wires engine, delivery and scheduler.
func openApp(cfg *Config, senders []chat.Sender, log *slog.Logger) (*app, error) {
	st, err := openStore(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	a, err := newApp(cfg, st, senders, "", log)
	if err != nil {
		st.Close()
	}
	return a, err
}

// newApp wires engine, delivery and scheduler on an open store. botName is
// the bot's username on the chat platforms, for "/cmd@BotName".
func newApp(cfg *Config, st store.Store, senders []chat.Sender, botName string, log *slog.Logger) (*app, error) {
	books, err := loadPlaybooks(cfg)
	if err != nil {
		return nil, fmt.Errorf("playbooks:\n%w", err)
	}
	for _, r := range cfg.Alerts.Routes {
		for _, id := range r.Playbooks() {
			if _, ok := books.Get(id); !ok {
				var ids []string
				for _, pb := range books.List() {
					ids = append(ids, pb.ID)
				}
				return nil, fmt.Errorf("alert route %q: no playbook %q; use one of: %s", r.ID, id, strings.Join(ids, ", "))
			}
		}
	}
	a := &app{cfg: cfg, st: st, log: log, botName: botName, running: make([]string, 0, len(senders)), maxLen: map[string]int{}}
	a.clock, a.testClock = clockFromEnv()
	for _, s := range senders {
		a.running = append(a.running, s.Platform())
		if l, ok := s.(chat.Limiter); ok && l.Limits().MaxLen > 0 {
			a.maxLen[s.Platform()] = l.Limits().MaxLen
		}
	}
	a.eng = a.newEngine(cfg, books)
	a.cur.Store(a.eng)
	opts := []chat.DeliverOption{chat.WithLogger(log),
		chat.WithFailure(func(ctx context.Context, m bot.Outgoing, cause error) { a.engine().DeliveryFailed(ctx, m, cause) }),
		chat.WithBundle(func(pages []bot.Outgoing) bot.Outgoing { return a.engine().BundlePages(pages) })}
	if len(senders) == 1 && senders[0].Platform() == console.Platform {
		opts = append(opts, chat.WithWorkers(1)) // one terminal: print in commit order
	} else {
		opts = append(opts, chat.WithSettle(summarySettle), chat.WithPageGather(pageGather))
	}
	a.deliv = chat.NewDeliverer(store.KV{Store: st}, senders, opts...)
	host, _ := os.Hostname()
	fire := func(ctx context.Context, t bot.Timer) error { return a.engine().Fire(ctx, t) }
	a.owner = host + ":" + strconv.Itoa(os.Getpid())
	a.sched = scheduler.New(st, fire, a.clock, a.owner, log)
	if a.testClock {
		a.sched.MaxSleep = 100 * time.Millisecond // notice the clock jumping ahead
	}
	return a, nil
}

// newEngine builds an engine for cfg and books on the app's store,
// platforms and hooks: at the start, and again on every reload.
func (a *app) newEngine(cfg *Config, books *playbook.Set) *engine.Engine {
	return engine.New(a.st, books, engine.Options{
		Prefix:         cfg.IncidentPrefix,
		Language:       cfg.Language,
		Location:       cfg.loc,
		Directory:      bot.NewDirectory(cfg.People, cfg.Chats),
		Logger:         a.log,
		Rosters:        cfg.Rosters,
		Policies:       cfg.Escalation,
		Maintenance:    cfg.Maintenance,
		Summaries:      cfg.summaries(),
		Systems:        cfg.Systems,
		BotName:        a.botName,
		Platforms:      a.running,
		Access:         cfg.policy,
		IncidentRoles:  cfg.Access.IncidentRoles,
		MaintenanceMax: cfg.Access.maintenanceMax(),
		RouteChats:     cfg.routeChats(),
		Heartbeats:     cfg.hb,
		Clock:          a.clock,
		MaxLen:         a.maxLen,
		Reporting:      engine.Reporting{Org: cfg.Reporting.Org, Recipients: cfg.Reporting.Recipients, References: cfg.Reporting.References},
		OnCommit: func(tx *store.Tx) {
			if a.metrics != nil {
				a.metrics.Committed(tx)
			}
			if a.deliv != nil && len(tx.Outbox) > 0 {
				a.deliv.Wake()
			}
			if a.sched != nil && len(tx.SetTimers) > 0 {
				a.sched.Wake()
			}
		},
	})
}

func (a *app) Close() error { return a.st.Close() }

// openStore opens the configured store: the embedded file, or Redis.
func openStore(ctx context.Context, cfg *Config) (store.Store, error) {
	if cfg.Store == "" {
		st, err := bolt.Open(cfg.DataDir)
		if err != nil {
			return nil, fmt.Errorf("store: %w: stop any other irbot using data_dir %s%s, or give this one a directory of its own that it can write (--data DIR, %s or data_dir)",
				err, cfg.DataDir, cfg.from("data_dir"), envData)
		}
		return st, nil
	}
	st, err := openRedis(ctx, cfg.Store)
	if err != nil {
		return nil, fmt.Errorf("store %s%s: %w: check that Redis runs there and the URL is right (store, or %s)", redactURL(cfg.Store), cfg.from("store"), err, envStore)
	}
	return st, nil
}

func cmdConsole(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := newCLI("console", stderr)
	fs := c.fs
	user := fs.String("user", "", "plain lines speak as `USER` (default: the first configured person, or \"you\")")
	chatID := fs.String("chat", "", "plain lines speak in `CHAT` (default: the first response chat, or \"console\")")
	c.describe(stdout, "irbot console [flags]",
		"The bot in this terminal: type commands as a person in a chat (\"binh@soc: /note …\" speaks as another).\nWith stdin not a terminal, runs the lines as a script and exits at EOF.")
	if code, ok := c.parse(args); !ok {
		return code
	}
	cfg, err := c.config()
	if err != nil {
		return 2
	}
	if *user == "" {
		*user = "you"
		if len(cfg.People) > 0 {
			*user = cfg.People[0].ID
		}
	}
	if *chatID == "" {
		*chatID = "console"
		for _, c := range cfg.Chats {
			if c.Purpose == "response" {
				*chatID = c.ID
				break
			}
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	con := console.New(stdout)
	a, err := openApp(cfg, []chat.Sender{con}, log)
	if err != nil {
		fmt.Fprintln(stderr, "irbot:", err)
		return 2
	}
	defer a.Close()
	if err := a.engine().Start(ctx); err != nil { // the daily digest and the rosters' timers, as serve sets them
		fmt.Fprintln(stderr, "irbot:", err)
		return 1
	}
	// Timers fire when due, with or without a terminal: a script's held-back
	// summary or digest is printed with the next line's answers, or at the
	// end of input.
	bg, cancel := context.WithCancel(ctx)
	defer cancel()
	go a.sched.Run(bg)

	var prompt func() string
	if f, ok := stdin.(*os.File); ok && isTerminal(f) {
		fmt.Fprintf(stdout, "irbot console — data in %s. You are %q in chat %q; type \"other@chat: text\" to speak as someone else. /help lists commands, Ctrl-D quits.\n", cfg.DataDir, *user, *chatID)
		prompt = func() string { return *user + "@" + *chatID + "> " }
		go a.deliv.Run(bg, time.Second)
	} else {
		// A script: what a timer says is printed when it fires, not with
		// the next line's answers.
		a.sched.OnFired = func(bot.Timer, time.Duration) { a.deliv.Flush(bg) }
	}
	step := func(ctx context.Context, in bot.Inbound) error {
		if _, err := a.sched.Tick(ctx); err != nil {
			return err
		}
		if err := a.eng.Handle(ctx, in); err != nil {
			return err
		}
		return a.deliv.Flush(ctx)
	}
	if err := a.deliv.Flush(ctx); err != nil { // what a crash left undelivered
		fmt.Fprintln(stderr, "irbot:", err)
		return 1
	}
	if err := console.Run(ctx, stdin, stdout, prompt, *user, *chatID, step); err != nil && ctx.Err() == nil {
		fmt.Fprintln(stderr, "irbot:", err)
		return 1
	}
	// At the end of input, what has fallen due is told before the console
	// ends (a script's held-back summary, a digest).
	if _, err := a.sched.Tick(context.WithoutCancel(ctx)); err != nil {
		fmt.Fprintln(stderr, "irbot:", err)
		return 1
	}
	if err := a.deliv.Flush(context.WithoutCancel(ctx)); err != nil {
		fmt.Fprintln(stderr, "irbot:", err)
		return 1
	}
	return 0
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	c := newCLI("validate", stderr)
	fs := c.fs
	graph := fs.String("graph", "", "print the state graph of `PLAYBOOK` as Mermaid")
	c.describe(stdout, "irbot validate [flags] [DIR]",
		"Check the playbooks in DIR (default playbooks_dir, else the built-in ones): every problem as file:line:col, exit 1 on any.")
	if code, ok := c.parse(args); !ok {
		return code
	}
	cfg, err := c.config()
	if err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		cfg.PlaybooksDir = fs.Arg(0)
	}
	books, err := loadPlaybooks(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *graph != "" {
		pb, ok := books.Get(*graph)
		if !ok {
			fmt.Fprintf(stderr, "irbot: no playbook %q\n", *graph)
			return 1
		}
		g, err := playbook.Graph(pb)
		if err != nil {
			fmt.Fprintln(stderr, "irbot:", err)
			return 1
		}
		fmt.Fprint(stdout, g)
		return 0
	}
	for _, pb := range books.List() {
		fmt.Fprintf(stdout, "ok  %-18s %d phases, %d steps  %s\n", pb.ID, len(pb.Phases), len(pb.Steps()), pb.File)
	}
	return 0
}

func cmdVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newCLI("verify", stderr)
	fs := c.fs
	c.describe(stdout, "irbot verify [flags] [IR-n ...]",
		"Recompute the hash chains of the named incidents' timelines (default: every incident); exit 1 if one is broken.")
	if code, ok := c.parse(args); !ok {
		return code
	}
	cfg, err := c.config()
	if err != nil {
		return 2
	}
	st, err := c.store(ctx, cfg)
	if err != nil {
		return 2
	}
	defer st.Close()
	var incs []*bot.Incident
	if fs.NArg() == 0 {
		if incs, err = st.Incidents(ctx, false); err != nil {
			fmt.Fprintln(stderr, "irbot:", err)
			return 1
		}
	}
	for _, ref := range fs.Args() {
		n, err := strconv.ParseInt(ref[strings.LastIndex(ref, "-")+1:], 10, 64)
		if err != nil {
			fmt.Fprintf(stderr, "irbot: %q is not an incident reference (e.g. IR-7)\n", ref)
			return 2
		}
		inc, err := st.Incident(ctx, n)
		if err != nil {
			fmt.Fprintf(stderr, "irbot: %s: %v\n", ref, err)
			return 1
		}
		incs = append(incs, inc)
	}
	broken := 0
	for _, inc := range incs {
		evs, err := st.Timeline(ctx, inc.ID, 0)
		if err == nil {
			err = engine.VerifyIncident(inc, evs)
		}
		if err != nil {
			broken++
			fmt.Fprintf(stdout, "BROKEN %s: %v\n", inc.Ref(), err)
			continue
		}
		fmt.Fprintf(stdout, "ok     %s: %d events, last hash %s\n", inc.Ref(), len(evs), inc.LastHash)
	}
	if broken > 0 {
		return 1
	}
	return 0
}

// routeChats maps each alert route to its chat.
func (c *Config) routeChats() map[string]string {
	out := map[string]string{}
	for _, r := range c.Alerts.Routes {
		out[r.ID] = r.Chat
	}
	return out
}
