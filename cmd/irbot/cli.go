package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
)

// cli is what every subcommand shares: its flag set with --config and
// --data, and the way it reports a bad start (one line, exit code 2).
type cli struct {
	fs      *flag.FlagSet
	cfgPath *string
	dataDir *string
	stderr  io.Writer
}

func newCLI(name string, stderr io.Writer) *cli {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &cli{fs: fs, stderr: stderr,
		cfgPath: fs.String("config", "", "configuration file (default configs/irbot.yaml if present)"),
		dataDir: fs.String("data", "", "data directory (overrides data_dir)")}
}

// config loads the configuration with --data applied; on error it has
// printed it.
func (c *cli) config() (*Config, error) {
	cfg, err := loadConfig(*c.cfgPath)
	if err != nil {
		c.fail(err)
		return nil, err
	}
	if *c.dataDir != "" {
		cfg.DataDir = *c.dataDir
	}
	return cfg, nil
}

// open wires the bot without chat platforms, logging only warnings.
func (c *cli) open(cfg *Config) (*app, error) {
	a, err := openApp(cfg, nil, slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		c.fail(err)
	}
	return a, err
}

func (c *cli) fail(err error) { fmt.Fprintln(c.stderr, "irbot:", err) }
