package notify_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// prose is a string literal that reads as words: two words with a space.
var prose = regexp.MustCompile(`[A-Za-zÀ-ỹ]{2,}[,.:;!?]? [A-Za-zÀ-ỹ]{2,}`)

// notShown are the literals of the engine and the renderer that read as
// words but are never shown to a person as they are: audit and timeline
// data for operators, a MIME type, a command.
var notShown = map[string]bool{
	"audit log":                     true, // the audit log record's own title
	"/ack all":                      true, // a command, the same in every language
	"unknown code":                  true, // audit data
	"expired code":                  true, // audit data
	"unknown escalation policy":     true, // timeline data of a configuration error
	"no chat on a running platform": true, // timeline data
	"text/markdown; charset=utf-8":  true,
}

// TestNoWordsOutsideTheCatalogue: every word a person reads comes from the
// catalogue. A string literal in the engine or the renderer that reads as
// prose (outside log lines and errors for operators) fails the test.
func TestNoWordsOutsideTheCatalogue(t *testing.T) {
	fset := token.NewFileSet()
	for _, dir := range engineDirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s: %v", dir, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(af, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.ImportSpec:
					return false
				case *ast.CallExpr:
					if sel, ok := x.Fun.(*ast.SelectorExpr); ok {
						switch sel.Sel.Name {
						case "Errorf", "New", "Warn", "Info", "Error", "Debug":
							return false // for operators, in English
						}
					}
				case *ast.BasicLit:
					if x.Kind != token.STRING {
						return true
					}
					s, _ := strconv.Unquote(x.Value)
					if prose.MatchString(s) && !notShown[s] {
						t.Errorf("%s: %q is built in Go code; put it in the catalogue (bot/i18n)", fset.Position(x.Pos()), s)
					}
				}
				return true
			})
		}
	}
}
