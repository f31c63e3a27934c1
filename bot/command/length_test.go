package command

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// vietnamese repeats a realistic Vietnamese sentence to exactly n
// characters (code points), cutting the last copy short.
func vietnamese(n int) string {
	const s = "Đã chặn địa chỉ 10.0.0.5 trên tường lửa, kiểm tra nhật ký máy chủ web-01 và thông báo cho bộ phận ứng cứu. "
	var b strings.Builder
	for k := 0; k < n; {
		for _, r := range s {
			if k == n {
				break
			}
			b.WriteRune(r)
			k++
		}
	}
	return b.String()
}

func TestLengthInCharacters(t *testing.T) {
	v4000 := vietnamese(4000)
	if utf8.RuneCountInString(v4000) != 4000 || len(v4000) <= DefaultMaxLen {
		t.Fatalf("test text: %d characters, %d bytes", utf8.RuneCountInString(v4000), len(v4000))
	}
	e1500 := strings.Repeat("ệ", 1500) // 4,500 bytes
	v5000 := vietnamese(5000)
	ascii := strings.Repeat("x", DefaultMaxLen-len("/note "))
	cases := []struct {
		name string
		in   string
		o    *Options
		want Command
		err  error
	}{
		{"4000 vietnamese characters", "/note " + v4000, nil, Command{Name: Note, Text: strings.TrimSpace(v4000)}, nil},
		{"1500 e with two marks", "/note " + e1500, nil, Command{Name: Note, Text: e1500}, nil},
		{"plain alias 4000 characters", "ghi chú IR-2 " + v4000, nil, Command{Name: Note, Ref: 2, Text: strings.TrimSpace(v4000)}, nil},
		{"exactly the limit", "/note " + ascii, nil, Command{Name: Note, Text: ascii}, nil},
		{"one over the limit", "/note " + ascii + "ệ", nil, Command{}, tooLong(Note, DefaultMaxLen+1, DefaultMaxLen)},
		{"5000 characters", "/note " + v5000, nil, Command{}, tooLong(Note, 5006, DefaultMaxLen)},
		{"5000 characters plain alias", "ghi chú " + v5000, nil, Command{}, tooLong(Note, 5008, DefaultMaxLen)},
		{"5000 characters done", "/done 3 " + v5000, nil, Command{}, tooLong(Done, 5008, DefaultMaxLen)},
		{"5000 characters reply code", "1d2 " + v5000, nil, Command{}, tooLong(Done, 5004, DefaultMaxLen)},
		{"5000 characters declare", "/declare ddos sev1 " + v5000, nil, Command{}, tooLong(Declare, 5019, DefaultMaxLen)},
		{"5000 characters of chat", strings.Repeat("chat ", 1000), nil, Command{}, ErrNotCommand},
		{"5000 characters after a command word", "xong " + v5000, nil, Command{}, ErrNotCommand},
		{"surrounding whitespace not counted", "\n  /note " + ascii + "  \n", nil, Command{Name: Note, Text: ascii}, nil},
		{"zalo limit ok", "/note " + vietnamese(1994), &Options{MaxLen: 2000}, Command{Name: Note, Text: strings.TrimSpace(vietnamese(1994))}, nil},
		{"zalo limit over", "/note " + vietnamese(1995), &Options{MaxLen: 2000}, Command{}, tooLong(Note, 2001, 2000)},
		{"slack limit", "/note " + v5000, &Options{MaxLen: 40000}, Command{Name: Note, Text: strings.TrimSpace(v5000)}, nil},
		{"zero is the default", "/note " + v5000, &Options{MaxLen: 0}, Command{}, tooLong(Note, 5006, DefaultMaxLen)},
		{"negative is the default", "/note " + v4000, &Options{MaxLen: -1}, Command{Name: Note, Text: strings.TrimSpace(v4000)}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			if o == nil {
				o = &Options{BotName: bot}
			}
			checkParseWith(t, tc.in, o, tc.want, tc.err)
		})
	}
}

// TestTooLongIsNotUsage: the engine must not answer an over-long message
// with the usage line, so the error is not a *UsageError.
func TestTooLongIsNotUsage(t *testing.T) {
	_, err := Parse("/note "+vietnamese(5000), bot)
	var te *TooLongError
	if !errors.As(err, &te) || te.N != 5006 || te.Max != 4096 || te.Name != Note {
		t.Fatalf("err = %#v, want *TooLongError{Note, 5006, 4096}", err)
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		t.Fatalf("err = %v is also a *UsageError", err)
	}
	if got, want := err.Error(), "command note: too long: 5006 of 4096 characters"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}

func TestParseWithNil(t *testing.T) {
	a, errA := ParseWith("/note IR-3 web-01 down", nil)
	b, errB := Parse("/note IR-3 web-01 down", "")
	if errA != nil || errB != nil || !reflect.DeepEqual(a, Command{Name: Note, Ref: 3, Text: "web-01 down"}) || !sameResult(a, errA, b, errB) {
		t.Fatalf("ParseWith(nil) = %#v, %v; Parse = %#v, %v", a, errA, b, errB)
	}
}
