package command

import "testing"

// TestNotesKeepTheirWords: realistic notes, cancel reasons and summaries
// whose first word looks like "letters-digits" (hostnames, tickets, CVEs),
// an address, a version or a date. Only the configured prefix ("IR" unless
// the case says otherwise, any case), "#n" and, where the grammar expects a
// number, a bare number name an incident; every other word stays in the
// text.
func TestNotesKeepTheirWords(t *testing.T) {
	cases := []struct {
		name   string
		prefix string // Options.Prefix; "" is the default "IR"
		in     string
		want   Command
		err    error
	}{
		// The three messages that were misread as refs (IR-1, IR-2, IR-2).
		{"misread hostname web-01", "", "/note web-01 unreachable", Command{Name: Note, Text: "web-01 unreachable"}, nil},
		{"misread hostname server-2", "", "/note server-2 down", Command{Name: Note, Text: "server-2 down"}, nil},
		{"misread cancel host-2", "", "/cancel host-2 was down but fine", Command{Name: Cancel, Text: "host-2 was down but fine"}, nil},

		// hostnames, addresses, versions
		{"hostname db-prod-3", "", "/note db-prod-3 replication lag 40s", Command{Name: Note, Text: "db-prod-3 replication lag 40s"}, nil},
		{"hostname upper case", "", "/note WEB-01 back", Command{Name: Note, Text: "WEB-01 back"}, nil},
		{"ip", "", "/note 10.0.0.5 blocked at the firewall", Command{Name: Note, Text: "10.0.0.5 blocked at the firewall"}, nil},
		{"ip and port", "", "/note 192.168.1.1:8080 refuses connections", Command{Name: Note, Text: "192.168.1.1:8080 refuses connections"}, nil},
		{"version", "", "/note v2.3.1 rolled back to v2.3.0", Command{Name: Note, Text: "v2.3.1 rolled back to v2.3.0"}, nil},
		{"ip alone", "", "/note 10.0.0.5", Command{Name: Note, Text: "10.0.0.5"}, nil},

		// tickets and advisories
		{"jira ticket", "", "/note JIRA-123 opened with the vendor", Command{Name: Note, Text: "JIRA-123 opened with the vendor"}, nil},
		{"service request", "", "/note SR-42 vendor ticket", Command{Name: Note, Text: "SR-42 vendor ticket"}, nil},
		{"cve", "", "/note CVE-2024-3094 xz backdoor: not affected", Command{Name: Note, Text: "CVE-2024-3094 xz backdoor: not affected"}, nil},
		{"covid", "", "/note COVID-19 testing site down", Command{Name: Note, Text: "COVID-19 testing site down"}, nil},
		{"other incident prefix", "", "/note INC-7 is the ITSM twin", Command{Name: Note, Text: "INC-7 is the ITSM twin"}, nil},
		{"ticket alone", "", "/note JIRA-123", Command{Name: Note, Text: "JIRA-123"}, nil},

		// dates
		{"date d/m/y", "", "/note 01/12/2026 patch window", Command{Name: Note, Text: "01/12/2026 patch window"}, nil},
		{"date iso", "", "/note 2026-12-01 patch window", Command{Name: Note, Text: "2026-12-01 patch window"}, nil},
		{"year", "", "/note 2026 budget approved", Command{Name: Note, Text: "2026 budget approved"}, nil},

		// Vietnamese, with and without diacritics
		{"vietnamese", "", "/ghi chú máy chủ web-01 không truy cập được", Command{Name: Note, Text: "máy chủ web-01 không truy cập được"}, nil},
		{"vietnamese hostname first", "", "/ghichú srv-2 đã khởi động lại", Command{Name: Note, Text: "srv-2 đã khởi động lại"}, nil},
		{"vietnamese no diacritics", "", "ghi chu da chan IP 10.0.0.5 tren tuong lua", Command{Name: Note, Text: "da chan IP 10.0.0.5 tren tuong lua"}, nil},
		{"vietnamese cancel", "", "/huỷ may-3 chỉ là báo động giả", Command{Name: Cancel, Text: "may-3 chỉ là báo động giả"}, nil},

		// other free-text commands
		{"resolve summary", "", "/resolve web-01 restored from snapshot", Command{Name: Resolve, Text: "web-01 restored from snapshot"}, nil},
		{"reopen reason", "", "/reopen db-prod-3 lag again", Command{Name: Reopen, Text: "db-prod-3 lag again"}, nil},
		{"escalate reason", "", "/escalate SR-42 vendor silent", Command{Name: Escalate, Text: "SR-42 vendor silent"}, nil},
		{"done note", "", "/done 2 rebooted web-01", Command{Name: Done, Step: 2, Text: "rebooted web-01"}, nil},
		{"skip reason", "", "/skip 4 server-2 is already isolated", Command{Name: Skip, Step: 4, Text: "server-2 is already isolated"}, nil},
		{"sev reason", "", "/sev 2 db-prod-3 only", Command{Name: Sev, Sev: 2, Text: "db-prod-3 only"}, nil},
		{"mention form", "", "@IrBot note web-01 unreachable", Command{Name: Note, Text: "web-01 unreachable"}, nil},

		// real references
		{"IR-3", "", "/note IR-3 web-01 unreachable", Command{Name: Note, Ref: 3, Text: "web-01 unreachable"}, nil},
		{"ir-3", "", "/note ir-3 server-2 down", Command{Name: Note, Ref: 3, Text: "server-2 down"}, nil},
		{"#3", "", "/note #3 db-prod-3 ok", Command{Name: Note, Ref: 3, Text: "db-prod-3 ok"}, nil},
		{"#IR-3", "", "/note #IR-3 ok", Command{Name: Note, Ref: 3, Text: "ok"}, nil},
		{"IR-3 colon", "", "/note IR-3: CVE-2024-3094 patched", Command{Name: Note, Ref: 3, Text: "CVE-2024-3094 patched"}, nil},
		{"cancel IR-2", "", "/cancel IR-2 host-2 was down but fine", Command{Name: Cancel, Ref: 2, Text: "host-2 was down but fine"}, nil},
		{"vietnamese ref", "", "/ghi chú IR-3 đã chặn 10.0.0.5", Command{Name: Note, Ref: 3, Text: "đã chặn 10.0.0.5"}, nil},
		{"ref without hyphen is text", "", "/note IR3 is a typo", Command{Name: Note, Text: "IR3 is a typo"}, nil},
		{"ref with suffix is text", "", "/note IR-3b is a typo", Command{Name: Note, Text: "IR-3b is a typo"}, nil},
		{"ref alone", "", "/note IR-3", Command{}, usage(Note, "text missing")},
		{"bare number alone", "", "/note 3", Command{}, usage(Note, "text missing")},
		{"bare number starts text", "", "/note 3 servers down", Command{Name: Note, Text: "3 servers down"}, nil},

		// a bare number where the grammar expects one
		{"ack 7", "", "/ack 7", Command{Name: Ack, Ref: 7}, nil},
		{"done 7 3", "", "/done 7 3 web-01 ok", Command{Name: Done, Step: 7, Text: "3 web-01 ok"}, nil}, // a note may start with a number: "3 máy"
		{"ack hostname", "", "/ack web-01", Command{}, usage(Ack, "invalid incident ref")},
		{"status ticket", "", "/status JIRA-123", Command{}, usage(Status, "invalid incident ref")},

		// a custom prefix
		{"SC-4", "SC", "/note SC-4 web-01 unreachable", Command{Name: Note, Ref: 4, Text: "web-01 unreachable"}, nil},
		{"sc-4", "SC", "/note sc-4 server-2 down", Command{Name: Note, Ref: 4, Text: "server-2 down"}, nil},
		{"prefix configured lower case", "sc", "/note SC-4 ok", Command{Name: Note, Ref: 4, Text: "ok"}, nil},
		{"#4 with SC", "SC", "/note #4 ok", Command{Name: Note, Ref: 4, Text: "ok"}, nil},
		{"#SC-4", "SC", "/cancel #SC-4 test", Command{Name: Cancel, Ref: 4, Text: "test"}, nil},
		{"IR-4 is text with SC", "SC", "/note IR-4 was the old name", Command{Name: Note, Text: "IR-4 was the old name"}, nil},
		{"hostname with SC", "SC", "/note web-01 unreachable", Command{Name: Note, Text: "web-01 unreachable"}, nil},
		{"SC-4 is text with IR", "", "/note SC-4 is another team's", Command{Name: Note, Text: "SC-4 is another team's"}, nil},
		{"status SC-4", "SC", "/status SC-4", Command{Name: Status, Ref: 4}, nil},
		{"status IR-4 with SC", "SC", "/status IR-4", Command{}, usage(Status, "invalid incident ref")},
		{"done SC-4", "SC", "/done SC-4 2 xong", Command{Name: Done, Ref: 4, Step: 2, Text: "xong"}, nil},
		{"assign SC-4", "SC", "/assign SC-4 comms @an", Command{Name: Assign, Ref: 4, Role: "comms", User: "an"}, nil},
		{"SC-0", "SC", "/note SC-0 x", Command{}, usage(Note, "invalid incident number")},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			checkParseWith(t, tc.in, &Options{BotName: bot, Prefix: tc.prefix}, tc.want, tc.err)
		})
	}
}

