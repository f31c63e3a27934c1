// Command irbot is a chat-ops incident-response bot. Run "irbot help".
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // zone data inside the binary: the container image has none

	"github.com/irbot/irbot/store/redis"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `irbot — incident response in group chats

Usage:
  irbot serve    [--config F] [--data DIR] [--listen ADDR]         chat platforms, alert intake, /metrics
  irbot console  [--config F] [--data DIR] [--user U] [--chat C]   the bot in this terminal
  irbot validate [--config F] [--graph ID] [DIR]                  check playbooks (exit 1 on errors)
  irbot verify   [--config F] [--data DIR] [IR-n ...]             recompute timeline hash chains
  irbot migrate  --from DIR|FILE --to URL                        copy the embedded store into an empty Redis, then verify it
  irbot report   <IR-n> [--format md|html|vi03|vi04|json] [--lang vi|en]
  irbot roster   ics <roster> [--shifts 60]                         the roster as iCalendar
  irbot roster   url <roster>                                       the secret URL of its calendar feed
  irbot link-code [--ttl 24h] <person>                             one-time code for /link
  irbot audit    [--config F] [--since 24h]                       the audit log: refusals, privileged actions, links
  irbot health   [--url http://127.0.0.1:8080/healthz]              probe a running server
  irbot version

Flags may come before or after the arguments; "irbot <command> --help"
describes a command and its flags.

Without --config, $IRBOT_CONFIG is read, else configs/irbot.yaml if it
exists; relative paths in it are relative to its directory. $IRBOT_DATA,
$IRBOT_STORE and $IRBOT_LISTEN override data_dir, store and http.listen;
--data and --listen override them.
`

// run is main without the process: it returns the exit code.
// 0 ok, 1 failure found (broken playbook or timeline), 2 bad usage or config.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	// go-redis's own lines as slog records on stderr (serve logs JSON).
	redis.SetLogger(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	switch args[0] {
	case "console":
		return cmdConsole(ctx, args[1:], stdin, stdout, stderr)
	case "serve":
		return cmdServe(ctx, args[1:], stdout, stderr)
	case "validate":
		return cmdValidate(args[1:], stdout, stderr)
	case "verify":
		return cmdVerify(ctx, args[1:], stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args[1:], stdout, stderr)
	case "audit":
		return cmdAudit(ctx, args[1:], stdout, stderr)
	case "link-code":
		return cmdLinkCode(ctx, args[1:], stdout, stderr)
	case "roster":
		return cmdRoster(ctx, args[1:], stdout, stderr)
	case "report":
		return cmdReport(ctx, args[1:], stdout, stderr)
	case "health":
		return cmdHealth(args[1:], stdout, stderr)
	case "version":
		fs := flag.NewFlagSet("version", flag.ContinueOnError)
		fs.SetOutput(stderr)
		if code, ok := parseFlags(fs, args[1:], stdout, stderr, "irbot version", "Print irbot's version."); !ok {
			return code
		}
		fmt.Fprintln(stdout, "irbot", version)
		return 0
	case "help", "-h", "--help":
		if len(args) > 1 && args[1] != "help" && !strings.HasPrefix(args[1], "-") { // irbot help serve
			return run(ctx, []string{args[1], "--help"}, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "irbot: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"
