package command

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	irbot "github.com/irbot/irbot/bot"
)

const bot = "IrBot"

type parseCase struct {
	name string
	in   string
	want Command
	err  error // nil, ErrNotCommand, ErrNotForMe, *UsageError, *UnknownError or *TooLongError
}

func usage(n Name, reason string) error  { return &UsageError{Name: n, Reason: reason} }
func unknown(w, s string) error          { return &UnknownError{Word: w, Suggest: s} }
func tooLong(n Name, got, max int) error { return &TooLongError{Name: n, N: got, Max: max} }

// checkParse compares the whole Command and the error with the expectation.
func checkParse(t *testing.T, in, botName string, want Command, wantErr error) {
	t.Helper()
	checkParseWith(t, in, &Options{BotName: botName}, want, wantErr)
}

// checkParseWith is checkParse with options for ParseWith.
func checkParseWith(t *testing.T, in string, o *Options, want Command, wantErr error) {
	t.Helper()
	got, err := ParseWith(in, o)
	show := in
	if len(show) > 80 {
		show = fmt.Sprintf("%s…(%d bytes)", clip(show, 60), len(show))
	}
	switch w := wantErr.(type) {
	case nil:
		if err != nil {
			t.Fatalf("Parse(%q) error = %v, want nil", show, err)
		}
	case *UsageError:
		var ue *UsageError
		if !errors.As(err, &ue) || *ue != *w {
			t.Fatalf("Parse(%q) error = %#v (%v), want %#v", show, err, err, w)
		}
	case *UnknownError:
		var ue *UnknownError
		if !errors.As(err, &ue) || *ue != *w {
			t.Fatalf("Parse(%q) error = %#v (%v), want %#v", show, err, err, w)
		}
	case *TooLongError:
		var te *TooLongError
		if !errors.As(err, &te) || *te != *w {
			t.Fatalf("Parse(%q) error = %#v (%v), want %#v", show, err, err, w)
		}
	default:
		if !errors.Is(err, wantErr) {
			t.Fatalf("Parse(%q) error = %v, want %v", show, err, wantErr)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Parse(%q)\n got  %#v\n want %#v", show, got, want)
	}
}

func runCases(t *testing.T, cases []parseCase) {
	t.Helper()
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) { checkParse(t, tc.in, bot, tc.want, tc.err) })
	}
}

func TestParseAddressing(t *testing.T) {
	runCases(t, []parseCase{
		{"slash", "/ack", Command{Name: Ack}, nil},
		{"slash ref", "/ack 12", Command{Name: Ack, Ref: 12}, nil},
		{"slash bot suffix", "/ack@IrBot 12", Command{Name: Ack, Ref: 12}, nil},
		{"slash bot suffix other case", "/ACK@irbot IR-12", Command{Name: Ack, Ref: 12}, nil},
		{"slash bot suffix no args", "/status@IrBot", Command{Name: Status}, nil},
		{"slash other bot", "/ack@OtherBot 12", Command{}, ErrNotForMe},
		{"slash other bot unknown word", "/foo@OtherBot", Command{}, ErrNotForMe},
		{"ir prefix", "/ir ack 12", Command{Name: Ack, Ref: 12}, nil},
		{"ir prefix with suffix", "/ir@IrBot status 3", Command{Name: Status, Ref: 3}, nil},
		{"ir prefix other bot", "/ir@OtherBot status", Command{}, ErrNotForMe},
		{"ir prefix alone is help", "/ir", Command{Name: Help}, nil},
		{"ir prefix reply code", "/ir 12a", Command{Name: Ack, Ref: 12, Code: true}, nil},
		{"ir prefix upper case", "/IR ACK", Command{Name: Ack}, nil},
		{"plain ir prefix", "ir ack", Command{Name: Ack}, nil},
		{"plain ir prefix ref", "IR status #4", Command{Name: Status, Ref: 4}, nil},
		{"plain ir prefix unknown", "ir team is on it", Command{}, ErrNotCommand},
		{"plain ir alone", "ir", Command{}, ErrNotCommand},
		{"plain ir ir", "ir IR", Command{}, ErrNotCommand},
		{"slash ir ir", "/ir ir", Command{Name: Help}, nil},
		{"plain ir usage error", "ir done", Command{}, usage(Done, "step number missing")},
		{"plain ir usage error with words", "ir done later", Command{}, usage(Done, "step number missing")},
		{"plain", "ack 12", Command{Name: Ack, Ref: 12}, nil},
		{"plain upper case", "ACK 12", Command{Name: Ack, Ref: 12}, nil},
		{"plain capitalized by phone", "Ack.", Command{Name: Ack}, nil},
		{"mention", "@IrBot status", Command{Name: Status}, nil},
		{"mention lower case", "@irbot status IR-9", Command{Name: Status, Ref: 9}, nil},
		{"mention colon", "@IrBot: ack 5", Command{Name: Ack, Ref: 5}, nil},
		{"mention comma", "@IrBot, ack 5", Command{Name: Ack, Ref: 5}, nil},
		{"mention slash", "@IrBot /ack 5", Command{Name: Ack, Ref: 5}, nil},
		{"mention ir", "@IrBot ir ack 5", Command{Name: Ack, Ref: 5}, nil},
		{"mention alone is help", "@IrBot", Command{Name: Help}, nil},
		{"mention reply code", "@IrBot 5r", Command{Name: Resolve, Ref: 5, Code: true}, nil},
		{"mention other user", "@alice status please", Command{}, ErrNotCommand},
		{"mention unknown", "@IrBot what is up", Command{}, unknown("what", "")},
		{"whitespace around", " \t\n /ack 12 \n\t ", Command{Name: Ack, Ref: 12}, nil},
		{"whitespace nbsp", "\u00a0ack\u00a012\u00a0", Command{Name: Ack, Ref: 12}, nil},
		{"newline separates args", "/ack\n12", Command{Name: Ack, Ref: 12}, nil},
		{"trailing punctuation on slash word", "/ack! 12", Command{Name: Ack, Ref: 12}, nil},
		{"telegram start", "/start", Command{Name: Help}, nil},
		{"telegram start deep link", "/start@IrBot AbC-123", Command{Name: Link, Text: "AbC-123"}, nil},
		{"plain start is chat", "start the server", Command{}, ErrNotCommand},
	})
}

