package command

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	irbot "github.com/irbot/irbot/bot"
)

// FuzzParse checks that Parse never panics and that its results are
// well-formed, deterministic and independent of the addressing form.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"/ack", "/ack@IrBot 12", "/ack@OtherBot 12", "/ir ack IR-7", "ir ack",
		"ack 12", "@IrBot status", "@IrBot: trạng thái #7", "xác nhận 12",
		"xa\u0301c nha\u0302\u0323n 12", "12a", "12 D 3", "7s2", "0a", "12d",
		"/done 7 3 rebooted", "/done IR-7 3", "/skip 3", "/note 3 servers",
		"/note IR-7 COVID-19", "/declare ddos sev2 Web _*[]()~>#+-=|{}.! down",
		"/declare sev1 ddos Tiêu đề", "/sev 7 2 lý do", "/assign 7 ic <@U1|an>",
		"/override noc @a until 18:00", "/page @a gấp", "/report 7 vi03",
		"/set IR-7 title Mới", "/roster noc 7", "/stats 7d", "/maintenance on",
		"/lang Tiếng Việt", "/help /ack", "/start abc", "/akc", "/etc/passwd",
		"Huy ơi", "hello team", "/\xff\xfe", "@IrBot \xc3", "/status 99999999999",
		"/dòng thời gian IR-1", "/su-co tất cả", "",
		"/note web-01 unreachable", "/note server-2 down", "/cancel host-2 was down but fine",
		"/note CVE-2024-3094 x", "/note 192.168.1.1:8080 down", "/note #3 db-prod-3", "/note sc-4 x",
		"1d2 đã kiểm tra các trang con", "1s2 không áp dụng", "12r 3 hosts", "2 e trực", "1e6 rps",
		"/note " + strings.Repeat("ệ", 1500),
		"/declare ddos \uE000/ack IR-9\uE001 tiêu đề", "/no\uE001te 3 \uE000x", "\uE000/ack\uE001",
	}
	for _, s := range seeds {
		f.Add(s, bot)
	}
	f.Add("/ack@x", "")
	f.Add("@IrBot ack", "@irbot")

	valid := map[Name]bool{}
	for _, n := range Names() {
		valid[n] = true
	}
	codeNames := map[Name]bool{Ack: true, Done: true, Skip: true, Next: true, Resolve: true, Escalate: true}

	f.Fuzz(func(t *testing.T, text, botName string) {
		// A hang would otherwise only show as "0 execs/sec"; crash with the
		// input instead so the fuzzer records it.
		hang := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("Parse(%q, %q) hangs", text, botName)) })
		defer hang.Stop()
		c, err := Parse(text, botName)
		checkResult(t, text, c, err, valid, codeNames)
		if got := fmt.Sprintf("%v", c); strings.ContainsFunc(got, irbot.IsMark) {
			t.Fatalf("Parse(%q) kept a mark of the bot's markup: %q", text, got)
		}
		n := utf8.RuneCountInString(strings.TrimSpace(irbot.StripMarks(text)))
		checkLength(t, text, n, DefaultMaxLen, c, err)

		// The default options are spelled out the same way.
		cd, errD := ParseWith(text, &Options{BotName: botName, Prefix: "ir", MaxLen: DefaultMaxLen})
		if !sameResult(c, err, cd, errD) {
			t.Fatalf("Parse(%q) = %#v %v but with explicit defaults %#v %v", text, c, err, cd, errD)
		}

		// Another prefix changes nothing in a message without either prefix.
		if low := strings.ToLower(text); !strings.Contains(low, "ir-") && !strings.Contains(low, "sc-") {
			cs, errS := ParseWith(text, &Options{BotName: botName, Prefix: "SC"})
			if !sameResult(c, err, cs, errS) {
				t.Fatalf("Parse(%q) = %#v %v but with prefix SC %#v %v", text, c, err, cs, errS)
			}
		}

		// A small limit turns a command that is over it into *TooLongError
		// and changes nothing else.
		const small = 16
		cl, errL := ParseWith(text, &Options{BotName: botName, MaxLen: small})
		checkLength(t, text, n, small, cl, errL)
		var ue *UsageError
		var te0 *TooLongError
		switch {
		case errors.As(err, &te0):
			var te *TooLongError
			if !errors.As(errL, &te) || te.Name != te0.Name {
				t.Fatalf("Parse(%q) = %v but with limit %d: %v", text, err, small, errL)
			}
		case n <= small:
			if !sameResult(c, err, cl, errL) {
				t.Fatalf("Parse(%q) = %#v %v but with limit %d %#v %v", text, c, err, small, cl, errL)
			}
		case err == nil:
			var te *TooLongError
			if !errors.As(errL, &te) || te.Name != c.Name {
				t.Fatalf("Parse(%q) = %#v but with limit %d: %v", text, c, small, errL)
			}
		case errors.As(err, &ue):
			var te *TooLongError
			if !sameResult(c, err, cl, errL) && !(errors.As(errL, &te) && te.Name == ue.Name) {
				t.Fatalf("Parse(%q) = %v but with limit %d: %v", text, err, small, errL)
			}
		default:
			if !sameResult(c, err, cl, errL) {
				t.Fatalf("Parse(%q) = %v but with limit %d: %#v %v", text, err, small, cl, errL)
			}
		}

		// Determinism: the same input gives the same result.
		c2, err2 := Parse(text, botName)
		if !sameResult(c, err, c2, err2) {
			t.Fatalf("Parse(%q) not deterministic: %#v %v vs %#v %v", text, c, err, c2, err2)
		}

		trimmed := strings.TrimSpace(text)
		// Surrounding whitespace does not matter, not even for the limit.
		if padded := " \n" + text + "\t "; utf8.ValidString(text) {
			c3, err3 := Parse(padded, botName)
			if !sameResult(c, err, c3, err3) {
				t.Fatalf("Parse(%q) = %#v %v but padded gives %#v %v", text, c, err, c3, err3)
			}
		}

		// Round trip for slash forms: "/x ..." succeeds again, and the
		// mention form "@IrBot x ..." means the same thing.
		if err != nil || !strings.HasPrefix(trimmed, "/") {
			return
		}
		first, _ := firstWord(trimmed)
		if strings.Contains(first, "@") || !utf8.ValidString(text) || botName != bot {
			return
		}
		mention := "@IrBot " + trimmed[1:]
		if utf8.RuneCountInString(mention) > DefaultMaxLen {
			return
		}
		c4, err4 := Parse(mention, bot)
		if !sameResult(c, err, c4, err4) {
			t.Fatalf("Parse(%q) = %#v but Parse(%q) = %#v %v", text, c, mention, c4, err4)
		}
	})
}

