package main_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/store/bolt"
)

// The tests drive the real binary, built once, from the repository root so
// that configs/irbot.yaml and playbooks/ are what a newcomer gets.
var binary string

// TestMain builds the binary with -cover: every process the tests start
// writes its coverage counters to $GOCOVERDIR, and the coverage of
// cmd/irbot is printed at the end (go test -v ./cmd/irbot/ shows it). With
// IRBOT_COVERDIR=DIR the counters are kept in DIR for
// "go tool covdata percent -i DIR" or "go tool covdata textfmt -i DIR -o
// cover.out && go tool cover -html cover.out".
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "irbot-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "irbot")
	out, err := exec.Command("go", "build", "-cover", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build irbot: %v\n%s", err, out)
		os.Exit(1)
	}
	covdir := os.Getenv("IRBOT_COVERDIR")
	if covdir == "" {
		covdir = filepath.Join(dir, "cover")
	}
	if err := os.MkdirAll(covdir, 0o755); err != nil {
		panic(err)
	}
	os.Setenv("GOCOVERDIR", covdir) // inherited by every process the tests start
	code := m.Run()
	if files, _ := os.ReadDir(covdir); len(files) == 0 { // no test ran the binary
		os.RemoveAll(dir)
		os.Exit(code)
	}
	out, err = exec.Command("go", "tool", "covdata", "percent", "-i", covdir, "-pkg", "github.com/irbot/irbot/cmd/irbot").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "coverage: %v\n%s", err, out)
	} else {
		fmt.Printf("coverage of the irbot processes the tests ran:\n%s", out)
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// irbotCmd is the command running the built binary with args.
func irbotCmd(args ...string) *exec.Cmd {
	sourcesRead.Do(readSources)
	return exec.Command(binary, args...)
}

var sourcesRead sync.Once

// readSources reads every source file the binary is built from. go test
// does not see the binary TestMain builds as a dependency, but it does
// see the files a test reads: a change to any of them then reruns these
// tests instead of reusing a cached pass.
func readSources() {
	filepath.WalkDir(repoRoot, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		switch filepath.Ext(path) {
		case ".go", ".yaml", ".yml", ".mod", ".sum":
			os.ReadFile(path)
		}
		return nil
	})
}

const repoRoot = "../.."

// irbot runs the binary with stdin and returns stdout, stderr and the exit code.
func irbot(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := irbotCmd(args...)
	cmd.Dir = repoRoot
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
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

func bundled(t *testing.T, id string) *playbook.Playbook {
	t.Helper()
	set, err := playbook.LoadDir(filepath.Join(repoRoot, "playbooks"), playbook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pb, ok := set.Get(id)
	if !ok {
		t.Fatalf("no bundled playbook %s", id)
	}
	return pb
}

// messages splits console output into the bot's messages ("[chat] text…").
func messages(out string) []string {
	var msgs []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "[") {
			msgs = append(msgs, line)
		} else if len(msgs) > 0 {
			msgs[len(msgs)-1] += "\n" + line
		}
	}
	return msgs
}

func find(t *testing.T, msgs []string, wants ...string) string {
	t.Helper()
	for _, m := range msgs {
		ok := true
		for _, w := range wants {
			if !strings.Contains(m, w) {
				ok = false
				break
			}
		}
		if ok {
			return m
		}
	}
	t.Fatalf("no message contains all of %q; got:\n%s", wants, strings.Join(msgs, "\n"))
	return ""
}

// ransomwareScript walks the ransomware playbook end to end, in English.
func ransomwareScript(pb *playbook.Playbook) string {
	var b strings.Builder
	b.WriteString("/lang en\n")
	b.WriteString("/declare ransomware Accounting file server encrypted _*[]()~>#+-=|{}.!\n")
	b.WriteString("/steps\n")
	b.WriteString("/ack\n")
	b.WriteString("/next\n") // refused: phase 1 has required steps open
	for i, ph := range pb.Phases {
		for _, s := range ph.Steps {
			fmt.Fprintf(&b, "/done %d\n", s.Number)
		}
		if i == 0 {
			b.WriteString("binh@soc: /note Called PA05 duty officer, case opened\n")
		}
		if i < len(pb.Phases)-1 {
			b.WriteString("/next\n")
		}
	}
	b.WriteString("/resolve restored from offline backup\n/close\n/timeline\n/verify\n")
	return b.String()
}

