package chat_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsPointInward keeps the chat layer and its adapters off the
// store, the engine and the command grammar: the store's part comes in as
// chat.KV and chat.Outbox, adapted in cmd/irbot, and the command names
// Slack needs as configuration, so that the arrows point inward
// (DESIGN.md, "Packages"). Platforms never import each other either.
func TestImportsPointInward(t *testing.T) {
	const mod = "github.com/irbot/irbot/"
	imports := importsOf(t, "./...")
	for _, p := range imports {
		for _, imp := range p.imports {
			for _, bad := range []string{mod + "store", mod + "bot/engine", mod + "bot/command"} {
				if imp == bad || strings.HasPrefix(imp, bad+"/") {
					t.Errorf("%s imports %s", p.path, imp)
				}
			}
			if from, to := platformOf(p.path), platformOf(imp); from != "" && to != "" && from != to {
				t.Errorf("%s imports another platform's %s", p.path, imp)
			}
		}
	}
	if len(imports) < 5 {
		t.Fatalf("go list found %d packages: %+v", len(imports), imports)
	}
}

// platformOf names the platform package path belongs to ("telegram" for
// bot/chat/telegram and bot/chat/telegram/telegramtest), "" for any other.
func platformOf(path string) string {
	rest, ok := strings.CutPrefix(path, "github.com/irbot/irbot/bot/chat/")
	if !ok {
		return ""
	}
	p, _, _ := strings.Cut(rest, "/")
	switch p {
	case "telegram", "zalo", "slack", "console":
		return p
	}
	return ""
}

// pkgImports is one package "go list -deps" built, with its imports.
type pkgImports struct {
	path    string
	imports []string
}

// importsOf runs "go list -deps" on pattern from the package's directory
// and returns every package it builds (tests excluded) with its imports.
func importsOf(t *testing.T, pattern string) []pkgImports {
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
	var pkgs []pkgImports
	for line := range strings.Lines(string(out)) {
		if f := strings.Fields(line); len(f) > 0 {
			pkgs = append(pkgs, pkgImports{path: f[0], imports: f[1:]})
		}
	}
	return pkgs
}
