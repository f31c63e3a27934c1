package alerts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SyntaxError is a body that is not JSON, or holds a value of the wrong
// JSON type where the format wants another. Line and Col (1-based; Col
// counts characters, not bytes) point at the offending byte — for a
// wrong type, the start of the value. Msg says what is wrong and, for a
// wrong type, names the field.
type SyntaxError struct {
	Line, Col int
	Msg       string
}

// Error renders the error as "alerts: line L, column C: message".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("alerts: line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

// path is where a value sits in a JSON document: object keys (string)
// and array indexes (int).
type path []any

// with returns a new path with more segments, never sharing p's array.
func (p path) with(segs ...any) path {
	out := make(path, 0, len(p)+len(segs))
	return append(append(out, p...), segs...)
}

// String renders a path as `alerts[2].labels.severity`; the empty path is
// "body".
func (p path) String() string {
	if len(p) == 0 {
		return "body"
	}
	var b strings.Builder
	for _, s := range p {
		switch s := s.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", s)
		case string:
			if s == "" || strings.ContainsAny(s, ".[]\" \t\r\n") {
				fmt.Fprintf(&b, "[%s]", strconv.Quote(s))
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		}
	}
	return b.String()
}

// syntaxError converts a json.SyntaxError of body into a *SyntaxError.
func syntaxError(body []byte, se *json.SyntaxError) *SyntaxError {
	// Offset counts the bytes read, the offending one included; at the
	// end of input it is the length, pointing just past the last byte.
	off := int(se.Offset) - 1
	if int(se.Offset) >= len(body) && strings.Contains(se.Error(), "end of JSON input") {
		off = len(body)
	}
	line, col := lineCol(body, off)
	return &SyntaxError{Line: line, Col: col, Msg: se.Error()}
}

// typeError reports that the value at p has the wrong JSON type.
func typeError(body []byte, p path, want, got string) *SyntaxError {
	line, col := lineCol(body, locate(body, p))
	return &SyntaxError{Line: line, Col: col, Msg: fmt.Sprintf("%s: expected %s, got %s", p, want, got)}
}

// jsonError converts an error of json.Unmarshal of the value at base
// (inside body) into a *SyntaxError; other errors pass through.
func jsonError(body []byte, base path, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return syntaxError(body, se)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		p := base
		if te.Field != "" {
			for _, f := range strings.Split(te.Field, ".") {
				p = p.with(f)
			}
		}
		return typeError(body, p, goTypeName(te.Type), jsonKindOf(te.Value))
	}
	return err
}

// goTypeName names the JSON type a Go type decodes from.
func goTypeName(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if t == reflect.TypeFor[json.RawMessage]() {
			return "a JSON value"
		}
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another type"
}

// jsonKindOf normalises json.UnmarshalTypeError.Value ("number 1e999",
// "bool", …) to a JSON type name.
func jsonKindOf(v string) string {
	switch {
	case strings.HasPrefix(v, "number"):
		return "number"
	case v == "bool":
		return "boolean"
	case v == "":
		return "another type"
	}
	return v
}

// kindOf names the JSON type of a raw value.
func kindOf(raw []byte) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// lineCol converts a byte offset in body to a 1-based line and column;
// the column counts UTF-8 characters (an invalid byte counts as one).
func lineCol(body []byte, off int) (line, col int) {
	off = max(0, min(off, len(body)))
	line, col = 1, 1
	for i := 0; i < off; {
		r, size := utf8.DecodeRune(body[i:])
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return line, col
}

// locate returns the byte offset where the value at p starts in body, a
// valid JSON document. Keys match as encoding/json matches struct fields:
// the last exact match, else the last match without regard to case. A
// numeric key also indexes an array. Where p cannot be followed to the
// end, it returns the start of the deepest value it reached.
func locate(body []byte, p path) int {
	off := skipSpace(body, 0)
	for _, seg := range p {
		next, ok := child(body, off, seg)
		if !ok {
			break
		}
		off = next
	}
	return off
}

// child returns the start offset of the member seg of the object or array
// starting at off.
func child(body []byte, off int, seg any) (int, bool) {
	dec := json.NewDecoder(bytes.NewReader(body[off:]))
	tok, err := dec.Token()
	if err != nil {
		return 0, false
	}
	delim, _ := tok.(json.Delim)
	key, isKey := seg.(string)
	idx, isIdx := seg.(int)
	if isKey && delim == '[' {
		n, err := strconv.Atoi(key)
		if err != nil || n < 0 {
			return 0, false
		}
		idx, isIdx, isKey = n, true, false
	}
	switch {
	case isKey && delim == '{':
		exact, folded := -1, -1
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return 0, false
			}
			k, _ := kt.(string)
			start := off + skipSep(body[off:], int(dec.InputOffset()))
			if k == key {
				exact = start
			} else if strings.EqualFold(k, key) {
				folded = start
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return 0, false
			}
		}
		if exact >= 0 {
			return exact, true
		}
		return folded, folded >= 0
	case isIdx && delim == '[':
		for i := 0; dec.More(); i++ {
			if i == idx {
				return off + skipSep(body[off:], int(dec.InputOffset())), true
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return 0, false
			}
		}
	}
	return 0, false
}

// skipSpace returns the offset of the first non-space byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && strings.IndexByte(" \t\r\n", b[i]) >= 0 {
		i++
	}
	return i
}

// skipSep skips white space and the ':' or ',' before a value.
func skipSep(b []byte, i int) int {
	for i < len(b) && strings.IndexByte(" \t\r\n:,", b[i]) >= 0 {
		i++
	}
	return i
}
