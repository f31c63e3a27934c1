package engine_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEngineStaysSmall: the engine is commands → state machine → one
// commit. Paging, summaries, rosters and alert intake live in packages of
// their own (bot/paging, bot/summary, bot/duty, bot/intake) on the shared
// core (bot/change); a file that drifts back makes this fail.
func TestEngineStaysSmall(t *testing.T) {
	const most = 2000
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines += bytes.Count(b, []byte("\n"))
	}
	if lines == 0 || lines >= most {
		t.Errorf("bot/engine has %d lines of code; keep it under %d (move a part into its own package)", lines, most)
	}
}

// TestNoLargeFilesInGit: nothing built (a binary, a coverage file) is
// committed; every tracked file is under 1 MB.
func TestNoLargeFilesInGit(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git to list the tracked files with")
	}
	out, err := exec.Command(git, "ls-files", "-z", "--full-name", ":/").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	top, err := exec.Command(git, "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatal(err)
	}
	root := strings.TrimSpace(string(top))
	n := 0
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		fi, err := os.Stat(filepath.Join(root, f))
		if err != nil {
			continue // deleted in the work tree
		}
		n++
		if fi.Size() > 1<<20 {
			t.Errorf("%s is %d bytes in git; build outputs and large data do not belong in the repository", f, fi.Size())
		}
	}
	if n < 50 {
		t.Fatalf("only %d tracked files found: the listing is broken", n)
	}
}
