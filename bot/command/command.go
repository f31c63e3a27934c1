package command

import (
	"errors"
	"fmt"
	"strings"

	irbot "github.com/irbot/irbot/bot" // "bot" is the bot's name in this package's tests
)

// Name is a canonical command name.
type Name string

// The canonical command names, in the order Names returns them.
const (
	Declare     Name = "declare"     // declare a new incident from a playbook
	Incidents   Name = "incidents"   // list incidents
	Status      Name = "status"      // show an incident's status
	Ack         Name = "ack"         // acknowledge a page / incident
	Steps       Name = "steps"       // list the playbook steps
	Done        Name = "done"        // mark a step done
	Skip        Name = "skip"        // skip a step with a reason
	Next        Name = "next"        // move to the next phase
	Note        Name = "note"        // add a note to the timeline
	Sev         Name = "sev"         // change severity
	Assign      Name = "assign"      // assign a role to a user
	Resolve     Name = "resolve"     // mark resolved
	Close       Name = "close"       // close a resolved incident
	Reopen      Name = "reopen"      // reopen an incident
	Cancel      Name = "cancel"      // cancel a declared incident (false alarm)
	Timeline    Name = "timeline"    // show the timeline
	Verify      Name = "verify"      // verify the timeline's integrity
	Playbooks   Name = "playbooks"   // list playbooks
	Help        Name = "help"        // help, optionally on a topic
	Lang        Name = "lang"        // set the user's language
	Link        Name = "link"        // link this chat account with a code
	Oncall      Name = "oncall"      // who is on call
	Roster      Name = "roster"      // show a roster
	Override    Name = "override"    // temporary on-call override
	Handoff     Name = "handoff"     // hand the caller's duty to someone
	Page        Name = "page"        // page a user or roster
	Escalate    Name = "escalate"    // escalate an incident
	Report      Name = "report"      // produce a report
	Set         Name = "set"         // set an incident field
	Stats       Name = "stats"       // statistics
	Maintenance Name = "maintenance" // maintenance windows and admin tasks
	Heartbeats  Name = "heartbeats"  // heartbeat monitors and their last ping
	Snooze      Name = "snooze"      // hold an alert-opened incident's paging for a while
)

// DefaultPrefix is the incident prefix used when Options.Prefix is empty.
const DefaultPrefix = "IR"

// DefaultMaxLen is the longest message, in characters (Unicode code
// points), accepted as a command when Options.MaxLen is 0: Telegram's
// message limit.
const DefaultMaxLen = 4096

// Options configure ParseWith. The zero value, like a nil *Options, gives
// the defaults: no bot name, prefix DefaultPrefix, limit DefaultMaxLen.
type Options struct {
	// BotName is the bot's username; see Parse.
	BotName string
	// Prefix is the incident prefix of the "IR-7" ref form, matched
	// case-insensitively ("SC" also accepts "sc-7"). Only this prefix
	// makes a ref: with the default, "INC-7" or "web-01" is text.
	// "" means DefaultPrefix.
	Prefix string
	// MaxLen is the longest message, in characters (Unicode code points,
	// surrounding whitespace not counted), that is accepted as a command;
	// a longer one gives *TooLongError. Set it to what the platform
	// carries. 0 or less means DefaultMaxLen.
	MaxLen int
}

// Command is one parsed chat command. Fields a command does not use are zero.
type Command struct {
	// Name is the canonical command.
	Name Name
	// Ref is the incident number from "IR-7" (the configured prefix, any
	// case), "#7" or, where the grammar allows it, a bare "7"; 0 means
	// none was given (the caller picks the chat's incident).
	Ref int
	// Step is the step number for done and skip (and their reply codes).
	Step int
	// Sev is the severity 1..4: optional for declare, required for sev.
	Sev int
	// Playbook is declare's first argument, lower-cased.
	Playbook string
	// Role is assign's role, lower-cased.
	Role string
	// User is a user reference with a leading '@' stripped; Slack's
	// "<@U123|name>" becomes "U123". For assign and handoff it is the rest
	// of the line, so Zalo display names with spaces work.
	User string
	// Text is the free text, exactly as typed apart from surrounding
	// whitespace: declare's title, note's text, skip/cancel/reopen/escalate/
	// sev's reason, resolve's summary, done's step note (the same after a
	// reply code: "1d2 đã kiểm tra", "12r restored"), page's message,
	// help's topic (a command topic becomes its canonical name), lang's code
	// ("vi" or "en"), link's code, report's format, set's "field value",
	// the roster id for oncall/roster/override, stats' period and
	// maintenance's whole argument line.
	Text string
	// Args holds the whitespace-split words after the structured arguments
	// for the commands that want them: incidents ["all"], roster [days],
	// override's duration words ("4h" or "until 18:00"), set's field and
	// value words, stats' and maintenance's words. Nil otherwise.
	Args []string
	// Code is true when the command came from a reply code like "12a".
	Code bool
}

// ErrNotCommand means the text is ordinary chat, not addressed to the bot;
// the caller should ignore it silently.
var ErrNotCommand = errors.New("command: not a command")

