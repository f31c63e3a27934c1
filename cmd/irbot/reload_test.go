package main_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIGHUPReloadsPlaybooksAndRefusesBadOnes changes the playbooks and
// the configuration under a running "irbot serve" and sends SIGHUP: a good
// new playbook is used by the next alert; a broken one, or a broken
// configuration, is refused with its file:line:col in the log, and the bot
// keeps serving with what it had.
func TestSIGHUPReloadsPlaybooksAndRefusesBadOnes(t *testing.T) {
	dir := t.TempDir()
	books := filepath.Join(dir, "books")
	os.MkdirAll(books, 0o755)
	bundledFiles, _ := filepath.Glob(filepath.Join(repoRoot, "playbooks", "*.yaml"))
	for _, f := range bundledFiles {
		b, _ := os.ReadFile(f)
		os.WriteFile(filepath.Join(books, filepath.Base(f)), b, 0o644)
	}
	good := fmt.Sprintf(serveConfig, filepath.Join(dir, "data")) + "playbooks_dir: books\n" // relative to the file
	cfg := filepath.Join(dir, "irbot.yaml")
	os.WriteFile(cfg, []byte(good), 0o644)
	s := startServe(t, cfg, "IRBOT_TEST_PROM_TOKEN=tok", "IRBOT_TEST_GRAFANA_TOKEN=g", "IRBOT_TEST_SIEM_SECRET=h")

	// hup sends SIGHUP and waits for the n-th log line containing want.
	hup := func(want string, n int) string {
		t.Helper()
		s.cmd.Process.Signal(syscall.SIGHUP)
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			var got []string
			for _, l := range strings.Split(s.errb.String(), "\n") {
				if strings.Contains(l, want) {
					got = append(got, l)
				}
			}
			if len(got) >= n {
				return got[n-1]
			}
		}
		t.Fatalf("no log line %q after SIGHUP:\n%s", want, s.errb)
		return ""
	}
	alert := func(name string) (opened int, refs []string) {
		t.Helper()
		body := strings.ReplaceAll(string(payload(t, "am_firing.json")), "HighErrorRate", name)
		code, resp := s.post(t, "/alerts/prom", "tok", []byte(body))
		if code != 200 {
			t.Fatalf("alert %s: %d %s", name, code, resp)
		}
		var r struct {
			Incidents []string `json:"incidents"`
			Opened    int      `json:"opened"`
		}
		json.Unmarshal([]byte(resp), &r)
		return r.Opened, r.Incidents
	}

	// A new playbook, and a change that needs a restart.
	outage, _ := os.ReadFile(filepath.Join(books, "outage.yaml"))
	probe := strings.Replace(string(outage), "\nid: outage\n", "\nid: probe\n", 1)
	probe = strings.Replace(probe, `en: "Technical outage"`, `en: "Reload probe"`, 1)
	probe = strings.Replace(probe, "alertname: [ServiceDown, HostDown, DatabaseDown, WanLinkDown, HighErrorRate]", "alertname: [ReloadProbe]", 1)
	os.WriteFile(filepath.Join(books, "probe.yaml"), []byte(probe), 0o644)
	os.WriteFile(cfg, []byte(strings.Replace(good, "  listen: 127.0.0.1:0\n", "  listen: 127.0.0.1:0\n  max_body: 4096\n", 1)), 0o644)
	line := hup("reload: configuration and playbooks reloaded", 1)
	if !strings.Contains(line, `"playbooks":9`) {
		t.Errorf("reload did not load 9 playbooks: %s", line)
	}
	if w := hup("need a restart", 1); !strings.Contains(w, `"sections":["http"]`) {
		t.Errorf("a changed http section is not reported as needing a restart: %s", w)
	}
	if opened, refs := alert("ReloadProbe"); opened != 1 || len(refs) != 1 || refs[0] != "IR-1" {
		t.Fatalf("alert after reload: opened %d %v", opened, refs)
	}

	// A broken playbook is refused with file:line:col; the old set stays.
	os.WriteFile(filepath.Join(books, "bad.yaml"), []byte("id: bad\nname: {vi: X, en: X}\ncategory: cyber_attack\nphases:\n  - id: one\n    name: {vi: A, en: A}\n    steps:\n      - id: s\n        titel: {vi: B, en: B}\n"), 0o644)
	refused := hup("reload refused", 1)
	if !strings.Contains(refused, "bad.yaml:9:9:") || !strings.Contains(refused, "titel") || !strings.Contains(refused, `"level":"ERROR"`) {
		t.Fatalf("refusal does not say where: %s", refused)
	}
	// A broken configuration is refused with its line.
	os.Remove(filepath.Join(books, "bad.yaml"))
	os.WriteFile(cfg, []byte(good+"summaries:\n  digest_at: \"7 o'clock\"\n"), 0o644)
	if refused := hup("reload refused", 2); !strings.Contains(refused, cfg) || !strings.Contains(refused, "digest_at") || !strings.Contains(refused, "HH:MM") {
		t.Fatalf("bad config refusal: %s", refused)
	}
	if code, _ := s.get(t, "/healthz"); code != 200 {
		t.Fatalf("/healthz after refused reloads: %d", code)
	}
	if opened, refs := alert("ServiceDown"); opened != 1 || len(refs) != 1 || refs[0] != "IR-2" {
		t.Fatalf("alert after refused reloads: opened %d %v", opened, refs)
	}
	s.stop(t)

	out, stderr, code := irbot(t, "/lang en\n/status IR-1\n/status IR-2\n", "console", "--config", cfg)
	if code == 2 { // the config on disk is the broken one
		os.WriteFile(cfg, []byte(good), 0o644)
		out, stderr, code = irbot(t, "/lang en\n/status IR-1\n/status IR-2\n", "console", "--config", cfg)
	}
	if code != 0 {
		t.Fatalf("console: exit %d: %s", code, stderr)
	}
	find(t, messages(out), "IR-1", "Reload probe")
	find(t, messages(out), "IR-2", "Technical outage")
}