func TestParseNotCommand(t *testing.T) {
	runCases(t, []parseCase{
		{"empty", "", Command{}, ErrNotCommand},
		{"spaces", "  \n\t ", Command{}, ErrNotCommand},
		{"hello team", "hello team", Command{}, ErrNotCommand},
		{"ok", "ok", Command{}, ErrNotCommand},
		{"number alone", "12", Command{}, ErrNotCommand},
		{"ref alone", "IR-12", Command{}, ErrNotCommand},
		{"vietnamese chat", "Mọi người ơi, hệ thống ổn rồi", Command{}, ErrNotCommand},
		{"plain done with chatter", "xong rồi", Command{}, ErrNotCommand},
		{"plain done english chatter", "done with lunch", Command{}, ErrNotCommand},
		{"plain status chatter", "status is green", Command{}, ErrNotCommand},
		{"plain next chatter", "next time we should test", Command{}, ErrNotCommand},
		{"plain report chatter", "report is ready", Command{}, ErrNotCommand},
		{"plain close chatter", "Đông check giúp", Command{}, ErrNotCommand},
		{"name vocative oi", "Huy ơi check giúp em", Command{}, ErrNotCommand},
		{"name vocative unaccented", "huy oi xem log", Command{}, ErrNotCommand},
		{"name vocative comma", "Huy, xem log đi", Command{}, ErrNotCommand},
		{"multi-word alias with comma is a command", "xác nhận, 12", Command{Name: Ack, Ref: 12}, nil},
		{"vocative only in plain form", "/huy ơi nhầm", Command{Name: Cancel, Text: "ơi nhầm"}, nil},
		{"slash alone", "/", Command{}, ErrNotCommand},
		{"slash space", "/ ack", Command{}, ErrNotCommand},
		{"slash path", "/etc/passwd is world readable", Command{}, ErrNotCommand},
		{"slash shrug", `/¯\_(ツ)_/¯`, Command{}, ErrNotCommand},
		{"slash at only", "/@IrBot", Command{}, ErrNotCommand},
		{"at alone", "@", Command{}, ErrNotCommand},
		{"code without step", "12d", Command{}, ErrNotCommand},
		{"code with extra", "12a please", Command{}, ErrNotCommand},
		{"code unknown letter", "12x", Command{}, ErrNotCommand},
		{"code letter then number for ack", "12a3", Command{}, ErrNotCommand},
		{"duration chatter", "3s", Command{}, ErrNotCommand},
		{"too long plain chatter", "next " + strings.Repeat("x ", DefaultMaxLen), Command{}, ErrNotCommand},
		{"too long other chat", strings.Repeat("chat ", 1000), Command{}, ErrNotCommand},
	})
}

func TestParseUnknown(t *testing.T) {
	runCases(t, []parseCase{
		{"transposition", "/akc", Command{}, unknown("akc", "ack")},
		{"transposition with suffix", "/akc@IrBot 12", Command{}, unknown("akc", "ack")},
		{"missing letter", "/stauts", Command{}, unknown("stauts", "status")},
		{"typo long", "/reslove IR-1", Command{}, unknown("reslove", "resolve")},
		{"typo escalate", "/escalte", Command{}, unknown("escalte", "escalate")},
		{"alias typo", "/xacnhn 3", Command{}, unknown("xacnhn", "xacnhan")},
		{"alias typo accented", "/xácnhn 3", Command{}, unknown("xácnhn", "xacnhan")},
		{"no suggestion", "/foo", Command{}, unknown("foo", "")},
		{"ir prefix unknown", "/ir foo", Command{}, unknown("foo", "")},
		{"ir prefix typo", "/ir hlep", Command{}, unknown("hlep", "help")},
		{"mention typo", "@IrBot stats7", Command{}, unknown("stats7", "stats")},
		{"case kept in word", "/FOO", Command{}, unknown("FOO", "")},
		{"number after slash", "/12", Command{}, unknown("12", "")},
	})
}

func TestParseRefs(t *testing.T) {
	runCases(t, []parseCase{
		{"IR-7", "/status IR-7", Command{Name: Status, Ref: 7}, nil},
		{"ir-7", "/status ir-7", Command{Name: Status, Ref: 7}, nil},
		{"bare 7", "/status 7", Command{Name: Status, Ref: 7}, nil},
		{"hash 7", "/status #7", Command{Name: Status, Ref: 7}, nil},
		{"INC-7 is not the prefix", "/status INC-7", Command{}, usage(Status, "invalid incident ref")},
		{"IR-7 upper and lower", "/status iR-7", Command{Name: Status, Ref: 7}, nil},
		{"hash IR-7", "/status #IR-7", Command{Name: Status, Ref: 7}, nil},
		{"leading zeros", "/status IR-007", Command{Name: Status, Ref: 7}, nil},
		{"trailing colon", "/status IR-7:", Command{Name: Status, Ref: 7}, nil},
		{"nine digits", "/status 999999999", Command{Name: Status, Ref: 999999999}, nil},
		{"ten digits", "/status 1000000000", Command{}, usage(Status, "invalid incident number")},
		{"zero", "/status 0", Command{}, usage(Status, "invalid incident number")},
		{"IR-0", "/status IR-0", Command{}, usage(Status, "invalid incident number")},
		{"not a ref", "/status foo", Command{}, usage(Status, "invalid incident ref")},
		{"letters without number", "/status IR-", Command{}, usage(Status, "invalid incident ref")},
		{"hyphen only", "/status -7", Command{}, usage(Status, "invalid incident ref")},
		{"digits prefix", "/status 1-7", Command{}, usage(Status, "invalid incident ref")},
		{"too many", "/status 7 8", Command{}, usage(Status, "too many arguments")},
	})
}

