package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/redis"
)

// cli is what every subcommand shares: its flag set with --config and
// --data, its help, and the way it reports a bad start (one line, exit
// code 2).
type cli struct {
	fs      *flag.FlagSet
	cfgPath *string
	dataDir *string
	stderr  io.Writer

	stdout  io.Writer // where --help goes; nil = stderr
	usage   string    // "irbot report <IR-n> [flags]"
	summary string    // what the subcommand does, in one line
}

func newCLI(name string, stderr io.Writer) *cli {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &cli{fs: fs, stderr: stderr,
		cfgPath: fs.String("config", "", "read the configuration from `FILE` (default $IRBOT_CONFIG, else configs/irbot.yaml if present)"),
		dataDir: fs.String("data", "", "keep the data in `DIR` (overrides $IRBOT_DATA and data_dir)")}
}

// describe sets what --help prints to stdout: the usage line and a
// one-line summary of the subcommand.
func (c *cli) describe(stdout io.Writer, usage, summary string) {
	c.stdout, c.usage, c.summary = stdout, usage, summary
}

// parse parses args with flags allowed anywhere among the positional
// arguments ("irbot report IR-3 --format vi03"). ok is false when the
// subcommand should stop with code: 0 after --help, 2 after a bad flag.
func (c *cli) parse(args []string) (code int, ok bool) {
	return parseFlags(c.fs, args, c.stdout, c.stderr, c.usage, c.summary)
}

// parseFlags is cli.parse for any flag set: it moves flags (and their
// values) ahead of the positional arguments, keeping both orders and
// everything after "--", then parses. --help prints usage, summary and
// flags to stdout.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer, usage, summary string) (code int, ok bool) {
	if stdout == nil {
		stdout = stderr
	}
	fs.Usage = func() {} // printed below, to stdout for --help
	err := fs.Parse(flagsFirst(fs, args))
	switch {
	case errors.Is(err, flag.ErrHelp):
		printHelp(stdout, fs, usage, summary)
		return 0, false
	case err != nil: // the flag package has printed what was wrong
		fmt.Fprintf(stderr, "usage: %s\n(irbot %s --help lists the flags)\n", usage, fs.Name())
		return 2, false
	}
	return 0, true
}

// flagsFirst reorders args so that every flag, with its value when it
// takes one, comes before the positional arguments; the flag package
// stops at the first positional. Arguments after "--" stay positional.
func flagsFirst(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil { // unknown, or -h: Parse says so
			continue
		}
		if b, isBool := f.Value.(interface{ IsBoolFlag() bool }); isBool && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return append(append(flags, "--"), pos...)
}

// printHelp writes a subcommand's help: usage, summary, flags.
func printHelp(w io.Writer, fs *flag.FlagSet, usage, summary string) {
	fmt.Fprintf(w, "usage: %s\n\n%s\n", usage, summary)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprintln(w, "\nFlags (before or after the arguments):")
	fs.VisitAll(func(f *flag.Flag) {
		kind, text := flag.UnquoteUsage(f)
		name := "--" + f.Name
		if kind != "" {
			name += " " + strings.ToUpper(kind)
		}
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "0s" && f.DefValue != "false" {
			text += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "  %-22s %s\n", name, text)
	})
}

// Environment variables that override the configuration file; a flag
// overrides them in turn.
const (
	envConfig = "IRBOT_CONFIG" // the configuration file (--config)
	envData   = "IRBOT_DATA"   // data_dir (--data)
	envStore  = "IRBOT_STORE"  // store
	envListen = "IRBOT_LISTEN" // http.listen (--listen)
)

// config loads the configuration: --config, else $IRBOT_CONFIG, else the
// default file; then $IRBOT_STORE, $IRBOT_LISTEN and $IRBOT_DATA (applied
// by loadConfig) and --data over them. On error it has printed it.
func (c *cli) config() (*Config, error) {
	cfg, err := c.load()
	if err != nil {
		c.fail(err)
		return nil, err
	}
	return cfg, nil
}

// load is config without printing: serve reloads with it on SIGHUP.
func (c *cli) load() (*Config, error) {
	path := *c.cfgPath
	if path == "" {
		path = os.Getenv(envConfig)
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return nil, err
	}
	if *c.dataDir != "" {
		cfg.DataDir = *c.dataDir
		delete(cfg.env, "data_dir")
	}
	return cfg, nil
}

// open wires the bot without chat platforms, logging only warnings.
func (c *cli) open(cfg *Config) (*app, error) {
	log := slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	redis.SetLogger(log)
	a, err := openApp(cfg, nil, log)
	if err != nil {
		c.fail(err)
	}
	return a, err
}

// store opens the configured store alone (no engine), for the commands
// that only read it; a failure is reported.
func (c *cli) store(ctx context.Context, cfg *Config) (store.Store, error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		c.fail(err)
	}
	return st, err
}

func (c *cli) fail(err error) { fmt.Fprintln(c.stderr, "irbot:", err) }
