package command

import (
	"strconv"
	"strings"
)

// argLine is a command's argument line split into words, keeping the
// original text so free text can be taken verbatim.
type argLine struct {
	s    string
	toks []token
}

// n is the number of words.
func (l argLine) n() int { return len(l.toks) }

// word returns word i.
func (l argLine) word(i int) string { return l.toks[i].s }

// rest returns the text from word i on, exactly as typed but trimmed.
func (l argLine) rest(i int) string {
	if i >= len(l.toks) {
		return ""
	}
	return strings.TrimSpace(l.s[l.toks[i].start:])
}

// words returns the words from i on as a new slice (nil if none).
func (l argLine) words(i int) []string {
	if i >= len(l.toks) {
		return nil
	}
	out := make([]string, 0, len(l.toks)-i)
	for _, t := range l.toks[i:] {
		out = append(out, t.s)
	}
	return out
}

// anyRef parses word i as a ref in any form, bare numbers included, with
// the incident prefix prefix. ok reports the form; n is 0 when the number
// is out of range.
func (l argLine) anyRef(i int, prefix string) (n int, ok bool) {
	if n, ok := markedRef(l.toks[i].s, prefix); ok {
		return n, true
	}
	return number(l.toks[i].s)
}

// severity parses "sev2", "sev-2", "s2" and, when bare is set, "2".
// like reports that the token is meant as a severity even when its value
// is out of range (sev is then 0); "s9" is never "like", so it can start a
// title.
func severity(t string, bare bool) (sev int, like bool) {
	t = strings.ToLower(strings.TrimRight(t, ".,:;"))
	var digits string
	strong := true
	switch {
	case strings.HasPrefix(t, "sev"):
		digits = strings.TrimPrefix(t[3:], "-")
	case strings.HasPrefix(t, "s"):
		digits, strong = t[1:], false
	case bare:
		digits = t
	default:
		return 0, false
	}
	if _, isNum := number(digits); !isNum {
		return 0, false
	}
	if len(digits) == 1 && digits[0] >= '1' && digits[0] <= '4' {
		return int(digits[0] - '0'), true
	}
	return 0, strong
}