func TestParseCommands(t *testing.T) {
	title := "Web *gov.vn* _down_ [edge] (HN) ~x~ > #1 + - = | {a} . ! Sự cố DDoS cổng thông tin điện tử"
	runCases(t, []parseCase{
		// declare
		{"declare", "/declare ddos Cổng thông tin bị tấn công", Command{Name: Declare, Playbook: "ddos", Text: "Cổng thông tin bị tấn công"}, nil},
		{"declare sev", "/declare ddos sev2 Portal down", Command{Name: Declare, Playbook: "ddos", Sev: 2, Text: "Portal down"}, nil},
		{"declare s1", "/declare DDoS S1 Portal down", Command{Name: Declare, Playbook: "ddos", Sev: 1, Text: "Portal down"}, nil},
		{"declare sev-4", "/declare ddos sev-4 x", Command{Name: Declare, Playbook: "ddos", Sev: 4, Text: "x"}, nil},
		{"declare sev first", "/declare sev1 ddos Portal down", Command{Name: Declare, Playbook: "ddos", Sev: 1, Text: "Portal down"}, nil},
		{"declare punctuation", "/declare web sev3 " + title, Command{Name: Declare, Playbook: "web", Sev: 3, Text: title}, nil},
		{"declare punctuation no sev", "/declare web " + title, Command{Name: Declare, Playbook: "web", Text: title}, nil},
		{"declare internal whitespace kept", "/declare web a  b\n\tc  ", Command{Name: Declare, Playbook: "web", Text: "a  b\n\tc"}, nil},
		{"declare title starts with digit", "/declare web 2 servers down", Command{Name: Declare, Playbook: "web", Text: "2 servers down"}, nil},
		{"declare s9 is title", "/declare web s9 router", Command{Name: Declare, Playbook: "web", Text: "s9 router"}, nil},
		{"declare sev5", "/declare web sev5 x", Command{}, usage(Declare, "severity must be 1-4")},
		{"declare missing all", "/declare", Command{}, usage(Declare, "playbook missing")},
		{"declare missing title", "/declare ddos", Command{}, usage(Declare, "title missing")},
		{"declare missing title after sev", "/declare ddos sev1", Command{}, usage(Declare, "title missing")},
		{"declare sev only", "/declare sev1", Command{}, usage(Declare, "title missing")},
		{"declare alias", "khai báo ddos sev1 Tấn công", Command{Name: Declare, Playbook: "ddos", Sev: 1, Text: "Tấn công"}, nil},
		// incidents
		{"incidents", "/incidents", Command{Name: Incidents}, nil},
		{"incidents all", "/incidents ALL", Command{Name: Incidents, Args: []string{"all"}}, nil},
		{"incidents tat ca", "/sự-cố tất cả", Command{Name: Incidents, Args: []string{"all"}}, nil},
		{"incidents bad", "/incidents open", Command{}, usage(Incidents, "unexpected argument")},
		// ref-only commands
		{"status", "/status", Command{Name: Status}, nil},
		{"ack ref", "/ack IR-3", Command{Name: Ack, Ref: 3}, nil},
		{"steps", "/steps 3", Command{Name: Steps, Ref: 3}, nil},
		{"steps all", "/steps all", Command{Name: Steps, Args: []string{"all"}}, nil},
		{"steps ref all", "/steps IR-3 all", Command{Name: Steps, Ref: 3, Args: []string{"all"}}, nil},
		{"next", "/next #3", Command{Name: Next, Ref: 3}, nil},
		{"timeline", "/timeline", Command{Name: Timeline}, nil},
		{"verify", "/verify IR-3", Command{Name: Verify, Ref: 3}, nil},
		{"close", "/close 3", Command{Name: Close, Ref: 3}, nil},
		{"close too many", "/close 3 now", Command{}, usage(Close, "too many arguments")},
		// escalate
		{"escalate", "/escalate", Command{Name: Escalate}, nil},
		{"escalate ref", "/escalate 7", Command{Name: Escalate, Ref: 7}, nil},
		{"escalate ref reason", "/escalate IR-7 cần DBA", Command{Name: Escalate, Ref: 7, Text: "cần DBA"}, nil},
		{"escalate number text", "/escalate 2 hosts still down", Command{Name: Escalate, Text: "2 hosts still down"}, nil},
		// done / skip
		{"done step", "/done 3", Command{Name: Done, Step: 3}, nil},
		{"done step note", "/done 3 rebooted edge-1", Command{Name: Done, Step: 3, Text: "rebooted edge-1"}, nil},
		{"done ref step", "/done 7 3", Command{Name: Done, Ref: 7, Step: 3}, nil},
		{"done ref step note", "/done IR-7 3 đã khởi động lại", Command{Name: Done, Ref: 7, Step: 3, Text: "đã khởi động lại"}, nil},
		{"done bare ref step", "/done 7 3", Command{Name: Done, Ref: 7, Step: 3}, nil},
		{"done note starting with a number", "/done 1 2 máy bị mã hoá", Command{Name: Done, Step: 1, Text: "2 máy bị mã hoá"}, nil},
		{"done IR ref step", "/done IR-7 3", Command{Name: Done, Ref: 7, Step: 3}, nil},
		{"done hash ref step", "/done #7 3 ok", Command{Name: Done, Ref: 7, Step: 3, Text: "ok"}, nil},
		{"done step with period", "/done 3.", Command{Name: Done, Step: 3}, nil},
		{"done missing", "/done", Command{}, usage(Done, "step number missing")},
		{"done IR ref only", "/done IR-7", Command{}, usage(Done, "step number missing")},
		{"done not a number", "/done foo", Command{}, usage(Done, "step number missing")},
		{"done step zero", "/done 0", Command{}, usage(Done, "invalid step number")},
		{"done ref zero", "/done 0 3", Command{}, usage(Done, "invalid incident number")},
		{"skip", "/skip 2 không áp dụng", Command{Name: Skip, Step: 2, Text: "không áp dụng"}, nil},
		{"skip ref", "/skip #7 2 n/a", Command{Name: Skip, Ref: 7, Step: 2, Text: "n/a"}, nil},
		{"skip reason starting with a number", "/skip 7 2 máy đã tắt", Command{Name: Skip, Step: 7, Text: "2 máy đã tắt"}, nil},
		{"skip IR ref", "/skip IR-7 2 n/a", Command{Name: Skip, Ref: 7, Step: 2, Text: "n/a"}, nil},
		{"skip no reason", "/skip 2", Command{}, usage(Skip, "reason missing")},
		{"skip ref no reason", "/skip 7 2", Command{}, usage(Skip, "reason missing")},
		// note
		{"note", "/note Đã chặn IP 1.2.3.4", Command{Name: Note, Text: "Đã chặn IP 1.2.3.4"}, nil},
		{"note IR ref", "/note IR-7 chặn IP", Command{Name: Note, Ref: 7, Text: "chặn IP"}, nil},
		{"note number is text", "/note 3 servers down", Command{Name: Note, Text: "3 servers down"}, nil},
		{"note IR ref then number", "/note IR-7 3 servers", Command{Name: Note, Ref: 7, Text: "3 servers"}, nil},
		{"note number alone is ref", "/note 7", Command{}, usage(Note, "text missing")},
		{"note missing", "/note", Command{}, usage(Note, "text missing")},
		{"note markdown", "/note *bold* _it_ `code` [l](u)", Command{Name: Note, Text: "*bold* _it_ `code` [l](u)"}, nil},
		{"note multiline", "/note IR-1 line one\nline two", Command{Name: Note, Ref: 1, Text: "line one\nline two"}, nil},
		// sev
		{"sev", "/sev 2", Command{Name: Sev, Sev: 2}, nil},
		{"sev word", "/sev sev1", Command{Name: Sev, Sev: 1}, nil},
		{"sev reason", "/sev 2 db slow", Command{Name: Sev, Sev: 2, Text: "db slow"}, nil},
		{"sev ref", "/sev 7 2", Command{Name: Sev, Ref: 7, Sev: 2}, nil},
		{"sev ref word reason", "/sev 7 SEV3 lan rộng", Command{Name: Sev, Ref: 7, Sev: 3, Text: "lan rộng"}, nil},
		{"sev IR ref", "/sev IR-7 4", Command{Name: Sev, Ref: 7, Sev: 4}, nil},
		{"sev missing", "/sev", Command{}, usage(Sev, "severity missing")},
		{"sev IR ref only", "/sev IR-7", Command{}, usage(Sev, "severity missing")},
		{"sev out of range", "/sev 5", Command{}, usage(Sev, "severity must be 1-4")},
		{"sev bad word", "/sev high", Command{}, usage(Sev, "severity must be 1-4")},
		// assign
		{"assign", "/assign IC @bob", Command{Name: Assign, Role: "ic", User: "bob"}, nil},
		{"assign ref", "/assign 7 comms @an", Command{Name: Assign, Ref: 7, Role: "comms", User: "an"}, nil},
		{"assign IR ref", "/assign IR-7 comms an", Command{Name: Assign, Ref: 7, Role: "comms", User: "an"}, nil},
		{"assign display name", "/assign ic Nguyễn Văn An", Command{Name: Assign, Role: "ic", User: "Nguyễn Văn An"}, nil},
		{"assign slack mention", "/assign ic <@U123|bob>", Command{Name: Assign, Role: "ic", User: "U123"}, nil},
		{"assign missing", "/assign", Command{}, usage(Assign, "role missing")},
		{"assign ref only", "/assign 7", Command{}, usage(Assign, "role missing")},
		{"assign missing user", "/assign ic", Command{}, usage(Assign, "user missing")},
		{"assign ref missing user", "/assign 7 ic", Command{}, usage(Assign, "user missing")},
		{"assign bare at", "/assign ic @", Command{}, usage(Assign, "user missing")},
		// resolve / reopen / cancel
		{"resolve", "/resolve", Command{Name: Resolve}, nil},
		{"resolve ref", "/resolve 7", Command{Name: Resolve, Ref: 7}, nil},
		{"resolve summary", "/resolve Đã khắc phục.", Command{Name: Resolve, Text: "Đã khắc phục."}, nil},
		{"resolve number summary", "/resolve 2 hosts patched", Command{Name: Resolve, Text: "2 hosts patched"}, nil},
		{"resolve IR summary", "/resolve IR-7 patched", Command{Name: Resolve, Ref: 7, Text: "patched"}, nil},
		{"reopen", "/reopen IR-7 tái diễn", Command{Name: Reopen, Ref: 7, Text: "tái diễn"}, nil},
		{"reopen bare", "/reopen", Command{Name: Reopen}, nil},
		{"cancel", "/cancel báo động giả", Command{Name: Cancel, Text: "báo động giả"}, nil},
		{"cancel other prefix is text", "/cancel INC-7 false alarm", Command{Name: Cancel, Text: "INC-7 false alarm"}, nil},
		{"cancel ref", "/cancel IR-7 false alarm", Command{Name: Cancel, Ref: 7, Text: "false alarm"}, nil},
		{"cancel missing", "/cancel", Command{}, usage(Cancel, "reason missing")},
		{"cancel ref only", "/cancel 7", Command{}, usage(Cancel, "reason missing")},
		{"cancel IR zero", "/cancel IR-0 x", Command{}, usage(Cancel, "invalid incident number")},
		// playbooks / help / lang / link
		{"playbooks", "/playbooks", Command{Name: Playbooks}, nil},
		{"playbooks extra", "/playbooks ddos", Command{}, usage(Playbooks, "too many arguments")},
		{"help", "/help", Command{Name: Help}, nil},
		{"help command topic", "/help Done", Command{Name: Help, Text: "done"}, nil},
		{"help slash topic", "/help /ack", Command{Name: Help, Text: "ack"}, nil},
		{"help alias topic", "/help xác nhận", Command{Name: Help, Text: "ack"}, nil},
		{"help free topic", "/help reply codes", Command{Name: Help, Text: "reply codes"}, nil},
		{"lang vi", "/lang vi", Command{Name: Lang, Text: "vi"}, nil},
		{"lang EN", "/lang EN", Command{Name: Lang, Text: "en"}, nil},
		{"lang tieng viet", "/ngôn ngữ Tiếng Việt", Command{Name: Lang, Text: "vi"}, nil},
		{"lang missing", "/lang", Command{}, usage(Lang, "language missing")},
		{"lang bad", "/lang fr", Command{}, usage(Lang, "unknown language")},
		{"link", "/link Ab12-xy", Command{Name: Link, Text: "Ab12-xy"}, nil},
		{"link missing", "/link", Command{}, usage(Link, "code missing")},
		{"link extra", "/link a b", Command{}, usage(Link, "too many arguments")},
		// on-call
		{"oncall", "/oncall", Command{Name: Oncall}, nil},
		{"oncall roster", "/oncall noc", Command{Name: Oncall, Text: "noc"}, nil},
		{"oncall extra", "/oncall noc now", Command{}, usage(Oncall, "too many arguments")},
		{"roster", "/roster", Command{Name: Roster}, nil},
		{"roster id", "/roster noc", Command{Name: Roster, Text: "noc"}, nil},
		{"roster days", "/roster 14", Command{Name: Roster, Args: []string{"14"}}, nil},
		{"roster id days", "/roster noc 07", Command{Name: Roster, Text: "noc", Args: []string{"7"}}, nil},
		{"roster bad days", "/roster noc soon", Command{}, usage(Roster, "days must be a number")},
		{"roster extra", "/roster noc 7 8", Command{}, usage(Roster, "too many arguments")},
		{"override", "/override noc @bob 4h", Command{Name: Override, Text: "noc", User: "bob", Args: []string{"4h"}}, nil},
		{"override until", "/override noc bob until 18:00", Command{Name: Override, Text: "noc", User: "bob", Args: []string{"until", "18:00"}}, nil},
		{"override missing", "/override", Command{}, usage(Override, "roster missing")},
		{"override missing user", "/override noc", Command{}, usage(Override, "user missing")},
		{"override missing duration", "/override noc @bob", Command{}, usage(Override, "duration missing")},
		{"handoff", "/handoff @bob", Command{Name: Handoff, User: "bob"}, nil},
		{"handoff display name", "/bàn giao Trần Thị B", Command{Name: Handoff, User: "Trần Thị B"}, nil},
		{"handoff missing", "/handoff", Command{}, usage(Handoff, "user missing")},
		{"page", "/page @bob DB chết rồi!", Command{Name: Page, User: "bob", Text: "DB chết rồi!"}, nil},
		{"page roster", "/page noc web down", Command{Name: Page, User: "noc", Text: "web down"}, nil},
		{"page missing", "/page", Command{}, usage(Page, "user missing")},
		{"page missing text", "/page @bob", Command{}, usage(Page, "text missing")},
		// report / set / stats / maintenance
		{"report", "/report", Command{Name: Report}, nil},
		{"report ref", "/report 7", Command{Name: Report, Ref: 7}, nil},
		{"report format", "/report VI03", Command{Name: Report, Text: "vi03"}, nil},
		{"report ref format", "/report IR-7 json", Command{Name: Report, Ref: 7, Text: "json"}, nil},
		{"report bare ref format", "/report 7 md", Command{Name: Report, Ref: 7, Text: "md"}, nil},
		{"report vi04", "/báo cáo 7 vi04", Command{Name: Report, Ref: 7, Text: "vi04"}, nil},
		{"report bad format", "/report pdf", Command{}, usage(Report, "unknown report format")},
		{"report extra", "/report 7 md x", Command{}, usage(Report, "too many arguments")},
		{"set", "/set title Cổng mới: *x*", Command{Name: Set, Text: "title Cổng mới: *x*", Args: []string{"title", "Cổng", "mới:", "*x*"}}, nil},
		{"set ref", "/set 7 owner @an", Command{Name: Set, Ref: 7, Text: "owner @an", Args: []string{"owner", "@an"}}, nil},
		{"set IR ref", "/set IR-7 sev 2", Command{Name: Set, Ref: 7, Text: "sev 2", Args: []string{"sev", "2"}}, nil},
		{"set missing", "/set", Command{}, usage(Set, "field missing")},
		{"set ref only", "/set 7", Command{}, usage(Set, "field missing")},
		{"set missing value", "/set title", Command{}, usage(Set, "value missing")},
		{"set ref missing value", "/set 7 title", Command{}, usage(Set, "value missing")},
		{"stats", "/stats", Command{Name: Stats}, nil},
		{"stats period", "/stats 30d", Command{Name: Stats, Text: "30d", Args: []string{"30d"}}, nil},
		{"stats words", "/thống kê tháng này", Command{Name: Stats, Text: "tháng này", Args: []string{"tháng", "này"}}, nil},
		{"maintenance", "/maintenance on 2h nâng cấp", Command{Name: Maintenance, Text: "on 2h nâng cấp", Args: []string{"on", "2h", "nâng", "cấp"}}, nil},
		{"maintenance alone lists the windows", "/maintenance", Command{Name: Maintenance}, nil},
		// limits
		{"max length ok", "/note " + strings.Repeat("x", DefaultMaxLen-6), Command{Name: Note, Text: strings.Repeat("x", DefaultMaxLen-6)}, nil},
		{"too long", "/note " + strings.Repeat("x", DefaultMaxLen-5), Command{}, tooLong(Note, DefaultMaxLen+1, DefaultMaxLen)},
		{"too long mention", "@IrBot declare ddos " + strings.Repeat("y", DefaultMaxLen), Command{}, tooLong(Declare, DefaultMaxLen+20, DefaultMaxLen)},
		{"too long ir plain", "ir note " + strings.Repeat("y", DefaultMaxLen), Command{}, tooLong(Note, DefaultMaxLen+8, DefaultMaxLen)},
		{"too long plain note", "note " + strings.Repeat("x", DefaultMaxLen), Command{}, tooLong(Note, DefaultMaxLen+5, DefaultMaxLen)},
		{"padding is not counted", "/ack" + strings.Repeat(" ", DefaultMaxLen), Command{Name: Ack}, nil},
		{"too long unknown", "/foo " + strings.Repeat("y", DefaultMaxLen), Command{}, unknown("foo", "")},
		{"invalid utf8 text", "/note IR-1 a\xffb", Command{Name: Note, Ref: 1, Text: "a\uFFFDb"}, nil},
		{"invalid utf8 slash word", "/\xff\xfe", Command{}, ErrNotCommand},
		{"invalid utf8 mention word", "@IrBot \xffack", Command{}, unknown("\uFFFDack", "ack")},
		{"invalid utf8 in slash word", "/x\xc3c", Command{}, ErrNotCommand},
	})
}

