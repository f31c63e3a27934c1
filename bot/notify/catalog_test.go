package notify

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/irbot/irbot/bot/i18n"
)

// TestEveryMessageKeyIsInTheCatalogue finds every string literal passed as
// a message key in the renderer's and the engine's code — cat.T and cat.N
// (with its plural form), and the engine's e.t and e.refuse — and checks
// the catalogue has it (i18n's own test checks both languages have every
// key).
func TestEveryMessageKeyIsInTheCatalogue(t *testing.T) {
	cat := i18n.Default()
	fset := token.NewFileSet()
	for _, dir := range []string{".", "../engine"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		checked := 0
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				keyArg := -1
				recv, _ := sel.X.(*ast.Ident)
				switch {
				case (sel.Sel.Name == "t" || sel.Sel.Name == "refuse") && recv != nil && recv.Name == "e":
					keyArg = 0
				case sel.Sel.Name == "T" || sel.Sel.Name == "N":
					keyArg = 1
				}
				if keyArg < 0 || len(call.Args) <= keyArg {
					return true
				}
				lit, ok := call.Args[keyArg].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				key, _ := strconv.Unquote(lit.Value)
				checked++
				if sel.Sel.Name == "N" {
					key += ".other" // N falls back to it
				}
				if !cat.Has(key) {
					t.Errorf("%s: message key %q is not in the catalogue", fset.Position(lit.Pos()), key)
				}
				return true
			})
		}
		if checked < 30 {
			t.Fatalf("only %d keys found in %s: the scan is broken", checked, dir)
		}
	}
}
