package main_test

import (
	"bufio"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
)

// serveSummary starts "irbot serve" with args and env, returns what it
// printed up to the end of its startup summary and stops it with SIGTERM;
// or, when it does not start, its stderr and exit code.
func serveSummary(t *testing.T, env []string, args ...string) (summary, stderr string, code int) {
	t.Helper()
	cmd := irbotCmd(append([]string{"serve"}, args...)...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), env...)
	out, _ := cmd.StdoutPipe()
	var errb strings.Builder // read after Wait
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	r := bufio.NewReader(out)
	for {
		line, err := r.ReadString('\n')
		b.WriteString(line)
		if err != nil || strings.HasPrefix(line, "  reload:") {
			break
		}
	}
	go io.Copy(io.Discard, out)
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("serve did not stop")
	}
	return b.String(), errb.String(), cmd.ProcessState.ExitCode()
}

func TestServeWithTheShippedConfig(t *testing.T) {
	cfg := shippedConfig(t)
	// Without the alert route's token: one line that says how to fix it.
	_, stderr, code := serveSummary(t, []string{"IRBOT_ALERT_TOKEN="}, "--config", cfg)
	want := `irbot: alert route "prometheus": set IRBOT_ALERT_TOKEN to the bearer token Alertmanager sends (http_config.authorization`
	if code != 2 || !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, "or remove the route") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("no token: exit %d\n%s", code, stderr)
	}

	// With it: what it serves, and a warning that no platform is enabled.
	summary, stderr, code := serveSummary(t, []string{"IRBOT_ALERT_TOKEN=tok"}, "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, summary, stderr)
	}
	lines := strings.Split(summary, "\n")
	base := strings.Fields(strings.TrimPrefix(lines[0], "irbot serving on "))[0]
	for _, w := range []string{
		"irbot serving on http://127.0.0.1:", "(store: embedded file in ",
		"  config:       " + cfg,
		"  platforms:    none enabled: set platforms.telegram.enabled: true",
		"  alert routes: POST " + base + "/alerts/prometheus (alertmanager, bearer token) → chat soc",
		"  playbooks:    8 from ", "ransomware",
		"  health:       " + base + "/healthz",
	} {
		if !strings.Contains(summary, w) {
			t.Errorf("summary lacks %q:\n%s", w, summary)
		}
	}
	if !strings.Contains(stderr, `"level":"WARN","msg":"no chat platform is enabled`) || !strings.Contains(stderr, "irbot console") {
		t.Errorf("no warning that no platform is enabled:\n%s", stderr)
	}

	// A platform enabled without its token names the variable and the way out.
	tg := telegramtest.New(t)
	cfg = shippedConfig(t, telegramOn(tg.URL())...)
	_, stderr, code = serveSummary(t, []string{"IRBOT_ALERT_TOKEN=tok", "TELEGRAM_BOT_TOKEN="}, "--config", cfg)
	if code != 2 || !strings.Contains(stderr, "set TELEGRAM_BOT_TOKEN to the token BotFather gave") || !strings.Contains(stderr, "platforms.telegram.enabled: false") {
		t.Fatalf("telegram without a token: exit %d\n%s", code, stderr)
	}
	// With it, the summary names the platform and how it receives.
	summary, stderr, code = serveSummary(t, []string{"IRBOT_ALERT_TOKEN=tok", "TELEGRAM_BOT_TOKEN=" + tg.Token()}, "--config", cfg)
	if code != 0 || !strings.Contains(summary, "  platforms:    telegram (polling)") || strings.Contains(stderr, "no chat platform") {
		t.Fatalf("telegram on: exit %d\n%s\n%s", code, summary, stderr)
	}
}

func TestListenAddressFromTheEnvironment(t *testing.T) {
	cfg := shippedConfig(t, "listen: 127.0.0.1:0", "listen: 127.0.0.1:99999")
	env := []string{"IRBOT_ALERT_TOKEN=tok"}
	_, stderr, code := serveSummary(t, env, "--config", cfg)
	if code != 2 || !strings.Contains(stderr, `http.listen "127.0.0.1:99999"`) || !strings.Contains(stderr, "--listen ADDR, IRBOT_LISTEN or http.listen") {
		t.Fatalf("bad http.listen: exit %d\n%s", code, stderr)
	}
	summary, stderr, code := serveSummary(t, append(env, "IRBOT_LISTEN=127.0.0.1:0"), "--config", cfg)
	if code != 0 || !strings.HasPrefix(summary, "irbot serving on http://127.0.0.1:") {
		t.Fatalf("IRBOT_LISTEN did not win over http.listen: exit %d\n%s", code, stderr)
	}
	_, stderr, code = serveSummary(t, append(env, "IRBOT_LISTEN=127.0.0.1:99998"), "--config", cfg)
	if code != 2 || !strings.Contains(stderr, `http.listen "127.0.0.1:99998" (from IRBOT_LISTEN)`) {
		t.Fatalf("bad IRBOT_LISTEN: exit %d\n%s", code, stderr)
	}
	summary, stderr, code = serveSummary(t, append(env, "IRBOT_LISTEN=127.0.0.1:99998"), "--config", cfg, "--listen", "127.0.0.1:0")
	if code != 0 || !strings.HasPrefix(summary, "irbot serving on http://127.0.0.1:") {
		t.Fatalf("--listen did not win over IRBOT_LISTEN: exit %d\n%s", code, stderr)
	}
}