func TestParseReplyCodes(t *testing.T) {
	runCases(t, []parseCase{
		{"ack", "12a", Command{Name: Ack, Ref: 12, Code: true}, nil},
		{"ack upper", "12A", Command{Name: Ack, Ref: 12, Code: true}, nil},
		{"done", "12d3", Command{Name: Done, Ref: 12, Step: 3, Code: true}, nil},
		{"done upper spaced", "  12 D 3  ", Command{Name: Done, Ref: 12, Step: 3, Code: true}, nil},
		{"skip", "12s3", Command{Name: Skip, Ref: 12, Step: 3, Code: true}, nil},
		{"skip upper", "7S10", Command{Name: Skip, Ref: 7, Step: 10, Code: true}, nil},
		{"next", "12n", Command{Name: Next, Ref: 12, Code: true}, nil},
		{"resolve", "12r", Command{Name: Resolve, Ref: 12, Code: true}, nil},
		{"escalate", "12e", Command{Name: Escalate, Ref: 12, Code: true}, nil},
		{"escalate spaced", "12 e", Command{Name: Escalate, Ref: 12, Code: true}, nil},
		{"slash form", "/12a", Command{Name: Ack, Ref: 12, Code: true}, nil},
		{"zero ref", "0a", Command{}, usage(Ack, "invalid incident number")},
		{"zero step", "5d0", Command{}, usage(Done, "invalid step number")},
		{"huge ref", "12345678901a", Command{}, usage(Ack, "invalid incident number")},
		// a note after the code, wherever the command takes one
		{"done note", "1d2 đã kiểm tra các trang con", Command{Name: Done, Ref: 1, Step: 2, Text: "đã kiểm tra các trang con", Code: true}, nil},
		{"done note upper", "1D2 OK", Command{Name: Done, Ref: 1, Step: 2, Text: "OK", Code: true}, nil},
		{"done note multiline", "1d2\nline one\nline two", Command{Name: Done, Ref: 1, Step: 2, Text: "line one\nline two", Code: true}, nil},
		{"done note starting with digits", "1d2 3 servers up", Command{Name: Done, Ref: 1, Step: 2, Text: "3 servers up", Code: true}, nil},
		{"skip reason", "1s2 không áp dụng", Command{Name: Skip, Ref: 1, Step: 2, Text: "không áp dụng", Code: true}, nil},
		{"resolve summary", "12r đã khôi phục từ bản sao lưu", Command{Name: Resolve, Ref: 12, Text: "đã khôi phục từ bản sao lưu", Code: true}, nil},
		{"resolve summary starting with digits", "12r 3 hosts patched", Command{Name: Resolve, Ref: 12, Text: "3 hosts patched", Code: true}, nil},
		{"escalate reason", "12e cần DBA", Command{Name: Escalate, Ref: 12, Text: "cần DBA", Code: true}, nil},
		{"note after slash code", "/1d2 đã kiểm tra", Command{Name: Done, Ref: 1, Step: 2, Text: "đã kiểm tra", Code: true}, nil},
		{"note after ir code", "/ir 1d2 đã kiểm tra", Command{Name: Done, Ref: 1, Step: 2, Text: "đã kiểm tra", Code: true}, nil},
		{"note after mention code", "@IrBot 5r fixed", Command{Name: Resolve, Ref: 5, Text: "fixed", Code: true}, nil},
		{"note zero ref", "0d2 x", Command{}, usage(Done, "invalid incident number")},
		{"note zero step", "1d0 x", Command{}, usage(Done, "invalid step number")},
		// what is still chat
		{"ack takes no note", "12a please", Command{}, ErrNotCommand},
		{"next takes no note", "12n now", Command{}, ErrNotCommand},
		{"note after spaced code", "12 d 3 đã kiểm tra", Command{}, ErrNotCommand},
		{"note after half spaced code", "12d 3 đã kiểm tra", Command{}, ErrNotCommand},
		{"vietnamese two em", "2 e trực đêm nay", Command{}, ErrNotCommand},
		{"note glued to step", "1d2đã kiểm tra", Command{}, ErrNotCommand},
		{"exponent", "1e6 requests per second", Command{}, ErrNotCommand},
		{"3d printer", "3d printer hỏng rồi", Command{}, ErrNotCommand},
		{"resolve glued", "5rounds done", Command{}, ErrNotCommand},
		{"skip without step", "2s chậm", Command{}, ErrNotCommand},
	})
}