// args parses the argument line a of command name.
func (p *parser) args(name Name, a string) (Command, error) {
	c := Command{Name: name}
	l := argLine{s: a, toks: tokenize(a)}
	n := l.n()
	bad := func(reason string) (Command, error) {
		return Command{}, &UsageError{Name: name, Reason: reason}
	}
	const badRef = "invalid incident number"

	switch name {
	case Declare:
		if n == 0 {
			return bad("playbook missing")
		}
		i := 0
		if sv, _ := severity(l.word(0), false); sv > 0 && n > 1 {
			c.Sev, i = sv, 1 // "declare sev1 ddos title": be lenient
		}
		c.Playbook = strings.ToLower(l.word(i))
		i++
		if c.Sev == 0 && i < n {
			if sv, like := severity(l.word(i), false); like {
				if sv == 0 {
					return bad("severity must be 1-4")
				}
				c.Sev = sv
				i++
			}
		}
		if c.Text = l.rest(i); c.Text == "" {
			return bad("title missing")
		}

	case Incidents:
		if n == 0 {
			break
		}
		if k := foldKey(strings.Join(l.words(0), "")); k != "all" && k != "tatca" {
			return bad("unexpected argument")
		}
		c.Args = []string{"all"}

	case Status, Ack, Steps, Next, Timeline, Verify, Close:
		if (name == Steps || name == Ack) && n > 0 {
			if k := foldKey(l.word(n - 1)); k == "all" || k == "tatca" {
				c.Args = []string{"all"}
				n--
			}
		}
		switch {
		case n > 1:
			return bad("too many arguments")
		case n == 1:
			r, ok := l.anyRef(0, p.prefix)
			if !ok {
				return bad("invalid incident ref")
			}
			if r == 0 {
				return bad(badRef)
			}
			c.Ref = r
		}

	case Note, Resolve, Reopen, Cancel, Escalate:
		i := 0
		if n > 0 {
			r, marked := markedRef(l.word(0), p.prefix)
			if !marked && n == 1 {
				r, marked = number(l.word(0)) // a bare number alone is the ref
			}
			if marked {
				if r == 0 {
					return bad(badRef)
				}
				c.Ref, i = r, 1
			}
		}
		c.Text = l.rest(i)
		if c.Text == "" {
			switch name {
			case Note:
				return bad("text missing")
			case Cancel:
				return bad("reason missing")
			}
		}

	case Done, Skip:
		i := 0
		if n > 0 {
			r, ok := markedRef(l.word(0), p.prefix)
			if !ok && n == 2 {
				if _, next := number(l.word(1)); next {
					// "done 7 3": IR-7 step 3. With words after it the
					// second number is the note's ("done 1 2 máy bị mã
					// hoá" is step 1): an incident in a note is "IR-7".
					r, ok = number(l.word(0))
				}
			}
			if ok {
				if r == 0 {
					return bad(badRef)
				}
				c.Ref, i = r, 1
			}
		}
		if i >= n {
			return bad("step number missing")
		}
		st, isNum := number(l.word(i))
		if !isNum {
			return bad("step number missing")
		}
		if st == 0 {
			return bad("invalid step number")
		}
		c.Step = st
		c.Text = l.rest(i + 1)
		if name == Skip && c.Text == "" {
			return bad("reason missing")
		}

	case Sev:
		i := 0
		if n > 0 {
			r, ok := markedRef(l.word(0), p.prefix)
			if !ok && n > 1 {
				if sv, _ := severity(l.word(1), true); sv > 0 {
					r, ok = number(l.word(0)) // "sev 7 2": IR-7 sev 2
				}
			}
			if ok {
				if r == 0 {
					return bad(badRef)
				}
				c.Ref, i = r, 1
			}
		}
		if i >= n {
			return bad("severity missing")
		}
		sv, _ := severity(l.word(i), true)
		if sv == 0 {
			return bad("severity must be 1-4")
		}
		c.Sev = sv
		c.Text = l.rest(i + 1)

	case Assign:
		i := 0
		if n > 0 {
			if r, ok := l.anyRef(0, p.prefix); ok { // roles are never numbers
				if r == 0 {
					return bad(badRef)
				}
				c.Ref, i = r, 1
			}
		}
		if i >= n {
			return bad("role missing")
		}
		c.Role = strings.ToLower(strings.TrimRight(l.word(i), ",:"))
		if c.User = cleanUser(l.rest(i + 1)); c.User == "" {
			return bad("user missing")
		}

	case Playbooks:
		if n > 0 {
			return bad("too many arguments")
		}

	case Help:
		if n == 0 {
			break
		}
		toks := append([]token(nil), l.toks...)
		toks[0].s = strings.TrimPrefix(toks[0].s, "/")
		if topic, k, ok := resolve(toks); ok && k == n {
			c.Text = string(topic)
		} else {
			c.Text = a
		}

	case Lang:
		if n == 0 {
			return bad("language missing")
		}
		switch foldKey(strings.Join(l.words(0), "")) {
		case "vi", "vn", "tiengviet", "vietnamese":
			c.Text = "vi"
		case "en", "eng", "english", "tienganh":
			c.Text = "en"
		default:
			return bad("unknown language")
		}

	case Link:
		if n == 0 {
			return bad("code missing")
		}
		if n > 1 {
			return bad("too many arguments")
		}
		c.Text = l.word(0)

	case Oncall:
		if n > 1 {
			return bad("too many arguments")
		}
		if n == 1 {
			c.Text = l.word(0)
		}

	case Roster:
		i := 0
		if n > 0 {
			if _, isNum := number(l.word(0)); !isNum {
				c.Text, i = l.word(0), 1
			}
		}
		if i < n {
			d, isNum := number(l.word(i))
			if !isNum || d == 0 {
				return bad("days must be a number")
			}
			c.Args = []string{strconv.Itoa(d)}
			i++
		}
		if i < n {
			return bad("too many arguments")
		}

	case Override:
		switch {
		case n == 0:
			return bad("roster missing")
		case n == 1:
			return bad("user missing")
		case n == 2:
			return bad("duration missing")
		}
		c.Text = l.word(0)
		if c.User = cleanUser(l.word(1)); c.User == "" {
			return bad("user missing")
		}
		c.Args = l.words(2)

	case Handoff:
		if c.User = cleanUser(a); c.User == "" {
			return bad("user missing")
		}

	case Page:
		i := 0
		if n > 1 {
			if r, marked := markedRef(l.word(0), p.prefix); marked {
				if r == 0 {
					return bad(badRef)
				}
				c.Ref, i = r, 1
			}
		}
		if i >= n {
			return bad("user missing")
		}
		if c.User = cleanUser(l.word(i)); c.User == "" {
			return bad("user missing")
		}
		if c.Text = l.rest(i + 1); c.Text == "" {
			return bad("text missing")
		}

	case Report:
		i := 0
		if n > 0 {
			if r, ok := l.anyRef(0, p.prefix); ok {
				if r == 0 {
					return bad(badRef)
				}
				c.Ref, i = r, 1
			}
		}
		if i < n {
			switch f := strings.ToLower(strings.TrimRight(l.word(i), ".,:;")); f {
			case "md", "vi03", "vi04", "json":
				c.Text = f
			default:
				return bad("unknown report format")
			}
			i++
		}
		if i < n {
			return bad("too many arguments")
		}

	case Set:
		i := 0
		if n > 0 {
			if r, ok := l.anyRef(0, p.prefix); ok { // field names are never numbers
				if r == 0 {
					return bad(badRef)
				}
				c.Ref, i = r, 1
			}
		}
		if i >= n {
			return bad("field missing")
		}
		if i+1 >= n {
			return bad("value missing")
		}
		c.Text = l.rest(i)
		c.Args = l.words(i)

	case Stats:
		if n > 0 {
			c.Text = a
			c.Args = l.words(0)
		}

	case Maintenance:
		c.Text = a
		c.Args = l.words(0)

	case Snooze:
		i := 0
		if n > 0 {
			if r, marked := markedRef(l.word(0), p.prefix); marked {
				if r == 0 {
					return bad(badRef)
				}
				c.Ref, i = r, 1
			}
		}
		if i >= n {
			return bad("duration missing")
		}
		c.Args = []string{l.word(i)}
		if c.Text = l.rest(i + 1); c.Text == "" {
			return bad("reason missing")
		}

	case Heartbeats:
		if n > 0 {
			return bad("unexpected argument")
		}
	}
	return c, nil
}
