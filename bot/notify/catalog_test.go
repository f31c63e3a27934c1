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
// a message key (cat.T, and cat.N with its plural forms) in this package's
// code and checks the catalogue has it (i18n's own test checks both
// languages have every key).
func TestEveryMessageKeyIsInTheCatalogue(t *testing.T) {
	cat := i18n.Default()
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
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
			if !ok || len(call.Args) < 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "T" && sel.Sel.Name != "N") {
				return true
			}
			lit, ok := call.Args[1].(*ast.BasicLit)
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
	if checked < 50 {
		t.Fatalf("only %d keys found: the scan is broken", checked)
	}
}
