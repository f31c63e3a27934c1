package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/web"
)

// cmdLinkCode issues a one-time code with which a person links a chat
// account: irbot link-code [--ttl 24h] <person>.
func cmdLinkCode(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newCLI("link-code", stderr)
	fs := c.fs
	ttl := fs.Duration("ttl", 24*time.Hour, "the code is valid for `DURATION`")
	c.describe(stdout, "irbot link-code [flags] <person>",
		"Print a one-time code; the person sends \"/link <code>\" to the bot from the chat account to link to them.")
	if code, ok := c.parse(args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: irbot link-code [--ttl 24h] <person>")
		return 2
	}
	cfg, err := c.config()
	if err != nil {
		return 2
	}
	a, err := c.open(cfg)
	if err != nil {
		return 2
	}
	defer a.Close()
	code, err := a.eng.IssueLinkCode(ctx, fs.Arg(0), *ttl)
	if err != nil {
		fmt.Fprintln(stderr, "irbot:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\nThe person sends \"/link %s\" to the bot from the account to link (valid %s).\n", code, code, *ttl)
	return 0
}

// cmdHealth probes a running server's /healthz (for container health checks).
func cmdHealth(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "http://127.0.0.1:8080/healthz", "probe `URL`")
	if code, ok := parseFlags(fs, args, stdout, stderr, "irbot health [flags]",
		"Probe a running irbot serve's /healthz: exit 0 if it answers 200 (the container's health check)."); !ok {
		return code
	}
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(*url)
	if err != nil {
		fmt.Fprintln(stderr, "unhealthy:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(stderr, "unhealthy:", resp.Status)
		return 1
	}
	fmt.Fprintln(stdout, "ok")
	return 0
}

// cmdRoster: irbot roster ics <roster> [--shifts N] prints the roster as iCalendar.
func cmdRoster(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newCLI("roster", stderr)
	fs := c.fs
	n := fs.Int("shifts", 60, "print `N` shifts")
	c.describe(stdout, "irbot roster ics [flags] <roster> | irbot roster url [flags] <roster>",
		"Print a duty roster's coming shifts as iCalendar, or the secret URL a calendar app subscribes to.")
	if code, ok := c.parse(args); !ok {
		return code
	}
	if fs.NArg() != 2 || (fs.Arg(0) != "ics" && fs.Arg(0) != "url") {
		fmt.Fprintln(stderr, "usage: irbot roster ics <roster> [--shifts 60] | irbot roster url <roster>")
		return 2
	}
	id := fs.Arg(1)
	cfg, err := c.config()
	if err != nil {
		return 2
	}
	if fs.Arg(0) == "url" {
		return rosterURL(cfg, id, stdout, stderr)
	}
	a, err := c.open(cfg)
	if err != nil {
		return 2
	}
	defer a.Close()
	ics, err := a.eng.RosterICS(ctx, id, *n)
	if err != nil {
		fmt.Fprintln(stderr, "irbot:", err)
		return 1
	}
	fmt.Fprint(stdout, ics)
	return 0
}

// cmdReport: irbot report <IR-n> [--format md|html|vi03|vi04|json] [--lang vi|en].
func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newCLI("report", stderr)
	fs := c.fs
	format := fs.String("format", "md", "print in `FORMAT`: md, html, vi03, vi04 or json")
	lang := fs.String("lang", "", "write in `LANG`: vi or en (default: the configured language)")
	c.describe(stdout, "irbot report [flags] <IR-n>",
		"Print an incident's report: Markdown, HTML, the formal forms vi03 and vi04, or JSON. Blank fields are listed on stderr.")
	if code, ok := c.parse(args); !ok {
		return code
	}
	ref := fs.Arg(0)
	id, err := strconv.ParseInt(ref[strings.LastIndex(ref, "-")+1:], 10, 64)
	if fs.NArg() != 1 || err != nil {
		fmt.Fprintln(stderr, "usage: irbot report <IR-n> [--format md|html|vi03|vi04|json] [--lang vi|en]")
		return 2
	}
	cfg, err := c.config()
	if err != nil {
		return 2
	}
	a, err := c.open(cfg)
	if err != nil {
		return 2
	}
	defer a.Close()
	out, missing, err := a.eng.Render(ctx, id, *format, *lang)
	if err != nil {
		fmt.Fprintln(stderr, "irbot:", err)
		return 1
	}
	fmt.Fprint(stdout, out)
	if len(missing) > 0 {
		fmt.Fprintf(stderr, "blank fields: %s (fill with /set <field> <value>)\n", strings.Join(missing, ", "))
	}
	return 0
}

// cmdAudit prints the audit log: refusals, privileged actions, maintenance
// windows, account links, forged webhooks. irbot audit [--since 24h].
func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newCLI("audit", stderr)
	fs := c.fs
	since := fs.Duration("since", 0, "only entries of the last `DURATION` (0 = all)")
	c.describe(stdout, "irbot audit [flags]",
		"Print the audit log (refusals, privileged actions, maintenance windows, account links, forged webhooks) and check its hash chain; exit 1 if broken.")
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
	evs, err := st.Timeline(ctx, engine.AuditID, 0)
	if err != nil {
		fmt.Fprintln(stderr, "irbot:", err)
		return 1
	}
	for _, e := range evs {
		if *since > 0 && time.Since(e.At) > *since {
			continue
		}
		var kv []string
		for _, k := range bot.SortedKeys(e.Data) {
			kv = append(kv, k+"="+strconv.Quote(e.Data[k]))
		}
		fmt.Fprintf(stdout, "%s  %-22s %s\n", e.At.In(cfg.loc).Format("02/01/2006 15:04:05"), e.Kind, strings.Join(kv, " "))
	}
	if err := bot.Verify(evs); err != nil {
		fmt.Fprintln(stderr, "irbot: the audit log's hash chain is broken:", err)
		return 1
	}
	return 0
}

// rosterURL prints the secret URL a calendar app subscribes to for a
// roster: http.public_url + /rosters/<id>/<secret>.ics, with the key from
// http.calendar_secret_env (so it is the URL irbot serve answers).
func rosterURL(cfg *Config, id string, stdout, stderr io.Writer) int {
	known := false
	for _, r := range cfg.Rosters {
		known = known || r.ID == id
	}
	if !known {
		fmt.Fprintf(stderr, "irbot: no roster %q\n", id)
		return 1
	}
	if cfg.HTTP.CalendarSecretEnv == "" {
		fmt.Fprintln(stderr, "irbot: calendar feeds are off: set http.calendar_secret_env to the name of an environment variable holding a secret of 16 or more characters")
		return 2
	}
	key, err := envSecret("http.calendar_secret_env", cfg.HTTP.CalendarSecretEnv)
	if err != nil {
		fmt.Fprintln(stderr, "irbot:", err)
		return 2
	}
	base := strings.TrimRight(cfg.HTTP.PublicURL, "/")
	if base == "" {
		base = "http://" + cfg.HTTP.Listen
	}
	fmt.Fprintln(stdout, base+web.CalendarPath(key, id))
	return 0
}