// validArgs gives each command arguments that parse, for the alias tests.
func validArgs(n Name) string {
	switch n {
	case Declare:
		return " ddos Tiêu đề"
	case Done:
		return " 3"
	case Skip:
		return " 3 lý do"
	case Note, Cancel:
		return " nội dung"
	case Sev:
		return " 2"
	case Assign:
		return " ic @an"
	case Lang:
		return " vi"
	case Link:
		return " abc"
	case Override:
		return " noc @an 4h"
	case Handoff:
		return " @an"
	case Page:
		return " @an gấp"
	case Maintenance:
		return " on"
	case Snooze:
		return " 2h đang xử lý"
	case Set:
		return " title x"
	}
	return ""
}

// accented spells every alias the way a Vietnamese keyboard types it.
var accented = map[string][]string{
	"xacnhan":      {"xácnhận", "xác nhận", "Xác Nhận", "xac_nhan"},
	"trangthai":    {"trạngthái", "trạng thái"},
	"baocao":       {"báocáo", "báo cáo"},
	"khaibao":      {"khaibáo", "khai báo"},
	"buoc":         {"bước", "Bước"},
	"xong":         {"xong", "XONG"},
	"boqua":        {"bỏqua", "bỏ qua"},
	"tiep":         {"tiếp", "Tiếp"},
	"ghichu":       {"ghichú", "ghi chú"},
	"mucdo":        {"mứcđộ", "mức độ", "MỨC ĐỘ"},
	"phancong":     {"phâncông", "phân công"},
	"xuly":         {"xửlý", "xử lý"},
	"daxuly":       {"đãxửlý", "đã xử lý"},
	"dong":         {"đóng", "Đóng"},
	"molai":        {"mởlại", "mở lại"},
	"huy":          {"hủy", "huỷ"},
	"dongthoigian": {"dòngthờigian", "dòng thời gian"},
	"kiemtra":      {"kiểmtra", "kiểm tra"},
	"kichban":      {"kịchbản", "kịch bản"},
	"trogiup":      {"trợgiúp", "trợ giúp"},
	"ngonngu":      {"ngônngữ", "ngôn ngữ"},
	"lienket":      {"liênkết", "liên kết"},
	"tructuyen":    {"trựctuyến", "trực tuyến"},
	"trucban":      {"trựcban", "trực ban"},
	"lichtruc":     {"lịchtrực", "lịch trực"},
	"thaythe":      {"thaythế", "thay thế"},
	"bangiao":      {"bàngiao", "bàn giao"},
	"goi":          {"gọi", "Gọi"},
	"leothang":     {"leothang", "leo thang"},
	"thongke":      {"thốngkê", "thống kê"},
	"baotri":       {"bảotrì", "bảo trì"},
	"nhiptim":      {"nhịptim", "nhịp tim"},
	"tamhoan":      {"tạmhoãn", "tạm hoãn"},
	"su-co":        {"sự-cố"},
	"suco":         {"sựcố", "sự cố"},
}

