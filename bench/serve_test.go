package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
	"github.com/irbot/irbot/store/bolt"
)

// repoRoot is where configs/, playbooks/ and cmd/irbot are.
const repoRoot = ".."

// alertToken is the prometheus route's bearer token (IRBOT_ALERT_TOKEN).
const alertToken = "bench-alert-token"

// The Telegram ids of the shipped config's people and chats.
const (
	userAn    int64 = 111
	userBinh  int64 = 222
	userCuong int64 = 333
	chatSOC   int64 = -1001
	chatLead  int64 = -1002
)

// escalateAfter is level 1's "after" in the prometheus route's policy
// (ops), shortened from the shipped 10m so that level 2 fires within the
// benchmark.
const escalateAfter = 10 * time.Second

// build is ./cmd/irbot compiled once per test binary, on first use, into
// build.dir, which TestMain removes.
var build struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

// binary returns the path of the built irbot, building it on first use.
func binary(tb testing.TB) string {
	tb.Helper()
	build.once.Do(func() {
		build.dir, build.err = os.MkdirTemp("", "irbot-bench")
		if build.err != nil {
			return
		}
		build.path = filepath.Join(build.dir, "irbot")
		cmd := exec.Command("go", "build", "-o", build.path, "./cmd/irbot")
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("build irbot: %v\n%s", err, out)
		}
	})
	if build.err != nil {
		tb.Fatal(build.err)
	}
	return build.path
}

// server is a running "irbot serve" with Telegram enabled against a fake
// Bot API at Telegram's real limits.
type server struct {
	tg     *telegramtest.Server
	base   string
	cmd    *exec.Cmd
	data   string // the store's directory
	stderr string // file with the process's log
	client *http.Client
}

