package main_test

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// scriptedConsole is the console fed a script through a pipe (stdin not a
// terminal), on a test clock the test moves.
type scriptedConsole struct {
	t     *testing.T
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines chan string
	clock string
	out   strings.Builder
}

func startScriptedConsole(t *testing.T) *scriptedConsole {
	t.Helper()
	c := &scriptedConsole{t: t, clock: filepath.Join(t.TempDir(), "clock"), lines: make(chan string, 1024)}
	if err := os.WriteFile(c.clock, []byte("0s"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.cmd = irbotCmd("console", "--data", t.TempDir())
	c.cmd.Dir = repoRoot
	c.cmd.Env = append(os.Environ(), "IRBOT_TEST_CLOCK="+c.clock)
	var err error
	if c.in, err = c.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	t.Cleanup(func() { c.cmd.Process.Kill(); c.cmd.Wait() })
	return c
}

// say writes a line and waits until the console's output shows want.
func (c *scriptedConsole) say(line, want string) {
	c.t.Helper()
	io.WriteString(c.in, line+"\n")
	c.wait(line, want)
}

// wait waits until the console's output shows want, after what.
func (c *scriptedConsole) wait(line, want string) {
	c.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				c.t.Fatalf("%s: the console ended before showing %q:\n%s", line, want, c.out.String())
			}
			c.out.WriteString(l + "\n")
			if strings.Contains(l, want) {
				return
			}
		case <-deadline:
			c.t.Fatalf("%s: no %q in the console's output:\n%s", line, want, c.out.String())
		}
	}
}

// advance moves the console's clock to d after its start.
func (c *scriptedConsole) advance(d time.Duration) {
	if err := os.WriteFile(c.clock, []byte(d.String()), 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// end closes the script and returns everything the console printed.
func (c *scriptedConsole) end() string {
	c.t.Helper()
	c.in.Close()
	for l := range c.lines {
		c.out.WriteString(l + "\n")
	}
	if err := c.cmd.Wait(); err != nil {
		c.t.Fatalf("console: %v\n%s", err, c.out.String())
	}
	return c.out.String()
}

// TestScriptedConsoleTellsWhatFellDue: a console fed a script (stdin not
// a terminal) tells what fell due by the end of its input: a change held
// back by min_gap reaches the leaders once min_gap has passed.
func TestScriptedConsoleTellsWhatFellDue(t *testing.T) {
	c := startScriptedConsole(t)
	c.say("/declare ddos Portal flooded", "[leaders]")
	c.say("/sev 1 spreading", "SEV1")
	c.advance(11 * time.Minute) // past min_gap (10m)
	find(t, messages(c.end()), "[leaders] 📊 IR-1 · SEV1", "severity SEV2 → SEV1 — reason: spreading")
}

// TestScriptedConsoleTellsTimersWhenTheyFire: while a script waits (no
// next line yet), a timer that falls due is told at once: the level-2
// page of an unacknowledged incident does not wait for the next line.
func TestScriptedConsoleTellsTimersWhenTheyFire(t *testing.T) {
	c := startScriptedConsole(t)
	c.say("/declare ddos Portal flooded", "[soc]")
	c.advance(6 * time.Minute) // past level 1's 5 minutes
	c.wait("(6 minutes later)", "cấp 2/")
	c.end()
}

// TestConsoleSendsTheDailyDigest: the console sets the digest timer at
// start-up, as serve does, and the digest comes at digest_at (07:00 in Hà
// Nội in the example configuration).
func TestConsoleSendsTheDailyDigest(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(loc)
	next := time.Date(now.Year(), now.Month(), now.Day(), 7, 0, 0, 0, loc)
	if !next.After(now) {
		next = next.AddDate(0, 0, 1)
	}
	c := startScriptedConsole(t)
	c.say("/incidents", "[soc]")
	c.advance((time.Until(next) + time.Minute).Round(time.Second))
	find(t, messages(c.end()), "[leaders] 🗓 Incident digest")
}