func TestAliases(t *testing.T) {
	al := Aliases()
	if len(al) != len(accented) {
		t.Errorf("Aliases() has %d entries, test knows %d", len(al), len(accented))
	}
	known := map[Name]bool{}
	for _, n := range Names() {
		known[n] = true
	}
	for alias, name := range al {
		if !known[name] {
			t.Errorf("alias %q maps to unknown name %q", alias, name)
		}
		forms := append([]string{alias, strings.ToUpper(alias)}, accented[alias]...)
		if len(accented[alias]) == 0 {
			t.Errorf("alias %q has no accented spelling in the test", alias)
		}
		for _, f := range forms {
			want := Command{Name: name}
			args := validArgs(name)
			got2, err := Parse("/"+f+args, bot)
			if err != nil || got2.Name != name {
				t.Errorf("slash %q: got %v, %v; want %s", "/"+f+args, got2.Name, err, name)
			}
			got, err := Parse(f+args, bot)
			if sentenceWithWords(name) {
				// plain, with a reason after it: chat (TestSentencesAreNotCommands)
				if !errors.Is(err, ErrNotCommand) {
					t.Errorf("plain %q: got %v, %v; want chat", f+args, got.Name, err)
				}
				got = got2
			} else if err != nil || !reflect.DeepEqual(got, got2) {
				t.Errorf("plain %q: got %#v, %v; want %#v", f+args, got, err, got2)
			}
			got3, err := Parse("@IrBot "+f+args, bot)
			if err != nil || !reflect.DeepEqual(got, got3) {
				t.Errorf("mention %q: got %#v, %v; want %#v", "@IrBot "+f+args, got3, err, got)
			}
			_ = want
		}
	}
	// The map is a fresh copy: changing it does not affect Parse.
	al["xacnhan"] = Cancel
	if c, err := Parse("xacnhan", bot); err != nil || c.Name != Ack {
		t.Errorf("Aliases() result is shared: %v %v", c, err)
	}
}

