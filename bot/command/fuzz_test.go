package command

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
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

		// Determinism: the same input gives the same result.
		c2, err2 := Parse(text, botName)
		if !sameResult(c, err, c2, err2) {
			t.Fatalf("Parse(%q) not deterministic: %#v %v vs %#v %v", text, c, err, c2, err2)
		}

		trimmed := strings.TrimSpace(text)
		// Surrounding whitespace does not matter (within the length limit).
		if padded := " \n" + text + "\t "; len(padded) <= MaxTextLen && utf8.ValidString(text) {
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
		if len(mention) > MaxTextLen {
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
		case errors.Is(err, ErrNotCommand), errors.Is(err, ErrNotForMe):
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
	if len(text) > MaxTextLen {
		t.Fatalf("Parse(%q): accepted %d bytes", text, len(text))
	}
	for _, s := range append([]string{c.Text, c.User, c.Role, c.Playbook}, c.Args...) {
		if !utf8.ValidString(s) {
			t.Fatalf("Parse(%q): invalid UTF-8 in %#v", text, c)
		}
		if s != strings.TrimSpace(s) {
			t.Fatalf("Parse(%q): untrimmed field %q", text, s)
		}
	}
	if utf8.ValidString(text) && c.Text != "" && !c.Code && !strings.Contains(text, c.Text) &&
		c.Name != Help && c.Name != Lang && c.Name != Report && c.Name != Roster {
		t.Fatalf("Parse(%q): Text %q is not part of the input", text, c.Text)
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