// shippedConfig returns configs/irbot.yaml as shipped, with the edits a
// user makes to run it here: data in a temp dir, the repository's
// playbooks, a free loopback port, Telegram on against apiURL, and the
// ops policy's level 1 escalating after escalateAfter. Each edit replaces
// the first match of a pattern and must find one.
func shippedConfig(tb testing.TB, dir, apiURL string) string {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "configs/irbot.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		tb.Fatal(err)
	}
	text := string(raw)
	edits := []struct{ pattern, with string }{
		{`(?m)^data_dir: .*$`, "data_dir: " + filepath.Join(dir, "data")},
		{`(?m)^playbooks_dir: .*$`, "playbooks_dir: " + filepath.Join(root, "playbooks")},
		{`(?m)^  listen: .*$`, "  listen: 127.0.0.1:0"},
		{`telegram:\n    enabled: false`, fmt.Sprintf("telegram:\n    enabled: true\n    api_url: %q", apiURL)},
		// ops is the policy of the prometheus route; its level 1 is
		// roster:truc-ban after 10m.
		{`(  - id: ops\n    levels:\n      - targets: \[roster:truc-ban\]\n        after: )10m`, "${1}" + escalateAfter.String()},
	}
	for _, e := range edits {
		re := regexp.MustCompile(e.pattern)
		loc := re.FindStringSubmatchIndex(text)
		if loc == nil {
			tb.Fatalf("configs/irbot.yaml has nothing matching %q to edit", e.pattern)
		}
		text = text[:loc[0]] + string(re.ExpandString(nil, e.with, text, loc)) + text[loc[1]:]
	}
	path := filepath.Join(dir, "irbot.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// startServe starts the fake Bot API with the shipped config's chats and
// people, and "irbot serve" against it; both stop when tb ends.
func startServe(tb testing.TB) *server {
	tb.Helper()
	bin := binary(tb)
	tg := telegramtest.New(tb, telegramtest.WithTelegramLimits())
	tg.AddChat(telegramtest.Chat{ID: chatSOC, Type: telegramtest.Supergroup, Title: "SOC"})
	tg.AddChat(telegramtest.Chat{ID: chatLead, Type: telegramtest.Supergroup, Title: "Leaders"})
	for _, u := range []struct {
		id   int64
		name string
	}{{userAn, "An"}, {userBinh, "Binh"}, {userCuong, "Cuong"}} {
		tg.AddChat(telegramtest.Chat{ID: u.id, Type: telegramtest.Private})
		tg.AddUser(u.id, u.name, "", strings.ToLower(u.name))
	}
	dir := tb.TempDir()
	cfg := shippedConfig(tb, dir, tg.URL())
	s := &server{tg: tg, data: filepath.Join(dir, "data"), stderr: filepath.Join(dir, "stderr.log"),
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 128}}}
	logf, err := os.Create(s.stderr)
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--config", cfg)
	cmd.Dir = dir
	// The config file says it all: no store, data dir or listen address
	// from this shell's environment.
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "IRBOT_DATA" && k != "IRBOT_STORE" && k != "IRBOT_LISTEN" && k != "IRBOT_CONFIG" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "TELEGRAM_BOT_TOKEN="+tg.Token(), "IRBOT_ALERT_TOKEN="+alertToken)
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	s.cmd = cmd
	tb.Cleanup(func() {
		s.kill()
		logf.Close()
		s.client.CloseIdleConnections()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "irbot serving on ") {
		tb.Fatalf("serve did not start: %q %v\n%s", line, err, s.log())
	}
	go io.Copy(io.Discard, out)
	s.base = strings.Fields(strings.TrimPrefix(line, "irbot serving on "))[0]
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := s.client.Get(s.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("serve never ready\n%s", s.log())
	return nil
}

// kill stops the process with SIGKILL (every committed change is in the
// store) and waits for it.
func (s *server) kill() {
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}

// incidents kills the process and reads the incidents refs name from its
// store, for the times only the store knows (when a page started, when it
// escalated).
func (s *server) incidents(tb testing.TB, refs []string) map[string]*bot.Incident {
	tb.Helper()
	s.kill()
	st, err := bolt.Open(s.data)
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	out := map[string]*bot.Incident{}
	for _, ref := range refs {
		id, err := strconv.ParseInt(strings.TrimPrefix(ref, "IR-"), 10, 64)
		if err != nil {
			tb.Fatalf("incident ref %q", ref)
		}
		inc, err := st.Incident(context.Background(), id)
		if err != nil {
			tb.Fatalf("read %s from the store: %v", ref, err)
		}
		out[ref] = inc
	}
	return out
}

// log returns the end of the process's log, for failure messages.
func (s *server) log() string {
	b, _ := os.ReadFile(s.stderr)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// alertBody is an Alertmanager v4 notification with one firing alert of
// its own group, so that it opens its own incident.
func alertBody(name string) []byte {
	return []byte(fmt.Sprintf(`{"receiver":"irbot","status":"firing","alerts":[{"status":"firing",
"labels":{"alertname":"BenchHostDown","instance":"%[1]s:9100","job":"node","severity":"critical"},
"annotations":{"summary":"%[1]s unreachable"},"startsAt":"%[2]s","endsAt":"0001-01-01T00:00:00Z",
"generatorURL":"http://prometheus:9090/graph","fingerprint":"fp-%[1]s"}],"groupLabels":{"instance":"%[1]s:9100"},
"commonLabels":{"alertname":"BenchHostDown","instance":"%[1]s:9100"},"commonAnnotations":{},
"externalURL":"http://alertmanager:9093","version":"4","groupKey":"{}:{instance=\"%[1]s:9100\"}","truncatedAlerts":0}`,
		name, time.Now().UTC().Format(time.RFC3339Nano)))
}

// alert posts one alert to the prometheus route and returns the incident
// it opened (IR-n).
func (s *server) alert(name string) (string, error) {
	req, err := http.NewRequest("POST", s.base+"/alerts/prometheus", bytes.NewReader(alertBody(name)))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+alertToken)
	resp, err := s.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("alert %s: %w", name, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("alert %s: %d %s", name, resp.StatusCode, body)
	}
	var r struct {
		Incidents []string `json:"incidents"`
		Opened    int      `json:"opened"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Opened != 1 || len(r.Incidents) != 1 {
		return "", fmt.Errorf("alert %s opened no incident of its own: %s", name, body)
	}
	return r.Incidents[0], nil
}

// metric returns the value of the first /metrics sample whose line starts
// with name (labels included, e.g. `irbot_outbox_depth{class="reply"}`).
func (s *server) metric(name string) (float64, error) {
	resp, err := s.client.Get(s.base + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(rest), 64)
		}
	}
	return 0, fmt.Errorf("/metrics has no %s", name)
}

var refRE = regexp.MustCompile(`\bIR-\d+\b`)

// refs returns the incident refs a message names: one for a page, each of
// them for a bundle, including those listed as "… and N more: IR-41, …".
func refs(text string) []string { return refRE.FindAllString(text, -1) }

// names reports whether text names ref.
func names(text, ref string) bool {
	for _, r := range refs(text) {
		if r == ref {
			return true
		}
	}
	return false
}

func TestRefsOfABundle(t *testing.T) {
	text := "📟 TRỰC BAN — 32 sự cố cần bạn tiếp nhận:\n• IR-7 · SEV1 · Sự cố — web-01 (7a)\n• IR-8 · SEV1 · Sự cố — web-02 (8a)\n… và 2 sự cố khác: IR-41, IR-142\nTiếp nhận tất cả: /ack all"
	got := strings.Join(refs(text), " ")
	if want := "IR-7 IR-8 IR-41 IR-142"; got != want {
		t.Errorf("refs = %q, want %q", got, want)
	}
	if !names(text, "IR-41") || names(text, "IR-4") || names(text, "IR-14") {
		t.Error("names matches refs by prefix")
	}
}