func TestAliasNFD(t *testing.T) {
	// "xác nhận" as macOS/iOS may send it: base letters plus combining marks.
	checkParse(t, "xa\u0301c nha\u0302\u0323n 12", bot, Command{Name: Ack, Ref: 12}, nil)
	checkParse(t, "/\u0111o\u0301ng IR-2", bot, Command{Name: Close, Ref: 2}, nil)
	// A zero-width space inside the word (some phone keyboards).
	checkParse(t, "/a\u200bck 2", bot, Command{Name: Ack, Ref: 2}, nil)
}

func TestEveryNameParses(t *testing.T) {
	names := Names()
	if len(names) != 33 || names[0] != Declare || names[len(names)-1] != Snooze {
		t.Fatalf("Names() = %v", names)
	}
	seen := map[Name]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("duplicate name %q", n)
		}
		seen[n] = true
		for _, in := range []string{"/" + string(n), "/" + strings.ToUpper(string(n)), "/ir " + string(n), "@IrBot " + string(n), string(n)} {
			c, err := Parse(in+validArgs(n), bot)
			if in == string(n) && sentenceWithWords(n) {
				// plain, with a reason after it: chat (TestSentencesAreNotCommands)
				if !errors.Is(err, ErrNotCommand) {
					t.Errorf("Parse(%q) = %v, %v; want chat", in+validArgs(n), c.Name, err)
				}
				continue
			}
			if err != nil || c.Name != n {
				t.Errorf("Parse(%q) = %v, %v", in+validArgs(n), c.Name, err)
			}
		}
		// Without its required arguments a command is a UsageError naming it.
		if validArgs(n) != "" && n != Maintenance { // alone, /maintenance lists the windows
			_, err := Parse("/"+string(n), bot)
			var ue *UsageError
			if !errors.As(err, &ue) || ue.Name != n || ue.Reason == "" {
				t.Errorf("Parse(/%s) = %v, want UsageError", n, err)
			}
		}
	}
}

func TestUsage(t *testing.T) {
	for _, n := range Names() {
		u := Usage(n)
		if !strings.HasPrefix(u, "/"+string(n)) {
			t.Errorf("Usage(%s) = %q", n, u)
		}
	}
	if got, want := Usage(Done), "/done [IR-n] <step#> [note]"; got != want {
		t.Errorf("Usage(Done) = %q, want %q", got, want)
	}
	if u := Usage("bogus"); u != "" {
		t.Errorf("Usage(bogus) = %q", u)
	}
}