func TestScriptedConsoleSession(t *testing.T) {
	pb := bundled(t, "ransomware")
	data := t.TempDir()
	out, stderr, code := irbot(t, ransomwareScript(pb), "console", "--data", data)
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr not empty: %s", stderr)
	}
	msgs := messages(out)
	find(t, msgs, "[soc] 🚨 IR-1 · SEV1", "Accounting file server encrypted _*[]()~>#+-=|{}.!", "Declared by Nguyễn Văn An")
	first := pb.Phases[0].Steps[0]
	refusal := find(t, msgs, "Cannot move on")
	if !strings.Contains(refusal, fmt.Sprintf("%d. %s", first.Number, first.Title.In("en"))) {
		t.Fatalf("refusal does not name step %d:\n%s", first.Number, refusal)
	}
	find(t, msgs, "Phase 2/5", pb.Phases[1].Name.In("en"))
	find(t, msgs, "Trần Thị Bình noted: Called PA05")
	find(t, msgs, "IR-1 resolved by Nguyễn Văn An", "restored from offline backup")
	find(t, msgs, "IR-1 closed")
	tl := find(t, msgs, "Timeline of IR-1")
	lines := strings.Split(tl, "\n")[1:]
	// declared, page to the duty officer, ack, page ack, phases, steps, note, resolved, closed
	wantEvents := 1 + 1 + 1 + 1 + len(pb.Phases) + len(pb.Steps()) + 1 + 1 + 1
	if len(lines) != wantEvents {
		t.Fatalf("timeline has %d lines, want %d:\n%s", len(lines), wantEvents, tl)
	}
	eventLine := regexp.MustCompile(`^#\d+ \d\d/\d\d \d\d:\d\d:\d\d (Nguyễn Văn An|Trần Thị Bình|irbot) — \S`)
	for _, l := range lines {
		if !eventLine.MatchString(l) {
			t.Errorf("timeline line lacks number, time or actor: %q", l)
		}
	}
	find(t, msgs, "IR-1: timeline intact", fmt.Sprintf("%d events", wantEvents))
}

func TestRestartKeepsEverythingAndTamperingIsFound(t *testing.T) {
	data := t.TempDir()
	script := "/lang en\n/declare ddos Portal flooded from botnet\n/ack\n/done 1 traffic 40Gbps marker-QX7\n/note upstream ISP contacted\n"
	if _, stderr, code := irbot(t, script, "console", "--data", data); code != 0 {
		t.Fatalf("first run exit %d: %s", code, stderr)
	}
	out, _, code := irbot(t, "/status IR-1\n/timeline IR-1\n/verify IR-1\n", "console", "--data", data)
	if code != 0 {
		t.Fatalf("second run exit %d", code)
	}
	msgs := messages(out)
	find(t, msgs, "IR-1 · SEV2", "Portal flooded from botnet", "Acknowledged:")
	find(t, msgs, "Timeline of IR-1 (7 events)", "traffic 40Gbps marker-QX7", "upstream ISP contacted")
	find(t, msgs, "timeline intact")

	vout, _, code := irbot(t, "", "verify", "--data", data)
	if code != 0 || !strings.Contains(vout, "ok     IR-1: 7 events") {
		t.Fatalf("verify before tampering: exit %d\n%s", code, vout)
	}

	// Change one byte of a recorded event, as someone editing the file would.
	path := filepath.Join(data, bolt.FileName)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(raw, []byte("marker-QX7")) == 0 {
		t.Fatal("marker not found in the store file")
	}
	raw = bytes.ReplaceAll(raw, []byte("marker-QX7"), []byte("marker-QX8"))
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	vout, _, code = irbot(t, "", "verify", "--data", data, "IR-1")
	if code != 1 || !strings.Contains(vout, "BROKEN IR-1: timeline broken at event #6: content does not match its hash") {
		t.Fatalf("verify after tampering: exit %d\n%s", code, vout)
	}
	out, _, _ = irbot(t, "/verify IR-1\n", "console", "--data", data)
	find(t, messages(out), "timeline TAMPERED", "#6")
}