func checkResult(t *testing.T, text string, c Command, err error, valid, codeNames map[Name]bool) {
	t.Helper()
	if err != nil {
		if !reflect.DeepEqual(c, Command{}) {
			t.Fatalf("Parse(%q) returned %#v with error %v", text, c, err)
		}
		var ue *UsageError
		var unk *UnknownError
		switch {
		case errors.Is(err, ErrNotCommand), errors.Is(err, ErrNotForMe), errors.As(err, new(*TooLongError)):
		case errors.As(err, &ue):
			if !valid[ue.Name] || ue.Reason == "" {
				t.Fatalf("Parse(%q): bad UsageError %#v", text, ue)
			}
		case errors.As(err, &unk):
			if !utf8.ValidString(unk.Word) || unk.Word == "" {
				t.Fatalf("Parse(%q): bad UnknownError %#v", text, unk)
			}
			if unk.Suggest != "" {
				if _, sErr := Parse("/"+unk.Suggest, bot); sErr != nil {
					var u2 *UsageError
					if !errors.As(sErr, &u2) {
						t.Fatalf("Parse(%q): suggestion %q is not a command: %v", text, unk.Suggest, sErr)
					}
				}
			}
		default:
			t.Fatalf("Parse(%q): unexpected error type %T: %v", text, err, err)
		}
		return
	}
	if !valid[c.Name] {
		t.Fatalf("Parse(%q): Name %q not in Names()", text, c.Name)
	}
	if c.Ref < 0 || c.Step < 0 || c.Sev < 0 || c.Sev > 4 {
		t.Fatalf("Parse(%q): out of range %#v", text, c)
	}
	if c.Step != 0 && c.Name != Done && c.Name != Skip {
		t.Fatalf("Parse(%q): Step on %s", text, c.Name)
	}
	if c.Sev != 0 && c.Name != Declare && c.Name != Sev {
		t.Fatalf("Parse(%q): Sev on %s", text, c.Name)
	}
	if c.Code && !codeNames[c.Name] {
		t.Fatalf("Parse(%q): Code on %s", text, c.Name)
	}
	for _, s := range append([]string{c.Text, c.User, c.Role, c.Playbook}, c.Args...) {
		if !utf8.ValidString(s) {
			t.Fatalf("Parse(%q): invalid UTF-8 in %#v", text, c)
		}
		if s != strings.TrimSpace(s) {
			t.Fatalf("Parse(%q): untrimmed field %q", text, s)
		}
	}
	if utf8.ValidString(text) && c.Text != "" && !strings.Contains(irbot.StripMarks(text), c.Text) &&
		c.Name != Help && c.Name != Lang && c.Name != Report && c.Name != Roster {
		t.Fatalf("Parse(%q): Text %q is not part of the input", text, c.Text)
	}
}

