package main_test

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const serveConfig = `
data_dir: %s
language: en
http:
  listen: 127.0.0.1:0
people:
  - {id: an, name: An, ids: {telegram: "111"}}
  - {id: binh, name: Binh, ids: {telegram: "222"}}
chats:
  - {id: soc, purpose: response, ids: {console: soc}}
rosters:
  - id: duty
    layers: [{rotation: daily, handoff: "07:30", members: [an, binh]}]
escalation:
  - id: security
    levels: [{targets: [roster:duty], after: 5m}, {targets: [person:an]}]
  - id: ops
    levels: [{targets: [roster:duty], after: 5m}]
alerts:
  routes:
    - id: prom
      kind: alertmanager
      token_env: IRBOT_TEST_PROM_TOKEN
      chat: soc
      escalation: ops
    - id: grafana
      kind: grafana
      token_env: IRBOT_TEST_GRAFANA_TOKEN
      chat: soc
      auto_resolve: true
    - id: siem
      kind: generic
      hmac_secret_env: IRBOT_TEST_SIEM_SECRET
      chat: soc
      fields: {title: event.name, severity: event.level, dedup_key: event.id, status: state, labels: host}
`

// server is a running "irbot serve".
type server struct {
	cmd  *exec.Cmd
	base string
	errb *syncBuffer
}

// syncBuffer is the child's stderr, written by the process's copier while
// tests read it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startServe(t *testing.T, cfg string, env ...string) *server {
	t.Helper()
	cmd := irbotCmd("serve", "--config", cfg)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), env...)
	out, _ := cmd.StdoutPipe()
	errb := &syncBuffer{}
	cmd.Stderr = errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "irbot serving on ") {
		cmd.Wait()
		t.Fatalf("serve did not start: %q %v\n%s", line, err, errb)
	}
	go io.Copy(io.Discard, out)
	base := strings.Fields(strings.TrimPrefix(line, "irbot serving on "))[0]
	s := &server{cmd: cmd, base: base, errb: errb}
	for i := 0; i < 100; i++ { // ready once its loops run
		if code, _ := s.get(t, "/readyz"); code == 200 {
			return s
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("never ready")
	return nil
}

func (s *server) get(t *testing.T, path string) (int, string) {
	resp, err := http.Get(s.base + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (s *server) post(t *testing.T, path, token string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func payload(t *testing.T, name string) []byte {
	b, err := os.ReadFile(filepath.Join(repoRoot, "bot/alerts/testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestServeTakesRealAlertPayloads(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "irbot.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(serveConfig, filepath.Join(dir, "data"))), 0o644)
	s := startServe(t, cfg, "IRBOT_TEST_PROM_TOKEN=prom-secret", "IRBOT_TEST_GRAFANA_TOKEN=graf-secret", "IRBOT_TEST_SIEM_SECRET=siem-hmac-key")

	if code, body := s.get(t, "/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Fatalf("/healthz: %d %s", code, body)
	}
	type result struct {
		Incidents []string `json:"incidents"`
		Opened    int      `json:"opened"`
	}
	send := func(route, token, file string) result {
		code, body := s.post(t, "/alerts/"+route, token, payload(t, file))
		if code != 200 {
			t.Fatalf("%s: %d %s", file, code, body)
		}
		var r result
		json.Unmarshal([]byte(body), &r)
		return r
	}
	if r := send("prom", "prom-secret", "am_firing.json"); r.Opened != 1 || len(r.Incidents) != 1 || r.Incidents[0] != "IR-1" {
		t.Fatalf("firing: %+v", r)
	}
	if r := send("prom", "prom-secret", "am_firing_repeat.json"); r.Opened != 0 || r.Incidents[0] != "IR-1" {
		t.Fatalf("repeat opened another incident: %+v", r)
	}
	send("prom", "prom-secret", "am_resolved.json")
	if r := send("grafana", "graf-secret", "grafana_doc.json"); r.Opened != 1 || r.Incidents[0] != "IR-2" {
		t.Fatalf("grafana: %+v", r)
	}

	// A SIEM posts its own JSON, signed with HMAC-SHA256 over the body.
	siem := payload(t, "generic_siem.json")
	mac := hmac.New(sha256.New, []byte("siem-hmac-key"))
	mac.Write(siem)
	req, _ := http.NewRequest("POST", s.base+"/alerts/siem", bytes.NewReader(siem))
	req.Header.Set("X-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"IR-3"`) {
		t.Fatalf("signed SIEM event: %d %s", resp.StatusCode, b)
	}
	if code, _ := s.post(t, "/alerts/siem", "", siem); code != 401 {
		t.Fatalf("unsigned SIEM event: %d, want 401", code)
	}

	// Bad input is refused with the right status, and the server keeps serving.
	checks := []struct {
		name, route, token string
		body               []byte
		code               int
		want               string
	}{
		{"wrong token", "prom", "nope", payload(t, "am_firing.json"), 401, "credentials"},
		{"no token", "prom", "", payload(t, "am_firing.json"), 401, "credentials"},
		{"unknown route", "nosuch", "prom-secret", payload(t, "am_firing.json"), 404, "no alert route"},
		{"too large", "prom", "prom-secret", bytes.Repeat([]byte(" "), 2<<20), 413, "body over"},
		{"malformed", "prom", "prom-secret", []byte("{\n  \"alerts\": [\n    {\"status\": \"firing\" \"labels\": {}}\n  ]\n}"), 400, "line 3, column"},
	}
	for _, c := range checks {
		if code, body := s.post(t, "/alerts/"+c.route, c.token, c.body); code != c.code || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want %d containing %q", c.name, code, body, c.code, c.want)
		}
	}
	if code, _ := s.get(t, "/healthz"); code != 200 {
		t.Fatal("server stopped serving after bad input")
	}
	_, metrics := s.get(t, "/metrics")
	for _, want := range []string{
		`irbot_alerts_received_total{route="prom",status="firing"}`,
		`irbot_http_rejections_total{endpoint="alerts",reason="unauthorized"} 3`,
		`irbot_http_rejections_total{endpoint="alerts",reason="too_large"} 1`,
		`irbot_open_incidents{`,
		`irbot_pages_sent_total`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// Graceful stop: SIGTERM, exit 0, and everything is in the store.
	s.stop(t)
	out, _, code := irbot(t, "/timeline IR-1\n/verify IR-1\n", "console", "--config", cfg)
	if code != 0 {
		t.Fatalf("console after serve: exit %d", code)
	}
	msgs := messages(out)
	tl := find(t, msgs, "Timeline of IR-1")
	if n := strings.Count(tl, "— alert "); n != 6 {
		t.Errorf("IR-1 timeline records %d alerts, want 6 (2 firing, 2 repeated, 2 resolved):\n%s", n, tl)
	}
	find(t, msgs, "IR-1: timeline intact")
}

// stop sends SIGTERM and expects a clean exit that logged no secret.
func (s *server) stop(t *testing.T, secrets ...string) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v\n%s", err, s.errb)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	for _, sec := range secrets {
		if strings.Contains(s.errb.String(), sec) {
			t.Fatal("a secret was logged")
		}
	}
}
