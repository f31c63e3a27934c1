package main_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKillNineWithPagesPending kills the bot right after it paged level 1,
// restarts it once level 1's wait is over, and checks that level 2 is
// paged at once, and only once, however often the bot restarts.
func TestKillNineWithPagesPending(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "irbot.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`
data_dir: %s
language: en
people: [{id: an, name: An}, {id: binh, name: Binh}, {id: cuong, name: Cuong}]
chats: [{id: soc, purpose: response, ids: {console: soc}}]
rosters: [{id: duty, layers: [{rotation: daily, handoff: "07:30", members: [binh]}]}]
escalation:
  - id: security
    levels: [{targets: [roster:duty], after: 1s}, {targets: [person:cuong], after: 1h}]
  - {id: ops, levels: [{targets: [roster:duty], after: 1h}]}
`, filepath.Join(dir, "data"))), 0o644)

	cmd := irbotCmd("console", "--config", cfg, "--user", "an", "--chat", "soc")
	cmd.Dir = repoRoot
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(stdin, "/declare ransomware Shares encrypted")
	sc := bufio.NewScanner(stdout)
	paged := time.Time{}
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "[dm:binh] 📟 PAGE — IR-1") {
			paged = time.Now()
			cmd.Process.Kill() // kill -9 with level 2 pending
			break
		}
	}
	go io.Copy(io.Discard, stdout)
	cmd.Wait()
	if paged.IsZero() {
		t.Fatal("level 1 was never paged")
	}
	// Wait out level 1's delay on the wall clock: the timer is in the file.
	time.Sleep(time.Until(paged.Add(1200 * time.Millisecond)))

	count := func(out string) int { return strings.Count(out, "[dm:cuong] 📟 PAGE — IR-1") }
	total := 0
	for i := 0; i < 3; i++ {
		out, stderr, code := irbot(t, "/status IR-1\n/status IR-1\n", "console", "--config", cfg)
		if code != 0 {
			t.Fatalf("restart %d: exit %d: %s", i, code, stderr)
		}
		total += count(out)
	}
	if total != 1 {
		t.Fatalf("level 2 paged %d times over three restarts, want exactly 1", total)
	}
}