// checkLength checks the limit: a message of n characters is accepted only
// within max, and *TooLongError reports n and max for a known command.
func checkLength(t *testing.T, text string, n, max int, c Command, err error) {
	t.Helper()
	var te *TooLongError
	switch {
	case err == nil && n > max:
		t.Fatalf("Parse(%q): accepted %d characters over the limit %d", text, n, max)
	case errors.As(err, &te):
		if te.N != n || te.Max != max || te.N <= te.Max || Usage(te.Name) == "" {
			t.Fatalf("Parse(%q): %#v for %d characters, limit %d", text, te, n, max)
		}
	}
}

func sameResult(c1 Command, e1 error, c2 Command, e2 error) bool {
	if !reflect.DeepEqual(c1, c2) {
		return false
	}
	if (e1 == nil) != (e2 == nil) {
		return false
	}
	return e1 == nil || e1.Error() == e2.Error()
}

// refOracle tells, independently of markedRef and number, how word reads as
// an incident ref for prefix (ASCII letters): marked is the "IR-7", "#7"
// or "#IR-7" form, bare a plain number; n is the value, 0 when out of range.
func refOracle(word, prefix string) (n int, marked, bare bool) {
	var ci strings.Builder
	for _, r := range prefix {
		ci.WriteString("[" + string(unicode.ToUpper(r)) + string(unicode.ToLower(r)) + "]")
	}
	m := regexp.MustCompile(`^(?:#?` + ci.String() + `-|#)([0-9]+)[:,]*$`).FindStringSubmatch(word)
	if m == nil {
		m = regexp.MustCompile(`^([0-9]+)[.,:;]*$`).FindStringSubmatch(word)
		if m == nil {
			return 0, false, false
		}
		bare = true
	}
	digits := strings.TrimLeft(m[1], "0")
	if digits == "" || len(digits) > 9 {
		return 0, !bare, bare
	}
	n, _ = strconv.Atoi(digits)
	return n, !bare, bare
}

