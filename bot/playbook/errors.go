package playbook

import (
	"sort"
	"strconv"
	"strings"
)

// Error is one validation problem at a position in a playbook file.
// Line and Col are 1-based; they are 0 only for problems that have no
// position, such as a file that could not be read.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

// Error returns "file:line:col: msg" (or "file: msg" when there is no
// position).
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
		if e.Col > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Col))
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is a list of problems, sorted by file, line and column. The
// functions of this package only return non-empty Errors.
type Errors []*Error

// Error returns the problems one per line.
func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// sortErrors sorts es by file, line and column, keeping the order in
// which problems were found for equal positions.
func sortErrors(es Errors) {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// dedupErrors removes repeated problems from sorted es: a YAML alias used
// several times would otherwise report the problems of its value once per
// use.
func dedupErrors(es Errors) Errors {
	out := es[:0]
	for i, e := range es {
		if i > 0 && *e == *es[i-1] {
			continue
		}
		out = append(out, e)
	}
	return out
}