// ErrNotForMe means the text is a command addressed to another bot
// ("/ack@OtherBot"); the caller should ignore it silently.
var ErrNotForMe = errors.New("command: addressed to another bot")

// UnknownError is returned for an unknown command word in an explicitly
// addressed message ("/foo", "/ir foo", "@IrBot foo").
type UnknownError struct {
	// Word is the unknown word as typed, without the slash or @bot suffix
	// (cut to 64 bytes).
	Word string
	// Suggest is the closest known command or alias, or "" if none is close.
	Suggest string
}

// Error implements error.
func (e *UnknownError) Error() string {
	if e.Suggest != "" {
		return fmt.Sprintf("command: unknown command %q (did you mean %q?)", e.Word, e.Suggest)
	}
	return fmt.Sprintf("command: unknown command %q", e.Word)
}

// UsageError is returned when a known command has bad or missing arguments.
// The caller renders localized usage from Name.
type UsageError struct {
	// Name is the command whose arguments were wrong.
	Name Name
	// Reason is a short English reason such as "step number missing".
	Reason string
}

// Key is the catalogue key that words Reason for users:
// "usage.reason_missing" for "reason missing".
func (e *UsageError) Key() string {
	return "usage." + strings.ReplaceAll(e.Reason, " ", "_")
}

// Error implements error.
func (e *UsageError) Error() string {
	if u := Usage(e.Name); u != "" {
		return fmt.Sprintf("command %s: %s (usage: %s)", e.Name, e.Reason, u)
	}
	return "command: " + e.Reason
}

// TooLongError is returned when a message addressed to the bot, or a plain
// message that otherwise parses as a command, is longer than the limit
// (Options.MaxLen). It is never a UsageError: the caller should tell the
// user "too long: N of Max characters", not the usage line.
type TooLongError struct {
	// Name is the command the message was recognized as.
	Name Name
	// N is the message's length in characters (Unicode code points,
	// surrounding whitespace not counted).
	N int
	// Max is the limit that was exceeded.
	Max int
}

// Error implements error.
func (e *TooLongError) Error() string {
	return fmt.Sprintf("command %s: too long: %d of %d characters", e.Name, e.N, e.Max)
}

// Names returns all canonical command names in canonical order.
func Names() []Name {
	return []Name{
		Declare, Incidents, Status, Ack, Steps, Done, Skip, Next, Note, Sev,
		Assign, Resolve, Close, Reopen, Cancel, Timeline, Verify, Playbooks,
		Help, Lang, Link, Oncall, Roster, Override, Handoff, Page, Escalate,
		Report, Set, Stats, Maintenance, Heartbeats, Snooze,
	}
}

// Aliases returns the Vietnamese aliases, keyed by their unaccented form.
// Parse matches them accent-insensitively and ignores '-' and '_' and the
// spaces between syllables, so "xác nhận", "xacnhan" and "xac_nhan" are
// all Ack. The map is new on every call; callers may modify it.
func Aliases() map[string]Name {
	t := aliasTable()
	m := make(map[string]Name, len(t))
	for _, a := range t {
		m[a.word] = a.name
	}
	return m
}

// alias is one entry of the alias table.
type alias struct {
	word string
	name Name
}

// aliasTable is the one table of Vietnamese aliases, in a fixed order (it
// breaks ties between equally close suggestions).
func aliasTable() []alias {
	return []alias{
		{"xacnhan", Ack},
		{"trangthai", Status},
		{"baocao", Report},
		{"khaibao", Declare},
		{"buoc", Steps},
		{"xong", Done},
		{"boqua", Skip},
		{"tiep", Next},
		{"ghichu", Note},
		{"mucdo", Sev},
		{"phancong", Assign},
		{"xuly", Resolve},
		{"daxuly", Resolve},
		{"dong", Close},
		{"molai", Reopen},
		{"huy", Cancel},
		{"dongthoigian", Timeline},
		{"kiemtra", Verify},
		{"kichban", Playbooks},
		{"trogiup", Help},
		{"ngonngu", Lang},
		{"lienket", Link},
		{"tructuyen", Oncall},
		{"trucban", Oncall},
		{"lichtruc", Roster},
		{"thaythe", Override},
		{"bangiao", Handoff},
		{"goi", Page},
		{"leothang", Escalate},
		{"thongke", Stats},
		{"baotri", Maintenance},
		{"nhiptim", Heartbeats},
		{"tamhoan", Snooze},
		{"su-co", Incidents},
		{"suco", Incidents},
	}
}