// FuzzFreeText checks the free-text commands against an independent
// reading of the grammar: "/note <word> <rest>" names an incident only when
// word is "<prefix>-n", "#n" or "#<prefix>-n" (or a bare number with no
// text after it); otherwise word and rest are the text, verbatim.
func FuzzFreeText(f *testing.F) {
	for _, s := range [][3]string{
		{"IR", "web-01", "unreachable"}, {"IR", "server-2", "down"}, {"IR", "host-2", "was down but fine"},
		{"IR", "IR-3", "web-01 unreachable"}, {"IR", "ir-3", "x"}, {"IR", "#3", "x"}, {"IR", "#IR-3:", "x"},
		{"SC", "SC-4", "x"}, {"SC", "IR-4", "x"}, {"IR", "CVE-2024-3094", "patched"}, {"IR", "10.0.0.5", "blocked"},
		{"IR", "192.168.1.1:8080", ""}, {"IR", "v2.3.1", "rolled back"}, {"IR", "01/12/2026", "window"},
		{"IR", "2026-12-01", "window"}, {"IR", "7", ""}, {"IR", "3", "servers down"}, {"IR", "IR-0", "x"},
		{"IR", "IR-0000000001", "x"}, {"IR", "IR-1234567890", "x"}, {"IR", "đã", "chặn IP"}, {"ir", "Ir-5,", "ok"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	names := []Name{Note, Cancel, Resolve, Reopen, Escalate}
	f.Fuzz(func(t *testing.T, prefix, word, rest string) {
		if len(prefix) == 0 || len(prefix) > 8 || word == "" || !utf8.ValidString(word) || !utf8.ValidString(rest) ||
			strings.IndexFunc(word, unicode.IsSpace) >= 0 {
			return
		}
		for i := 0; i < len(prefix); i++ {
			if c := prefix[i] | 0x20; c < 'a' || c > 'z' {
				return
			}
		}
		n, marked, bare := refOracle(word, prefix)
		restT := strings.TrimSpace(rest)
		for _, name := range names {
			in := "/" + string(name) + " " + word + " " + rest
			got, err := ParseWith(in, &Options{Prefix: prefix})
			var want Command
			var wantErr error
			switch {
			case marked || (bare && restT == ""):
				want = Command{Name: name, Ref: n, Text: restT}
				if n == 0 {
					wantErr = &UsageError{Name: name, Reason: "invalid incident number"}
				}
			default:
				want = Command{Name: name, Text: strings.TrimSpace(word + " " + rest)}
			}
			if wantErr == nil && want.Text == "" && (name == Note || name == Cancel) {
				reason := "text missing"
				if name == Cancel {
					reason = "reason missing"
				}
				wantErr = &UsageError{Name: name, Reason: reason}
			}
			if l := utf8.RuneCountInString(strings.TrimSpace(in)); l > DefaultMaxLen {
				wantErr = &TooLongError{Name: name, N: l, Max: DefaultMaxLen}
			}
			if wantErr != nil {
				want = Command{}
			}
			if !sameResult(got, err, want, wantErr) {
				t.Fatalf("ParseWith(%q, prefix %q)\n got  %#v %v\n want %#v %v", in, prefix, got, err, want, wantErr)
			}
		}
	})
}

// FuzzReplyCode builds reply codes with and without a note and checks the
// result against the documented grammar: "<n><a|n|r|e>" or "<n><d|s><k>",
// then optionally whitespace and a note for d, s, r and e.
func FuzzReplyCode(f *testing.F) {
	f.Add("1", byte('d'), "2", byte(1), "đã kiểm tra các trang con")
	f.Add("1", byte('s'), "2", byte(1), "không áp dụng")
	f.Add("12", byte('r'), "", byte(2), "3 hosts patched")
	f.Add("12", byte('e'), "", byte(1), "cần DBA")
	f.Add("12", byte('a'), "", byte(1), "please")
	f.Add("12", byte('N'), "", byte(0), "")
	f.Add("0", byte('d'), "1", byte(1), "x")
	f.Add("1", byte('d'), "0", byte(0), "")
	f.Add("1", byte('e'), "", byte(0), "6 rps")
	f.Add("12345678901", byte('r'), "", byte(3), "x")
	seps := []string{"", " ", "\n", "\t ", "\u00a0", "  \n  "}
	f.Fuzz(func(t *testing.T, ref string, letter byte, step string, sepKind byte, note string) {
		if ref == "" || len(ref) > 12 || len(step) > 12 || !utf8.ValidString(note) {
			return
		}
		for _, s := range []string{ref, step} {
			for i := 0; i < len(s); i++ {
				if s[i] < '0' || s[i] > '9' {
					return
				}
			}
		}
		if letter <= ' ' || (letter >= '0' && letter <= '9') {
			return // would run into the number or space the code out
		}
		sep := seps[int(sepKind)%len(seps)]
		tail := sep + note
		name := map[byte]Name{'a': Ack, 'n': Next, 'r': Resolve, 'e': Escalate, 'd': Done, 's': Skip}[letter|0x20]
		if letter >= 0x80 {
			name = ""
		}
		needsStep := name == Done || name == Skip
		if t := strings.TrimLeftFunc(tail, unicode.IsSpace); t != "" && t[0] >= '0' && t[0] <= '9' &&
			((step != "" && t == tail) || (needsStep && step == "")) {
			return // would run into the step number, or be it
		}
		in := ref + string([]byte{letter}) + step + tail
		got, err := Parse(in, bot)
		noteT := strings.TrimSpace(tail)
		separated := tail == "" || strings.TrimLeftFunc(tail, unicode.IsSpace) != tail
		isCode := name != "" && needsStep == (step != "") && separated &&
			(noteT == "" || (name != Ack && name != Next))
		if !isCode {
			// No command word starts with a digit, so this is chat.
			if !errors.Is(err, ErrNotCommand) {
				t.Fatalf("Parse(%q) = %#v %v, want ErrNotCommand", in, got, err)
			}
			return
		}
		num := func(s string) int {
			s = strings.TrimLeft(s, "0")
			if s == "" || len(s) > 9 {
				return 0
			}
			v, _ := strconv.Atoi(s)
			return v
		}
		want := Command{Name: name, Ref: num(ref), Text: noteT, Code: true}
		var wantErr error
		if needsStep {
			want.Step = num(step)
		}
		switch l := utf8.RuneCountInString(strings.TrimSpace(in)); {
		case want.Ref == 0:
			wantErr = &UsageError{Name: name, Reason: "invalid incident number"}
		case needsStep && want.Step == 0:
			wantErr = &UsageError{Name: name, Reason: "invalid step number"}
		case l > DefaultMaxLen:
			wantErr = &TooLongError{Name: name, N: l, Max: DefaultMaxLen}
		}
		if wantErr != nil {
			want = Command{}
		}
		if !sameResult(got, err, want, wantErr) {
			t.Fatalf("Parse(%q)\n got  %#v %v\n want %#v %v", in, got, err, want, wantErr)
		}
	})
}