func TestMarkedRef(t *testing.T) {
	tests := []struct {
		in, prefix string
		n          int
		ok         bool
	}{
		{"IR-7", "IR", 7, true}, {"ir-7", "IR", 7, true}, {"Ir-7", "ir", 7, true},
		{"#7", "IR", 7, true}, {"#IR-7", "IR", 7, true}, {"IR-7:", "IR", 7, true}, {"IR-7,", "IR", 7, true},
		{"IR-007", "IR", 7, true}, {"IR-0", "IR", 0, true}, {"IR-1234567890", "IR", 0, true},
		{"7", "IR", 0, false}, {"IR-", "IR", 0, false}, {"IR7", "IR", 0, false}, {"IR-7.", "IR", 0, false},
		{"IR-7a", "IR", 0, false}, {"IR--7", "IR", 0, false}, {"IR-+7", "IR", 0, false},
		{"INC-7", "IR", 0, false}, {"web-01", "IR", 0, false}, {"CVE-2024-3094", "CVE", 0, false},
		{"SC-7", "SC", 7, true}, {"IR-7", "SC", 0, false}, {"#", "IR", 0, false}, {"", "IR", 0, false},
		{"-7", "IR", 0, false}, {"IRA-7", "IR", 0, false}, {"I-7", "IR", 0, false},
	}
	for _, tt := range tests {
		n, ok := markedRef(tt.in, tt.prefix)
		if n != tt.n || ok != tt.ok {
			t.Errorf("markedRef(%q, %q) = %d, %v; want %d, %v", tt.in, tt.prefix, n, ok, tt.n, tt.ok)
		}
	}
}