func TestBotName(t *testing.T) {
	checkParse(t, "/ack@AnyBot 3", "", Command{Name: Ack, Ref: 3}, nil)
	checkParse(t, "@IrBot ack 3", "", Command{}, ErrNotCommand)
	checkParse(t, "/ack@IrBot 3", "@IrBot", Command{Name: Ack, Ref: 3}, nil)
	checkParse(t, "@irbot ack 3", "@IRBOT", Command{Name: Ack, Ref: 3}, nil)
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&UsageError{Name: Done, Reason: "step number missing"}, "command done: step number missing (usage: /done [IR-n] <step#> [note])"},
		{&UsageError{Reason: "x"}, "command: x"},
		{&UnknownError{Word: "akc", Suggest: "ack"}, `command: unknown command "akc" (did you mean "ack"?)`},
		{&UnknownError{Word: "foo"}, `command: unknown command "foo"`},
		{&TooLongError{Name: Note, N: 5006, Max: 4096}, "command note: too long: 5006 of 4096 characters"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"ack", "ack", 0}, {"akc", "ack", 1}, {"", "abc", 3},
		{"kitten", "sitting", 3}, {"ca", "abc", 3}, {"xác", "xac", 1},
	}
	for _, tt := range tests {
		if got := editDistance([]rune(tt.a), []rune(tt.b)); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestHugeInputs guards against super-linear work before the length limit
// applies: each of these took minutes when the "ir" prefix loop re-split the
// whole message on every round.
func TestHugeInputs(t *testing.T) {
	const size = 256 << 10
	inputs := map[string]string{
		"plain ir":   strings.Repeat("ir ", size/3),
		"slash ir":   "/" + strings.Repeat("ir ", size/3),
		"mention ir": "@IrBot " + strings.Repeat("ir ", size/3),
		"digits":     strings.Repeat("1", size),
		"note words": "/note " + strings.Repeat("a ", size/2),
		"one word":   "/" + strings.Repeat("a", size),
		"mention wd": "@IrBot " + strings.Repeat("á", size/2),
		"spaces":     strings.Repeat(" ", size) + "x",
		"invalid":    strings.Repeat("\xff", size),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, err := Parse(in, bot)
			if err == nil {
				t.Fatalf("Parse accepted %d bytes", len(in))
			}
			var unk *UnknownError
			if errors.As(err, &unk) && len(unk.Word) > 64 {
				t.Fatalf("UnknownError.Word is %d bytes", len(unk.Word))
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("Parse took %v on %d bytes", d, len(in))
			}
		})
	}
}

// TestUsageInVietnameseHasNoEnglishPlaceholders: every usage line in
// Vietnamese has its placeholders translated.
func TestUsageInVietnameseHasNoEnglishPlaceholders(t *testing.T) {
	english := regexp.MustCompile(`<[a-z#|= :-]*[a-z]{3,}[a-z#|= :-]*>|\[[a-z|]*(note|reason|summary|topic|roster|days|period)[a-z|]*\]`)
	for _, n := range Names() {
		if u := UsageIn(n, "vi"); english.MatchString(u) {
			t.Errorf("/%s in Vietnamese: %q still has %q", n, u, english.FindString(u))
		}
	}
}

// TestMarksAreStripped: the marks of the bot's message markup never get
// from what a user types into a command, so no title or note can carry a
// forged command hint into a message the bot writes.
func TestMarksAreStripped(t *testing.T) {
	c, err := Parse("/declare ddos \uE000/ack IR-9\uE001 tiêu \uE001đề\uE000", bot)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != Declare || c.Text != "/ack IR-9 tiêu đề" {
		t.Fatalf("declare: %#v", c)
	}
	if c, err := Parse("/no\uE000te IR-3 máy \uE000chủ\uE001", bot); err != nil || c.Name != Note || c.Ref != 3 || c.Text != "máy chủ" {
		t.Fatalf("note: %#v %v", c, err)
	}
	if _, err := Parse("\uE000\uE001", bot); !errors.Is(err, ErrNotCommand) {
		t.Fatalf("marks alone: %v, want ErrNotCommand", err)
	}
}

// TestUsageInIsACommandHint: a usage line reaches a chat marked as one
// command hint, in the chat's language.
func TestUsageInIsACommandHint(t *testing.T) {
	b := irbot.ParseBody(UsageIn(Done, "vi"))
	want := [][]irbot.Span{{{Kind: irbot.SpanCommand, Text: "/done [IR-n] <số bước> [ghi chú]"}}}
	if b.Title != nil || !reflect.DeepEqual(b.Lines, want) {
		t.Fatalf("UsageIn(done, vi) reads as %#v", b)
	}
	if u := UsageIn(Name("nope"), "en"); u != "" {
		t.Fatalf("unknown command: %q", u)
	}
	if strings.ContainsFunc(Usage(Done), irbot.IsMark) {
		t.Fatal("Usage (for errors and logs) is marked")
	}
}

// TestSentencesAreNotCommands: chat that starts with a command word and
// goes on with words is not taken as an order; the same with "/" is.
func TestSentencesAreNotCommands(t *testing.T) {
	for _, in := range []string{
		"xong 4 máy rồi", "bỏ qua 5 vì không có", "bỏ qua 5", "done 7 machines already", "skip 8 for now",
		"gọi binh giúp em với", "gọi lại sau nhé", "set nguyên nhân là gì vậy",
		"xử lý máy chủ trước đã", "mở lại 2 cổng mạng", "leo thang lên cấp trên", "mức độ 1 thôi mà",
	} {
		if c, err := Parse(in, bot); !errors.Is(err, ErrNotCommand) {
			t.Errorf("Parse(%q) = %+v, %v; want chat", in, c, err)
		}
	}
	for in, want := range map[string]Command{
		"xong 4":                {Name: Done, Step: 4},
		"/xong 4 máy rồi":       {Name: Done, Step: 4, Text: "máy rồi"},
		"/skip 8 for now":       {Name: Skip, Step: 8, Text: "for now"},
		"ghi chú đã chặn IP":    {Name: Note, Text: "đã chặn IP"},
		"@IrBot xong 4 máy rồi": {Name: Done, Step: 4, Text: "máy rồi"},
	} {
		checkParse(t, in, bot, want, nil)
	}
	// Naming an incident addresses the bot: a wrong form gets the usage.
	var ue *UsageError
	if _, err := Parse("huỷ IR-2", bot); !errors.As(err, &ue) || ue.Name != Cancel {
		t.Errorf(`Parse("huỷ IR-2") = %v; want the usage of /cancel (a reason is missing)`, err)
	}
}

// sentenceWithWords: the commands whose plain form followed by words is
// chat (validArgs gives them words): see TestSentencesAreNotCommands.
func sentenceWithWords(n Name) bool {
	return n == Skip || n == Page || n == Set
}