// TestKillNineLosesNoCommittedAction kills the console with SIGKILL while it
// is busy and checks that every action it answered is in the store and the
// store opens with an intact chain.
func TestKillNineLosesNoCommittedAction(t *testing.T) {
	data := t.TempDir()
	if _, stderr, code := irbot(t, "/lang en\n/declare outage Core switch down\n/ack\n", "console", "--data", data); code != 0 {
		t.Fatalf("setup exit %d: %s", code, stderr)
	}
	cmd := irbotCmd("console", "--data", data)
	cmd.Dir = repoRoot
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		for i := 0; i < 2000; i++ {
			if _, err := fmt.Fprintf(stdin, "/note IR-1 n%04d\n", i); err != nil {
				return
			}
		}
	}()
	answered := map[string]bool{}
	sc := bufio.NewScanner(stdout)
	noteRe := regexp.MustCompile(`noted: (n\d{4})`)
	for sc.Scan() {
		if m := noteRe.FindStringSubmatch(sc.Text()); m != nil {
			answered[m[1]] = true
		}
		if len(answered) == 40 {
			cmd.Process.Kill() // SIGKILL: no cleanup, no flush
			break
		}
	}
	io.Copy(io.Discard, stdout)
	cmd.Wait()
	if len(answered) < 40 {
		t.Fatalf("only %d notes answered before the bot stopped", len(answered))
	}
	out, stderr, code := irbot(t, "/timeline IR-1\n/verify IR-1\n", "console", "--data", data)
	if code != 0 {
		t.Fatalf("restart after kill -9: exit %d: %s", code, stderr)
	}
	for n := range answered {
		if !strings.Contains(out, "note: "+n) {
			t.Errorf("answered note %s missing after kill -9", n)
		}
	}
	find(t, messages(out), "timeline intact")
}

func TestValidate(t *testing.T) {
	out, stderr, code := irbot(t, "", "validate", "playbooks")
	if code != 0 {
		t.Fatalf("bundled playbooks: exit %d\n%s", code, stderr)
	}
	for _, id := range []string{"ransomware", "ddos", "defacement", "phishing", "data_leak", "outage", "operational_error", "disaster"} {
		if !strings.Contains(out, "ok  "+id) {
			t.Errorf("validate output lacks %s:\n%s", id, out)
		}
	}
	broken := t.TempDir()
	os.WriteFile(filepath.Join(broken, "bad.yaml"), []byte("id: bad\nname: {vi: X, en: X}\ncategory: cyber_attack\nphases:\n  - id: one\n    name: {vi: A, en: A}\n    steps:\n      - id: s\n        titel: {vi: B, en: B}\n"), 0o644)
	_, stderr, code = irbot(t, "", "validate", broken)
	if code != 1 || !strings.Contains(stderr, "bad.yaml:9:9:") || !strings.Contains(stderr, "titel") {
		t.Fatalf("broken playbook: exit %d\n%s", code, stderr)
	}
	out, _, code = irbot(t, "", "validate", "--graph", "ransomware")
	if code != 0 || !strings.HasPrefix(out, "stateDiagram-v2") || !strings.Contains(out, "triggered --> acknowledged: ack") {
		t.Fatalf("graph: exit %d\n%s", code, out)
	}
}

func TestBadConfigIsOneClearError(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "irbot.yaml")
	os.WriteFile(cfg, []byte("language: vi\ntime_zoen: Asia/Ho_Chi_Minh\n"), 0o644)
	_, stderr, code := irbot(t, "", "console", "--config", cfg, "--data", dir)
	if code != 2 || !strings.Contains(stderr, "line 2") || !strings.Contains(stderr, "time_zoen") || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	os.WriteFile(cfg, []byte("time_zone: Mars/Olympus\n"), 0o644)
	_, stderr, code = irbot(t, "", "console", "--config", cfg, "--data", dir)
	if code != 2 || !strings.Contains(stderr, "Mars/Olympus") {
		t.Fatalf("bad zone: exit %d, stderr:\n%s", code, stderr)
	}
}

func TestDirectMessagesAndPlainCommands(t *testing.T) {
	out, _, _ := irbot(t, "/lang en\nhelp\nbinh@dm: /incidents\n", "console", "--data", t.TempDir())
	msgs := messages(out)
	find(t, msgs, "[soc] Commands")
	find(t, msgs, "[dm:binh]", "Không có sự cố nào đang mở")
}

func TestReportAndRosterCommands(t *testing.T) {
	data := t.TempDir()
	irbot(t, "/lang en\n/declare ddos Portal flooded\n/ack\n/set cause Botnet from rented VPS\n", "console", "--data", data)
	out, stderr, code := irbot(t, "", "report", "IR-1", "--format", "vi03", "--data", data)
	if code != 0 || !strings.Contains(out, "BÁO CÁO BAN ĐẦU SỰ CỐ") || !strings.Contains(out, "Botnet from rented VPS") {
		t.Fatalf("report vi03: exit %d\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(stderr, "blank fields:") || !strings.Contains(stderr, "description") {
		t.Fatalf("blank fields not listed: %s", stderr)
	}
	out, _, code = irbot(t, "", "roster", "ics", "truc-ban", "--shifts", "3", "--data", data)
	if code != 0 || !strings.HasPrefix(out, "BEGIN:VCALENDAR\r\n") || strings.Count(out, "BEGIN:VEVENT") != 3 {
		t.Fatalf("roster ics: exit %d\n%s", code, out)
	}
}
