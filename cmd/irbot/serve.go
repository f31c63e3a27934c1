package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/alerts"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/slack"
	"github.com/irbot/irbot/bot/chat/telegram"
	"github.com/irbot/irbot/bot/chat/zalo"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/intake"
	"github.com/irbot/irbot/bot/web"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/redis"
)

// platform is a started chat adapter: its sender, and optionally a receive
// loop (polling) or a webhook to mount.
type platform struct {
	sender  chat.Sender
	receive func(ctx context.Context, h chat.Handler) error // nil in webhook mode
	webhook func(h chat.Handler) (pattern string, handler http.Handler)
	stop    func(ctx context.Context) error // finish work accepted over HTTP (nil = none)
	// register tells the platform where the webhook is (nil = set by hand,
	// as Slack's is in the app's settings).
	register func(ctx context.Context, url string) error
	mode     string // how it receives, for the startup summary: "polling", "webhook POST /telegram/webhook"
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newCLI("serve", stderr)
	fs := c.fs
	listen := fs.String("listen", "", "serve HTTP on `ADDR` (overrides $IRBOT_LISTEN and http.listen)")
	c.describe(stdout, "irbot serve [flags]",
		"Run the bot: the enabled chat platforms, alert intake at POST /alerts/<route>, /healthz, /readyz and /metrics.\nSIGHUP reloads the configuration and playbooks; SIGTERM stops within http.shutdown_grace.")
	if code, ok := c.parse(args); !ok {
		return code
	}
	cfg, err := c.config()
	if err != nil {
		return 2
	}
	withFlags := func(cfg *Config) *Config {
		if *listen != "" {
			cfg.HTTP.Listen = *listen
			delete(cfg.env, "http.listen")
		}
		return cfg
	}
	reload := func() (*Config, error) {
		cfg, err := c.load()
		if err != nil {
			return nil, err
		}
		return withFlags(cfg), nil
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	redis.SetLogger(log) // go-redis's own lines as JSON records too
	if err := serve(ctx, withFlags(cfg), reload, log, stdout); err != nil {
		fmt.Fprintln(stderr, "irbot:", err)
		var ce *configError
		if errors.As(err, &ce) {
			return 2
		}
		return 1
	}
	return 0
}

// configError is a startup problem the operator must fix (exit 2).
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// serve runs the bot until ctx ends: platforms, delivery, timers, HTTP.
// On SIGHUP it reloads what it can from reload (see reloadConfig).
func serve(ctx context.Context, cfg *Config, reload func() (*Config, error), log *slog.Logger, stdout io.Writer) error {
	hup := make(chan os.Signal, 1) // from the start: SIGHUP must never kill the server
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	st, err := openStore(ctx, cfg)
	if err != nil {
		return &configError{err}
	}
	defer st.Close()
	// Adapters start before the engine (it needs the bot's name), so audit
	// entries they raise wait for it through this late-bound hook.
	var auditMu sync.Mutex
	var auditFn func(kind string, data map[string]string)
	audit := func(kind string, data map[string]string) {
		auditMu.Lock()
		f := auditFn
		auditMu.Unlock()
		if f != nil {
			f(kind, data)
		}
	}
	plats, botName, err := startPlatforms(ctx, cfg, st, log, audit)
	if err != nil {
		return &configError{err}
	}
	senders := make([]chat.Sender, 0, len(plats))
	for _, p := range plats {
		senders = append(senders, p.sender)
	}
	a, err := newApp(cfg, st, senders, botName, log)
	if err != nil {
		return &configError{err}
	}
	auditMu.Lock()
	auditFn = func(kind string, data map[string]string) {
		a.engine().Audit(context.Background(), bot.EventKind(kind), data)
	}
	auditMu.Unlock()
	a.metrics = web.NewMetrics(a.st, a.deliv)
	a.sched.OnFired = func(_ bot.Timer, late time.Duration) { a.metrics.TimerFired(late) }

	handle := func(ctx context.Context, in bot.Inbound) error {
		a.metrics.Inbound(in.Platform)
		return a.engine().Handle(ctx, in)
	}
	ready := make(chan struct{})
	var wipedLogged atomic.Bool
	metricsToken, err := envSecret("http.metrics_token_env", cfg.HTTP.MetricsTokenEnv)
	if err != nil {
		return &configError{err}
	}
	srv := web.New(web.Options{Listen: cfg.HTTP.Listen, Log: log, Metrics: a.metrics, MetricsToken: metricsToken, MaxBody: cfg.HTTP.MaxBody,
		Ready: func(ctx context.Context) error {
			select {
			case <-ready:
			default:
				return errors.New("starting")
			}
			if c, ok := a.st.(storeChecker); ok {
				err := c.Check(ctx)
				switch {
				case errors.Is(err, redis.ErrWiped):
					if wipedLogged.CompareAndSwap(false, true) {
						log.Error("not ready: the store was emptied under this replica; it will not page from an empty store", "err", err)
					}
				case err != nil:
					log.Warn("not ready: the store cannot be reached; waiting for it", "err", err)
				}
				return err
			}
			if _, err := a.st.Get(ctx, "ready-probe"); err != nil && !errors.Is(err, storeNotFound) {
				return fmt.Errorf("store: %w", err)
			}
			return nil
		}})
	routes, err := alertRoutes(cfg)
	if err != nil {
		return &configError{err}
	}
	srv.MountAlerts(routes, func(ctx context.Context, r alerts.Route, as []bot.Alert) (bot.AlertResult, error) {
		in := intake.Route{Route: r.ID, Chat: r.Chat, Escalation: r.Escalation, Playbook: r.Playbook, AutoResolve: r.AutoResolve}
		if len(as) > 0 {
			in.Playbook = r.PlaybookOf(as[0]) // Wazuh: the rule's groups pick it
		}
		return a.engine().Alerts(ctx, in, as, r.SeverityOf)
	})
	if err := mountHeartbeats(srv, cfg, func(ctx context.Context, id string) error { return a.engine().Ping(ctx, id) }); err != nil {
		return &configError{err}
	}
	// Calendar feeds only at their secret URLs (irbot roster url <id>).
	if cfg.HTTP.CalendarSecretEnv != "" {
		calKey, err := envSecret("http.calendar_secret_env", cfg.HTTP.CalendarSecretEnv)
		if err != nil {
			return &configError{err}
		}
		if err := srv.MountCalendars(calKey, func(ctx context.Context, id string) (string, error) {
			return a.engine().RosterICS(ctx, id, 60)
		}); err != nil {
			return &configError{fmt.Errorf("http.calendar_secret_env: %s: %w", cfg.HTTP.CalendarSecretEnv, err)}
		}
	}
	var hooks []func(context.Context) error
	for _, p := range plats {
		if p.webhook != nil {
			pattern, h := p.webhook(handle)
			srv.Handle(pattern, h)
			if p.register != nil {
				if cfg.HTTP.PublicURL == "" {
					return &configError{fmt.Errorf("%s: webhook mode needs http.public_url, the address the platform can reach", p.sender.Platform())}
				}
				url := strings.TrimRight(cfg.HTTP.PublicURL, "/") + strings.TrimPrefix(pattern, "POST ")
				reg := p.register
				hooks = append(hooks, func(ctx context.Context) error { return reg(ctx, url) })
			}
		}
	}
	ln, err := srv.Listen()
	if err != nil {
		return &configError{fmt.Errorf("http.listen %q%s: %w: stop what listens there, or give another address (--listen ADDR, %s or http.listen)",
			cfg.HTTP.Listen, cfg.from("http.listen"), err, envListen)}
	}
	fmt.Fprintf(stdout, "irbot serving on http://%s (store: %s)\n", ln.Addr(), storeName(cfg))
	printSummary(stdout, cfg, plats, a.engine(), "http://"+ln.Addr().String())
	if len(plats) == 0 {
		log.Warn("no chat platform is enabled: only alerts and HTTP are served. Enable one under platforms: in " + cfg.describePath() +
			" (e.g. telegram: enabled: true, with TELEGRAM_BOT_TOKEN set), or try the bot with \"irbot console\"")
	}
	if err := a.engine().StartHeartbeats(ctx); err != nil && ctx.Err() == nil {
		return err
	}
	if err := a.engine().StartRosters(ctx); err != nil && ctx.Err() == nil { // stopped at once: a clean stop below
		return err
	}
	// Register webhooks once the server listens, so the first update finds it.
	for _, reg := range hooks {
		if err := reg(ctx); err != nil && ctx.Err() == nil {
			return &configError{fmt.Errorf("register webhook: %w", err)}
		}
	}

	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	run := func(f func(ctx context.Context)) { wg.Add(1); go func() { defer wg.Done(); f(bg) }() }
	// One replica delivers the outbox and polls each platform at a time
	// (leases in a shared store); webhooks, alerts and timers go to any.
	owner := a.owner
	var delivering atomic.Bool
	run(func(ctx context.Context) {
		whileLeased(ctx, a.st, "deliver", owner, log, func(ctx context.Context) {
			delivering.Store(true)
			defer delivering.Store(false)
			a.deliv.Run(ctx, time.Second)
		})
	})
	run(a.sched.Run)
	recvCtx, stopRecv := context.WithCancel(ctx)
	for _, p := range plats {
		if p.receive != nil {
			p := p
			run(func(context.Context) {
				whileLeased(recvCtx, a.st, "poll:"+p.sender.Platform(), owner, log, func(ctx context.Context) {
					for ctx.Err() == nil {
						if err := p.receive(ctx, handle); err != nil && ctx.Err() == nil {
							log.Warn("receive loop stopped; restarting", "platform", p.sender.Platform(), "err", err)
							sleep(ctx, 2*time.Second)
						}
					}
				})
			})
		}
	}
	run(func(context.Context) {
		for {
			select {
			case <-recvCtx.Done():
				return
			case <-hup:
				log.Info("reload: SIGHUP received")
				a.reloadAndLog(recvCtx, reload)
			}
		}
	})
	close(ready)
	grace := cfg.HTTP.grace()
	stopping := make(chan time.Time, 1)
	context.AfterFunc(ctx, func() { stopping <- time.Now() })
	err = srv.Serve(ctx, ln, grace) // returns once ctx ends and requests finished
	stopRecv()
	// Finish what adapters accepted over HTTP, then flush what it
	// committed, all within the grace period from the signal.
	stopAt := time.Now()
	select {
	case stopAt = <-stopping:
	default:
	}
	fctx, cancel := context.WithDeadline(context.Background(), stopAt.Add(grace))
	for _, p := range plats {
		if p.stop != nil {
			if serr := p.stop(fctx); serr != nil {
				log.Warn("adapter did not finish its accepted work", "platform", p.sender.Platform(), "err", serr)
			}
		}
	}
	if delivering.Load() { // only the replica that delivers drains; the others leave it to it
		if ferr := a.deliv.Flush(fctx); ferr != nil {
			log.Warn("outbox not fully flushed at shutdown; it is kept for the next start", "err", ferr)
		}
	}
	cancel()
	stopBG()
	wg.Wait()
	return err
}

// printSummary says what serve serves: where its configuration came from,
// its platforms and how they receive, its alert routes and their URLs, its
// playbooks and its HTTP endpoints. base is the server's own URL.
func printSummary(w io.Writer, cfg *Config, plats []platform, eng *engine.Engine, base string) {
	if cfg.HTTP.PublicURL != "" {
		base = strings.TrimRight(cfg.HTTP.PublicURL, "/")
	}
	fmt.Fprintf(w, "  config:       %s\n", cfg.describePath())
	if len(plats) == 0 {
		fmt.Fprintf(w, "  platforms:    none enabled: set platforms.telegram.enabled: true (or zalo, slack) and its token (TELEGRAM_BOT_TOKEN, …)\n")
	}
	for i, p := range plats {
		label := "  platforms:   "
		if i > 0 {
			label = "               "
		}
		fmt.Fprintf(w, "%s %s (%s)\n", label, p.sender.Platform(), p.mode)
	}
	if len(cfg.Alerts.Routes) == 0 {
		fmt.Fprintf(w, "  alert routes: none (add them under alerts.routes)\n")
	}
	for i, r := range cfg.Alerts.Routes {
		label := "  alert routes:"
		if i > 0 {
			label = "               "
		}
		auth := "bearer token"
		if r.HMACSecretEnv != "" {
			auth = "HMAC signature"
		}
		fmt.Fprintf(w, "%s POST %s/alerts/%s (%s, %s) → chat %s\n", label, base, r.ID, r.Kind, auth, firstSet(r.Chat, "(none)"))
	}
	for i, h := range cfg.Heartbeats {
		label := "  heartbeats:  "
		if i > 0 {
			label = "               "
		}
		fmt.Fprintf(w, "%s POST or GET %s/heartbeat/%s every %s (grace %s) → route %s\n", label, base, h.ID, h.Interval, firstSet(h.Grace, "¼ interval"), h.Route)
	}
	from := "built in"
	if cfg.PlaybooksDir != "" {
		from = "from " + cfg.PlaybooksDir
	}
	var ids []string
	for _, pb := range eng.Playbooks().List() {
		ids = append(ids, pb.ID)
	}
	fmt.Fprintf(w, "  playbooks:    %d %s: %s\n", len(ids), from, strings.Join(ids, ", "))
	fmt.Fprintf(w, "  health:       %s/healthz, %s/readyz, %s/metrics\n", base, base, base)
	fmt.Fprintf(w, "  reload:       kill -HUP %d reloads the configuration and playbooks\n", os.Getpid())
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func storeName(cfg *Config) string {
	if cfg.Store == "" {
		return "embedded file in " + cfg.DataDir
	}
	return redactURL(cfg.Store)
}

// alertRoutes resolves each route's credentials from the environment.
func alertRoutes(cfg *Config) ([]web.AlertRoute, error) {
	var out []web.AlertRoute
	for _, r := range cfg.Alerts.Routes {
		auth, err := r.Resolve(os.Getenv, os.ReadFile)
		if err != nil {
			return nil, routeCredentialsFix(r, err)
		}
		out = append(out, web.AlertRoute{Route: r, Auth: auth})
	}
	return out, nil
}

// routeCredentialsFix turns a route's missing credential into an error
// that says where the credential comes from and how to give it.
func routeCredentialsFix(r alerts.Route, err error) error {
	n := 0
	for _, s := range []string{r.TokenEnv, r.TokenFile, r.HMACSecretEnv} {
		if s != "" {
			n++
		}
	}
	if n != 1 { // none or several: Resolve's error names the fix
		return fmt.Errorf("alert route %q: %w", r.ID, err)
	}
	sender := "your sender puts in \"Authorization: Bearer <token>\""
	switch r.Kind {
	case alerts.KindAlertmanager:
		sender = "Alertmanager sends (http_config.authorization in its webhook_configs)"
	case alerts.KindGrafana:
		sender = "Grafana's webhook contact point sends (its Authorization header credentials, or the basic-auth password)"
	case alerts.KindZabbix:
		sender = "irbot's Zabbix media type sends (its token parameter, e.g. the secret macro {$IRBOT.TOKEN})"
	case alerts.KindWazuh:
		sender = "the Wazuh integration sends (<api_key> in ossec.conf)"
	case alerts.KindUptimeKuma:
		sender = "Uptime Kuma's webhook sends (Additional Headers {\"Authorization\": \"Bearer <token>\"})"
	case alerts.KindPagerDuty:
		sender = "the tool sends as the PagerDuty integration (routing) key"
	}
	switch {
	case r.TokenEnv != "":
		return fmt.Errorf("alert route %q: set %s to the bearer token %s, or remove the route", r.ID, r.TokenEnv, sender)
	case r.HMACSecretEnv != "":
		return fmt.Errorf("alert route %q: set %s to the secret the sender signs each body with (HMAC-SHA256 in header %s), or remove the route",
			r.ID, r.HMACSecretEnv, firstSet(r.HMACHeader, alerts.DefaultHMACHeader))
	}
	return fmt.Errorf("alert route %q: %v: write the bearer token %s into %s, or remove the route", r.ID, err, sender, r.TokenFile)
}

// startPlatforms connects every enabled chat platform and returns them
// with the bot's username (for "/cmd@BotName" in groups).
func startPlatforms(ctx context.Context, cfg *Config, st store.Store, log *slog.Logger, audit func(string, map[string]string)) ([]platform, string, error) {
	var out []platform
	botName := ""
	// Webhook requests refused for their secret or signature go to the
	// audit log, at most one entry per platform and remote host a minute
	// (and 10 per platform), each counting those left out before it.
	refusals := chat.NewRefusalAudit(func(r chat.Refusal) { audit(string(bot.EvWebhookForged), r.Data()) }, nil)
	if tc := cfg.Platforms.Telegram; tc.Enabled {
		token, err := secret(firstSet(tc.TokenEnv, "TELEGRAM_BOT_TOKEN"), tc.TokenFile)
		if err != nil || token == "" {
			return nil, "", fmt.Errorf("telegram: no bot token: set %s to the token BotFather gave, or platforms.telegram.token_file to a file holding it, or set platforms.telegram.enabled: false%s",
				firstSet(tc.TokenEnv, "TELEGRAM_BOT_TOKEN"), because(err))
		}
		whSecret, _ := secret(firstSet(tc.WebhookSecretEnv, "TELEGRAM_WEBHOOK_SECRET"), "")
		tg, err := telegram.New(ctx, telegram.Config{Token: token, APIURL: tc.APIURL, Mode: firstSet(tc.Mode, "polling"),
			WebhookSecret: whSecret, BotName: tc.BotName, Limits: tc.limits(telegram.DefaultLimits()),
			OnForged: func(remote string) { refusals.Refused(telegram.Platform, remote, "missing or wrong secret") }}, store.KV{Store: st}, log)
		if err != nil {
			return nil, "", fmt.Errorf("telegram: %w", err)
		}
		botName = tg.BotName()
		// The command menu in both languages; a failure here is not fatal.
		if err := tg.RegisterCommands(ctx, telegram.DefaultCommands()); err != nil {
			log.Warn("telegram: could not register the command menu", "err", err)
		}
		p := platform{sender: tg, mode: "polling"}
		if firstSet(tc.Mode, "polling") == "polling" {
			p.receive = tg.Receive
		} else {
			p.mode = "webhook POST /telegram/webhook"
			p.webhook = func(h chat.Handler) (string, http.Handler) {
				tg.SetHandler(h)
				return "POST /telegram/webhook", tg
			}
			p.register = tg.SetWebhook
		}
		out = append(out, p)
	}
	if zc := cfg.Platforms.Zalo; zc.Enabled {
		env := firstSet(zc.TokenEnv, "ZALO_BOT_TOKEN")
		token, err := secret(env, zc.TokenFile)
		if err != nil || token == "" {
			return nil, "", fmt.Errorf("zalo: no bot token: set %s to the Zalo Bot Platform's token, or platforms.zalo.token_file to a file holding it, or set platforms.zalo.enabled: false%s", env, because(err))
		}
		whSecret, _ := secret(firstSet(zc.WebhookSecretEnv, "ZALO_WEBHOOK_SECRET"), "")
		za, err := zalo.New(ctx, zalo.Config{Token: token, APIURL: zc.APIURL, Mode: firstSet(zc.Mode, "polling"),
			WebhookSecret: whSecret, Limits: zc.limits(zalo.DefaultLimits()), Language: cfg.Language,
			OnForged: func(remote string) { refusals.Refused(zalo.Platform, remote, "missing or wrong secret") }}, store.KV{Store: st}, log)
		if err != nil {
			return nil, "", fmt.Errorf("zalo: %w", err)
		}
		p := platform{sender: za, mode: "polling"}
		if firstSet(zc.Mode, "polling") == "polling" {
			p.receive = za.Receive
		} else {
			p.mode = "webhook POST /zalo/webhook"
			p.webhook = func(h chat.Handler) (string, http.Handler) {
				za.SetHandler(h)
				return "POST /zalo/webhook", za
			}
			p.register = za.SetWebhook
		}
		out = append(out, p)
	}
	if sc := cfg.Platforms.Slack; sc.Enabled {
		botToken, err := secret(firstSet(sc.BotTokenEnv, "SLACK_BOT_TOKEN"), "")
		if err != nil || botToken == "" {
			return nil, "", fmt.Errorf("slack: no bot token: set %s to the app's Bot User OAuth Token (xoxb-…), or set platforms.slack.enabled: false", firstSet(sc.BotTokenEnv, "SLACK_BOT_TOKEN"))
		}
		appToken, _ := secret(firstSet(sc.AppTokenEnv, "SLACK_APP_TOKEN"), "")
		signing, _ := secret(firstSet(sc.SigningSecretEnv, "SLACK_SIGNING_SECRET"), "")
		lim := slack.DefaultLimits()
		if sc.RatePerChannel > 0 {
			lim.Chat = chat.PerSecond(sc.RatePerChannel)
		}
		var commands []string // the text's "/ack" reads "/ir ack" in Slack
		for _, n := range command.Names() {
			commands = append(commands, string(n))
		}
		sl, err := slack.New(ctx, slack.Config{BotToken: botToken, AppToken: appToken, SigningSecret: signing, APIURL: sc.APIURL,
			Mode: sc.Mode, Limits: lim, OnRejected: func(reason, remote string) { refusals.Refused(slack.Platform, remote, reason) },
			Commands: commands}, store.KV{Store: st}, log)
		if err != nil {
			return nil, "", fmt.Errorf("slack: %w", err)
		}
		p := platform{sender: sl, mode: "Socket Mode"}
		if sl.Mode() == slack.ModeSocket {
			p.receive = sl.Receive
		} else {
			p.mode = "Events API POST /slack/ (set the Request URLs in the Slack app)"
			p.webhook = func(h chat.Handler) (string, http.Handler) {
				sl.SetHandler(h)
				return "POST /slack/", sl
			}
			p.stop = sl.Close
		}
		out = append(out, p)
	}
	return out, botName, nil
}

// because is ": <err>" when reading a secret failed, else "".
func because(err error) string {
	if err == nil {
		return ""
	}
	return " (" + err.Error() + ")"
}

// envSecret reads the secret in the environment variable a config field
// names: "" when the field is empty, an error when the variable is empty
// or unset (the operator asked for protection; do not run open).
func envSecret(field, env string) (string, error) {
	if env == "" {
		return "", nil
	}
	v, _ := secret(env, "")
	if v == "" {
		return "", fmt.Errorf("%s: environment variable %s is empty or unset; set it, or remove %s from the config", field, env, field)
	}
	return v, nil
}

func firstSet(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// limits applies configured rates over a platform's defaults.
func (pc PlatformConfig) limits(def chat.Limits) chat.Limits {
	if pc.RatePerGroup > 0 {
		def.Group = chat.PerSecond(pc.RatePerGroup)
	}
	if pc.RatePerChat > 0 {
		def.Chat = chat.PerSecond(pc.RatePerChat)
	}
	if pc.RateGlobal > 0 {
		def.Global = chat.PerSecond(pc.RateGlobal)
	}
	return def
}

var storeNotFound = store.ErrNotFound

// storeChecker is a store that can tell whether it is still the store the
// bot opened (Redis: not emptied by a restart without persistence).
type storeChecker interface {
	Check(ctx context.Context) error
}
