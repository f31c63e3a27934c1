package notify_test

import (
	"github.com/irbot/irbot/bot/command"
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
// a message key in the renderer's and the engine's code (the engine and
// the parts it is made of) — Cat.T and Cat.N (with its plural form), and
// the engine's T and Refuse — and checks
// the catalogue has it (i18n's own test checks both languages have every
// key).
func TestEveryMessageKeyIsInTheCatalogue(t *testing.T) {
	cat := i18n.Default()
	fset := token.NewFileSet()
	total := 0
	for _, dir := range engineDirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		checked := 0 // keys in dir
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
				switch sel.Sel.Name {
				case "N":
					keyArg = 1 // Cat.N(lang, key, n)
				case "T":
					keyArg = 0 // the engine's T(key, args...)
					if isCatalogue(sel.X) {
						keyArg = 1 // Cat.T(lang, key, args...)
					}
				case "Refuse":
					keyArg = 0
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
		total += checked
	}
	if total < 150 {
		t.Fatalf("only %d keys found: the scan is broken", total)
	}
}

// engineDirs are the renderer and the packages the engine is made of: the
// code that words what people read.
var engineDirs = []string{".", "../engine", "../change", "../duty", "../paging", "../summary", "../intake"}

// isCatalogue reports whether x names an i18n catalogue (cat, e.Cat, r.cat).
func isCatalogue(x ast.Expr) bool {
	switch v := x.(type) {
	case *ast.Ident:
		return strings.EqualFold(v.Name, "cat")
	case *ast.SelectorExpr:
		return strings.EqualFold(v.Sel.Name, "cat")
	}
	return false
}

// TestEveryUsageReasonIsWorded: every reason bot/command gives for wrong
// arguments ("reason missing") has words in the catalogue
// (UsageError.Key), so a user is told what is wrong, not only the usage.
func TestEveryUsageReasonIsWorded(t *testing.T) {
	cat := i18n.Default()
	fset := token.NewFileSet()
	files, _ := filepath.Glob("../command/*.go")
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			var lit *ast.BasicLit
			switch x := n.(type) {
			case *ast.CallExpr: // bad("reason missing")
				if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "bad" && len(x.Args) == 1 {
					lit, _ = x.Args[0].(*ast.BasicLit)
				}
			case *ast.KeyValueExpr: // UsageError{Reason: "…"}
				if id, ok := x.Key.(*ast.Ident); ok && id.Name == "Reason" {
					lit, _ = x.Value.(*ast.BasicLit)
				}
			case *ast.ValueSpec: // const badRef = "…"
				if len(x.Names) == 1 && x.Names[0].Name == "badRef" && len(x.Values) == 1 {
					lit, _ = x.Values[0].(*ast.BasicLit)
				}
			}
			if lit == nil || lit.Kind != token.STRING {
				return true
			}
			reason, _ := strconv.Unquote(lit.Value)
			found++
			key := (&command.UsageError{Reason: reason}).Key()
			if !cat.Has(key) {
				t.Errorf("%s: usage reason %q has no words in the catalogue (%s)", fset.Position(lit.Pos()), reason, key)
			}
			return true
		})
	}
	if found < 20 {
		t.Fatalf("only %d usage reasons found in bot/command: the scan is broken", found)
	}
}
