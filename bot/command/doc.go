// Package command turns one chat message into a Command. Every platform
// (Telegram, Slack, Zalo, console) uses the same grammar, so a responder can
// type the same thing everywhere, usually on a phone.
//
// # Addressing
//
// A message is a command when it is addressed to the bot in one of these
// ways (the command word is case-, accent- and diacritic-insensitive):
//
//	/ack 12            slash command
//	/ack@IrBot 12      Telegram group form; "/ack@OtherBot" is ErrNotForMe
//	/ir ack 12         Slack slash-command prefix ("/ir" alone = help)
//	@IrBot ack 12      mention prefix ("@IrBot:" and "@IrBot," too; alone = help)
//	ir ack 12          plain "ir" prefix followed by a known command
//	ack 12             plain: the first word is a known command or alias
//	12a                reply code (see below)
//
// Vietnamese aliases (see Aliases) may be typed with or without diacritics,
// in NFC or NFD, with "-" or "_" inside ("xac_nhan" for Telegram menus) or
// with the syllables separated by spaces ("xác nhận 12"). A trailing
// ".,!?:;" on the command word is ignored ("Ack." from a phone keyboard).
//
// Telegram's "/start" is understood in the addressed forms: alone it is
// help, "/start CODE" (a deep link) is "link CODE".
//
// Text that is not addressed to the bot ("hello team", "ok", "12" alone)
// gives ErrNotCommand. An unknown word in an explicitly addressed form
// ("/foo", "/ir foo", "@IrBot foo") gives *UnknownError with the closest
// known command or alias. In the plain form an unknown first word is simply
// ErrNotCommand.
//
// Bad or missing arguments give *UsageError. In the plain form (no slash,
// mention or "ir" prefix) the guess that the message was meant for the bot
// is weaker, so a message whose extra words do not fit the grammar
// ("xong rồi", "status is green") is ErrNotCommand instead; a bare command
// word that needs arguments ("done") is still a UsageError. A plain command
// word followed by "ơi" or a comma is someone's name ("Huy ơi, ...",
// "Đông, ...") and also ErrNotCommand. Plain single words such as "next",
// "đóng" or "tiếp" are still commands: callers that fear chatter in busy
// groups should confirm destructive commands.
//
// # Reply codes
//
// Zalo has no buttons, so the bot offers short codes: "<n>a" ack incident n,
// "<n>d<k>" step k done, "<n>s<k>" step k skipped (no reason needed), "<n>n"
// next phase, "<n>r" resolve, "<n>e" escalate. Codes are case-insensitive,
// spaces are allowed around and between the parts ("12 D 3"), and they set
// Command.Code.
//
// The codes that stand for a command taking text (d, s, r, e) may be
// followed by that text after whitespace: "1d2 đã kiểm tra" is step 2 of
// IR-1 done with a note, "1s2 không áp dụng" a skip with its reason, "12r
// restored" a resolve with its summary. A code with text must be written
// without spaces inside ("12 d 3 ok" is chat), so that "2 e trực đêm nay"
// stays chat; "12a please", "1d2ok" and "1e6 rps" are chat too.
//
// # Incident references
//
// A ref is "<prefix>-7" for the configured incident prefix (Options.Prefix,
// default "IR"; any case, so "IR-7" and "ir-7"), "#7", "#IR-7", or a bare
// "7" where the grammar expects a number; a trailing ":" or "," is
// ignored. Refs are 1..999999999; "IR-0" is a UsageError. Any other word is
// not a ref, however it looks: "web-01", "server-2", "JIRA-123",
// "CVE-2024-3094", "INC-7" (unless the prefix is "INC"), "10.0.0.5" and
// "2026-12-01" are text in a note and "invalid incident ref" where only a
// ref may stand ("/status web-01").
//
// Ambiguity rule: a token in the "IR-7" or "#7" form is always a ref where a
// ref may stand. A leading bare number is a ref only when it is followed by
// another argument that fits the rest of the grammar:
//
//	done 3          step 3                 done 7 3        IR-7 step 3
//	done IR-7 3     IR-7 step 3            sev 2 db slow   sev 2, reason
//	sev 7 2         IR-7 sev 2             report 7        IR-7
//	assign 7 ic @a  IR-7 (roles are never numbers, so a leading number is a ref)
//	set 7 owner x   IR-7 (field names are never numbers)
//
// For the free-text commands note, resolve, reopen, cancel and escalate a
// leading bare number followed by text is part of the text ("note 3 servers
// down" is the note "3 servers down"), while a bare number alone is the ref
// ("resolve 7", "note 7" = IR-7 with the note missing). Write "IR-7" or "#7"
// to give a ref and text together ("note IR-7 web-01 unreachable").
//
// # Arguments
//
// See Usage for each command's one-line syntax. Titles, notes and reasons
// are kept exactly as typed (only surrounding whitespace is trimmed), so
// Markdown punctuation and Vietnamese survive. In declare the optional
// severity right after the playbook is "sev1".."sev4", "sev-1" or "s1".."s4"
// (so a title starting with "S3" needs an explicit severity before it).
// Playbook, role, report format and language are lower-cased; lang takes
// "vi"/"vn"/"tiếng việt" or "en"/"english" and yields "vi" or "en"; help
// with a command or alias as topic yields its canonical name ("help xác
// nhận" → Text "ack"); "incidents all" (or "tất cả") sets Args ["all"].
//
// # Length
//
// The limit is counted in characters (Unicode code points) of the message
// without its surrounding whitespace: Options.MaxLen, default DefaultMaxLen
// (4096, Telegram's limit), so 4,000 Vietnamese characters fit although
// they take more bytes. A longer message gives *TooLongError, never a
// UsageError, once it is known to be a command: addressed to the bot
// ("/note …", "@IrBot note …", "ir note …"), a reply code, or a plain
// message whose arguments fit ("ghi chú …"). A long plain message whose
// words do not fit a command is ErrNotCommand as usual.
//
// Invalid UTF-8 never panics; it is replaced with U+FFFD, so every string
// in a Command is valid UTF-8.
package command
