package web_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsPointInward keeps the HTTP server off the engine: what it needs
// of the engine comes in as functions (IntakeFunc) over types of package
// bot, so that the arrows point inward (DESIGN.md, "Packages").
func TestImportsPointInward(t *testing.T) {
	for _, bad := range importsOf(t, ".", "github.com/irbot/irbot/bot/engine") {
		t.Error(bad)
	}
}

// importsOf runs "go list -deps" on pattern and returns, for each package
// it builds (tests excluded) that imports forbidden or a package under it,
// "<package> imports <forbidden package>".
func importsOf(t *testing.T, pattern string, forbidden ...string) []string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the imports with")
	}
	cmd := exec.Command(goCmd, "list", "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", pattern)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pattern, err, stderr.String())
	}
	var bad []string
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		for _, imp := range f[min(1, len(f)):] {
			for _, fb := range forbidden {
				if imp == fb || strings.HasPrefix(imp, fb+"/") {
					bad = append(bad, f[0]+" imports "+imp)
				}
			}
		}
	}
	return bad
}
