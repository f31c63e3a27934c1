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
)

// cmdLinkCode issues a one-time code with which a person links a chat
// account: irbot link-code [--ttl 24h] <person>.
func cmdLinkCode(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newCLI("link-code", stderr)
	fs := c.fs
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the code is valid")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
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
	url := fs.String("url", "http://127.0.0.1:8080/healthz", "health endpoint")
	if err := fs.Parse(args); err != nil {
		return 2
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
	n := fs.Int("shifts", 60, "how many shifts")
	if len(args) < 2 || args[0] != "ics" {
		fmt.Fprintln(stderr, "usage: irbot roster ics <roster> [--shifts 60]")
		return 2
	}
	id := args[1]
	if err := fs.Parse(args[2:]); err != nil {
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
	format := fs.String("format", "md", "md, html, vi03, vi04 or json")
	lang := fs.String("lang", "", "vi or en (default: the configured language)")
	var ref string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		ref, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if ref == "" && fs.NArg() > 0 {
		ref = fs.Arg(0)
	}
	id, err := strconv.ParseInt(ref[strings.LastIndex(ref, "-")+1:], 10, 64)
	if ref == "" || err != nil {
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
	since := fs.Duration("since", 0, "only entries this recent (0 = all)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := c.config()
	if err != nil {
		return 2
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "irbot:", err)
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
