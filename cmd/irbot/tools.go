package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// cmdLinkCode issues a one-time code with which a person links a chat
// account: irbot link-code [--ttl 24h] <person>.
func cmdLinkCode(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("link-code", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file")
	dataDir := fs.String("data", "", "data directory (overrides data_dir)")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the code is valid")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: irbot link-code [--ttl 24h] <person>")
		return 2
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "irbot:", err)
		return 2
	}
	if *dataDir != "" {
		cfg.DataDir = *dataDir
	}
	a, err := openApp(cfg, nil, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		fmt.Fprintln(stderr, "irbot:", err)
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