// Usage returns the one-line English syntax of a command, e.g.
// "/done [IR-n] <step#> [note]", or "" for an unknown name.
func Usage(n Name) string {
	switch n {
	case Declare:
		return "/declare <playbook> [sev1-4] <title>"
	case Incidents:
		return "/incidents [all]"
	case Status:
		return "/status [IR-n]"
	case Ack:
		return "/ack [IR-n]"
	case Steps:
		return "/steps [IR-n]"
	case Done:
		return "/done [IR-n] <step#> [note]"
	case Skip:
		return "/skip [IR-n] <step#> <reason>"
	case Next:
		return "/next [IR-n]"
	case Note:
		return "/note [IR-n] <text>"
	case Sev:
		return "/sev [IR-n] <1-4> [reason]"
	case Assign:
		return "/assign [IR-n] <role> <user>"
	case Resolve:
		return "/resolve [IR-n] [summary]"
	case Close:
		return "/close [IR-n]"
	case Reopen:
		return "/reopen [IR-n] [reason]"
	case Cancel:
		return "/cancel [IR-n] <reason>"
	case Timeline:
		return "/timeline [IR-n]"
	case Verify:
		return "/verify [IR-n]"
	case Playbooks:
		return "/playbooks"
	case Help:
		return "/help [topic]"
	case Lang:
		return "/lang <vi|en>"
	case Link:
		return "/link <code>"
	case Oncall:
		return "/oncall [roster]"
	case Roster:
		return "/roster [roster] [days]"
	case Override:
		return "/override <roster> <user> <duration|until HH:MM>"
	case Handoff:
		return "/handoff <user>"
	case Page:
		return "/page [IR-n] <user|roster> <text>"
	case Escalate:
		return "/escalate [IR-n] [reason]"
	case Report:
		return "/report [IR-n] [md|vi03|vi04|json]"
	case Set:
		return "/set [IR-n] <field> <value>"
	case Stats:
		return "/stats [period]"
	case Maintenance:
		return "/maintenance [<route|label=value> <duration> <reason> | end <route|label=value>]"
	case Heartbeats:
		return "/heartbeats"
	case Snooze:
		return "/snooze [IR-n] <duration> <reason>"
	}
	return ""
}

// lookup finds the command for a folded word: an alias or, if names is
// set, a canonical name.
func lookup(key string, names bool) (Name, bool) {
	if names {
		for _, n := range Names() {
			if key == string(n) {
				return n, true
			}
		}
	}
	for _, a := range aliasTable() {
		if key == foldKey(a.word) {
			return a.name, true
		}
	}
	return "", false
}

// resolve finds the command at the start of toks. Aliases may span up to
// three tokens ("dòng thời gian"); the longest match wins. It returns the
// name and the number of tokens used.
func resolve(toks []token) (Name, int, bool) {
	for k := min(3, len(toks)); k >= 1; k-- {
		joined := toks[0].s
		for _, t := range toks[1:k] {
			joined += t.s
		}
		if n, ok := lookup(foldKey(joined), k == 1); ok {
			return n, k, true
		}
	}
	return "", 0, false
}

// suggest returns the known command or alias closest to word, or "" if
// none is close. Ties go to canonical names, then to the alias table's
// order.
func suggest(word string) string {
	var words []string
	for _, n := range Names() {
		words = append(words, string(n))
	}
	for _, a := range aliasTable() {
		words = append(words, a.word)
	}
	return Closest(word, words)
}

// Closest returns the candidate closest to word by (optimal string
// alignment) edit distance, ignoring case and diacritics, or "" if none is
// close: within 1 edit for words under 5 letters, 2 for longer ones. Ties
// go to the earlier candidate.
func Closest(word string, candidates []string) string {
	w := []rune(foldKey(word))
	if len(w) == 0 || len(w) > 40 {
		return ""
	}
	limit := 1
	if len(w) >= 5 {
		limit = 2
	}
	best, bestD := "", limit+1
	for _, c := range candidates {
		if d := editDistance(w, []rune(foldKey(c))); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// UsageIn returns a command's syntax with its placeholders in lang, for a
// chat: in Vietnamese "/note [IR-n] <nội dung>"; in English (or any other
// language) Usage. It is marked as a command hint (bot.Command), so each
// platform shows it the way its users type it; "" for an unknown name.
func UsageIn(n Name, lang string) string {
	u := Usage(n)
	if lang == "vi" {
		u = viPlaceholders.Replace(u)
	}
	return irbot.Command(u)
}

// viPlaceholders translates the placeholders of the usage lines.
var viPlaceholders = strings.NewReplacer(
	"<playbook>", "<kịch bản>", "<title>", "<tiêu đề>", "<step#>", "<số bước>", "[note]", "[ghi chú]",
	"<reason>", "<lý do>", "[reason]", "[lý do]", "<text>", "<nội dung>", "<1-4>", "<1-4>",
	"<role>", "<vai trò>", "<user>", "<người>", "[summary]", "[tóm tắt]", "[topic]", "[chủ đề]",
	"<code>", "<mã>", "[roster]", "[lịch trực]", "<roster>", "<lịch trực>", "[days]", "[số ngày]",
	"<duration|until HH:MM>", "<thời hạn|đến HH:MM>", "<user|roster>", "<người|lịch trực>",
	"<field>", "<trường>", "<value>", "<giá trị>", "[period]", "[khoảng thời gian]",
	"<duration>", "<thời hạn>", "<route|label=value>", "<tuyến|nhãn=giá trị>", "[all]", "[all|tatca]",
)
