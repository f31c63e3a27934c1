package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// irbotEnv is irbot with extra environment variables.
func irbotEnv(t *testing.T, env []string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := irbotCmd(args...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestEverySubcommandHasHelp(t *testing.T) {
	cmds := map[string][]string{ // subcommand -> flags its help names
		"serve":     {"--config FILE", "--data DIR", "--listen ADDR"},
		"console":   {"--user USER", "--chat CHAT"},
		"validate":  {"--graph PLAYBOOK"},
		"verify":    {"--data DIR"},
		"report":    {"--format FORMAT", "--lang LANG"},
		"roster":    {"--shifts N"},
		"link-code": {"--ttl DURATION"},
		"audit":     {"--since DURATION"},
		"health":    {"--url URL"},
		"version":   nil,
	}
	for name, flags := range cmds {
		t.Run(name, func(t *testing.T) {
			for _, args := range [][]string{{name, "--help"}, {name, "-h"}, {"help", name}} {
				out, stderr, code := irbot(t, "", args...)
				if code != 0 || stderr != "" {
					t.Fatalf("%q: exit %d, stderr %q", args, code, stderr)
				}
				lines := strings.Split(out, "\n")
				if len(lines) < 3 || !strings.HasPrefix(lines[0], "usage: irbot "+name) || lines[2] == "" {
					t.Fatalf("%q: no usage line and description:\n%s", args, out)
				}
				for _, f := range flags {
					if !strings.Contains(out, "  "+f) {
						t.Errorf("%q: help lacks %s:\n%s", args, f, out)
					}
				}
			}
		})
	}
	// A bad flag is exit 2 with the usage line, on stderr.
	_, stderr, code := irbot(t, "", "report", "IR-1", "--fromat", "vi03")
	if code != 2 || !strings.Contains(stderr, "-fromat") || !strings.Contains(stderr, "usage: irbot report") {
		t.Fatalf("bad flag: exit %d\n%s", code, stderr)
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	data := t.TempDir()
	if _, stderr, code := irbot(t, "/lang en\n/declare ddos Portal flooded\n/ack\n", "console", "--data", data); code != 0 {
		t.Fatalf("setup: exit %d: %s", code, stderr)
	}
	checks := []struct {
		args []string
		want string
	}{
		{[]string{"report", "IR-1", "--format", "json", "--data", data}, `"ref"`},
		{[]string{"report", "--format=md", "IR-1", "--data=" + data}, "IR-1"},
		{[]string{"verify", "IR-1", "--data", data}, "ok     IR-1"},
		{[]string{"verify", "--data", data, "--", "IR-1"}, "ok     IR-1"},
		{[]string{"validate", "playbooks", "--graph", "ransomware"}, "stateDiagram-v2"},
		{[]string{"link-code", "an", "--ttl", "1h", "--data", data}, "valid 1h0m0s"},
		{[]string{"roster", "ics", "truc-ban", "--shifts", "2", "--data", data}, "BEGIN:VCALENDAR"},
		{[]string{"roster", "--shifts", "2", "ics", "truc-ban", "--data", data}, "BEGIN:VCALENDAR"},
		{[]string{"audit", "--data", data, "--since", "1h"}, ""},
	}
	for _, c := range checks {
		out, stderr, code := irbot(t, "", c.args...)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("%q: exit %d, want %q in:\n%s\nstderr: %s", c.args, code, c.want, out, stderr)
		}
	}
	out, _, _ := irbot(t, "", "roster", "ics", "truc-ban", "--data", data, "--shifts", "2")
	if n := strings.Count(out, "BEGIN:VEVENT"); n != 2 {
		t.Errorf("--shifts after the roster gave %d shifts, want 2", n)
	}
}

func TestEnvironmentOverridesTheFileAndFlagsTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	fileData, envData, flagData := filepath.Join(dir, "file"), filepath.Join(dir, "env"), filepath.Join(dir, "flag")
	cfg := filepath.Join(dir, "irbot.yaml")
	os.WriteFile(cfg, []byte("language: en\ndata_dir: "+fileData+"\n"), 0o644)
	db := func(d string) bool { _, err := os.Stat(filepath.Join(d, "irbot.db")); return err == nil }

	// IRBOT_CONFIG names the file (English replies), IRBOT_DATA wins over its data_dir.
	out, stderr, code := irbotEnv(t, []string{"IRBOT_CONFIG=" + cfg, "IRBOT_DATA=" + envData}, "/incidents\n", "console")
	if code != 0 || !strings.Contains(out, "No open incidents") {
		t.Fatalf("IRBOT_CONFIG not read: exit %d\n%s\n%s", code, out, stderr)
	}
	if !db(envData) || db(fileData) {
		t.Fatalf("IRBOT_DATA did not win over data_dir (env %v, file %v)", db(envData), db(fileData))
	}
	// --data wins over IRBOT_DATA, --config over IRBOT_CONFIG.
	_, stderr, code = irbotEnv(t, []string{"IRBOT_CONFIG=" + filepath.Join(dir, "missing.yaml"), "IRBOT_DATA=" + envData},
		"/incidents\n", "console", "--config", cfg, "--data", flagData)
	if code != 0 || !db(flagData) {
		t.Fatalf("flags did not win: exit %d, %s", code, stderr)
	}
	// IRBOT_CONFIG naming a missing file is an error, not the defaults.
	_, stderr, code = irbotEnv(t, []string{"IRBOT_CONFIG=" + filepath.Join(dir, "missing.yaml")}, "", "console")
	if code != 2 || !strings.Contains(stderr, "missing.yaml") {
		t.Fatalf("missing IRBOT_CONFIG: exit %d, %s", code, stderr)
	}
	// IRBOT_STORE replaces store, and a bad one says where it came from.
	_, stderr, code = irbotEnv(t, []string{"IRBOT_STORE=mysql://db/irbot"}, "", "verify", "--config", cfg)
	if code != 2 || !strings.Contains(stderr, `store "mysql://db/irbot" (from IRBOT_STORE)`) || !strings.Contains(stderr, "redis://") {
		t.Fatalf("IRBOT_STORE: exit %d, %s", code, stderr)
	}
}

func TestConfigPathsAreRelativeToTheConfigFile(t *testing.T) {
	// A config in sub/ with relative data_dir and playbooks_dir, used from
	// the repository root: both resolve inside sub/.
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	os.MkdirAll(filepath.Join(sub, "books"), 0o755)
	raw, err := os.ReadFile(filepath.Join(repoRoot, "playbooks", "outage.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(sub, "books", "probe.yaml"), []byte(strings.Replace(string(raw), "\nid: outage\n", "\nid: probe\n", 1)), 0o644)
	cfg := filepath.Join(sub, "irbot.yaml")
	os.WriteFile(cfg, []byte("language: en\ndata_dir: data\nplaybooks_dir: ./books\nescalation:\n  - {id: ops, levels: [{targets: [chat:soc]}]}\nchats:\n  - {id: soc, purpose: response, ids: {console: soc}}\n"), 0o644)
	out, stderr, code := irbot(t, "/playbooks\n", "console", "--config", cfg)
	if code != 0 || !strings.Contains(out, "probe") || strings.Contains(out, "ransomware") {
		t.Fatalf("playbooks_dir not relative to the file: exit %d\n%s\n%s", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(sub, "data", "irbot.db")); err != nil {
		t.Fatalf("data_dir not relative to the file: %v", err)
	}
	out, _, code = irbot(t, "", "validate", "--config", cfg)
	if code != 0 || !strings.Contains(out, filepath.Join(sub, "books", "probe.yaml")) {
		t.Fatalf("validate with the config: exit %d\n%s", code, out)
	}
	// The shipped config, from the repository root, uses ./playbooks.
	out, _, code = irbot(t, "", "validate")
	if code != 0 || !strings.Contains(out, "configs/../playbooks/ransomware.yaml") && !strings.Contains(out, " playbooks/ransomware.yaml") {
		t.Fatalf("shipped config's playbooks_dir: exit %d\n%s", code, out)
	}
}

func TestConfigErrorsNameTheFix(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ name, yaml, want string }{
		{"misspelt field", "time_zoen: Asia/Ho_Chi_Minh\n", `unknown field "time_zoen" (did you mean time_zone?)`},
		{"misspelt nested field", "http:\n  lisen: 127.0.0.1:0\n", `(did you mean listen?)`},
		{"chat of a route", "alerts:\n  routes:\n    - {id: p, kind: alertmanager, token_env: X, chat: nosuch}\nchats:\n  - {id: soc, purpose: response}\n",
			`alert route "p": chat "nosuch" is not in chats: add it under chats, or set the route's chat to one of: soc`},
		{"policy of a route", "alerts:\n  routes:\n    - {id: p, kind: alertmanager, token_env: X, escalation: nope}\n",
			`no escalation policy "nope": add it under escalation`},
		{"leaders' chat", "summaries:\n  chat: bosses\n", `summaries.chat: "bosses" is not in chats: add it under chats`},
		{"store", "store: postgres://x\n", "leave it empty for the embedded file in data_dir, or use redis://"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".yaml")
			os.WriteFile(cfg, []byte(c.yaml), 0o644)
			_, stderr, code := irbot(t, "", "verify", "--config", cfg, "--data", dir)
			if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Fatalf("exit %d, want one line with %q:\n%s", code, c.want, stderr)
			}
		})
	}
}
