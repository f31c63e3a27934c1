package engine

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
// a message key in this package's code and checks the catalogue has it, in
// both languages (i18n's own test checks completeness).
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
			case sel.Sel.Name == "T":
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
