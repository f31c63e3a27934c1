package bot_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsPointInward keeps the arrows of DESIGN.md ("Packages")
// pointing inward, for every package of the module (tests excluded):
//   - nothing imports cmd/;
//   - the HTTP server stays off the engine (what it needs comes in as
//     functions over types of package bot);
//   - the chat layer and its adapters stay off the store, the engine and
//     the command grammar (the store comes in as chat.KV and chat.Outbox,
//     Slack's command names as configuration), and platforms never import
//     each other;
//   - the engine's parts (change, paging, summary, duty, intake) never
//     import the engine that wires them.
func TestImportsPointInward(t *testing.T) {
	const mod = "github.com/irbot/irbot/"
	rules := []struct {
		from   string   // a package path prefix
		banned []string // import path prefixes it may not import
	}{
		{mod, []string{mod + "cmd"}},
		{mod + "bot/web", []string{mod + "bot/engine"}},
		{mod + "bot/chat", []string{mod + "store", mod + "bot/engine", mod + "bot/command"}},
		{mod + "bot/change", []string{mod + "bot/engine"}},
		{mod + "bot/paging", []string{mod + "bot/engine"}},
		{mod + "bot/summary", []string{mod + "bot/engine"}},
		{mod + "bot/duty", []string{mod + "bot/engine"}},
		{mod + "bot/intake", []string{mod + "bot/engine"}},
	}
	graph := moduleImports(t)
	if len(graph) < 20 {
		t.Fatalf("go list found %d packages of the module: the listing is broken", len(graph))
	}
	for path := range graph {
		deps := reach(graph, path) // what path builds on, directly or not: dependency → the import that led there
		for dep, via := range deps {
			for _, r := range rules {
				if !under(path, r.from) {
					continue
				}
				for _, b := range r.banned {
					if under(dep, b) {
						t.Errorf("%s depends on %s (through %s)", path, dep, via)
					}
				}
			}
		}
		for _, imp := range graph[path] {
			if from, to := platformOf(path), platformOf(imp); from != "" && to != "" && from != to {
				t.Errorf("%s imports another platform's %s", path, imp)
			}
		}
	}
}

// reach returns every package of the module that path depends on, each
// with the direct import of path it came through.
func reach(graph map[string][]string, path string) map[string]string {
	seen := map[string]string{}
	var walk func(p, via string)
	walk = func(p, via string) {
		for _, imp := range graph[p] {
			if _, ok := graph[imp]; !ok {
				continue // outside the module
			}
			if _, ok := seen[imp]; ok {
				continue
			}
			v := via
			if v == "" {
				v = imp
			}
			seen[imp] = v
			walk(imp, v)
		}
	}
	walk(path, "")
	return seen
}

// under reports whether path is prefix or a package below it.
func under(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, strings.TrimSuffix(prefix, "/")+"/")
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

// moduleImports runs "go list" on the whole module and returns each of its
// packages (tests excluded) with what it imports.
func moduleImports(t *testing.T) map[string][]string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command to list the imports with: %v", err)
	}
	cmd := exec.Command(goCmd, "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "github.com/irbot/irbot/...")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		if f := strings.Fields(line); len(f) > 0 {
			pkgs[f[0]] = f[1:]
		}
	}
	return pkgs
}
