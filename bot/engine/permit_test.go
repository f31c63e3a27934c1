package engine_test

import (
	"context"
	"fmt"
	"github.com/irbot/irbot/bot/oncall"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/access"
	"github.com/irbot/irbot/bot/command"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/engine/enginetest"
)

// TestPermissionMatrix runs every command as every default role on an
// incident someone else commands. What is refused says who may, and every
// refusal is in the audit log; what is allowed is not refused.
func TestPermissionMatrix(t *testing.T) {
	lines := map[command.Name]string{
		command.Declare: "/declare ddos Portal slow", command.Incidents: "/incidents", command.Status: "/status IR-1",
		command.Ack: "/ack IR-1", command.Steps: "/steps IR-1", command.Done: "/done IR-1 1", command.Skip: "/skip IR-1 2 not needed",
		command.Next: "/next IR-1", command.Note: "/note IR-1 web-01 down", command.Sev: "/sev IR-1 1 worse",
		command.Assign: "/assign IR-1 scribe owner", command.Resolve: "/resolve IR-1 fixed", command.Close: "/close IR-1",
		command.Reopen: "/reopen IR-1 again", command.Cancel: "/cancel IR-1 false alarm", command.Timeline: "/timeline IR-1",
		command.Verify: "/verify IR-1", command.Playbooks: "/playbooks", command.Help: "/help", command.Lang: "/lang en",
		command.Link: "/link ABCDEF", command.Oncall: "/oncall", command.Roster: "/roster", command.Override: "/override truc-ban owner 1h",
		command.Handoff: "/handoff owner", command.Page: "/page owner help", command.Escalate: "/escalate IR-1",
		command.Report: "/report IR-1 md", command.Set: "/set IR-1 cause misconfiguration", command.Stats: "/stats",
		command.Maintenance: "/maintenance prom 1h upgrade", command.Heartbeats: "/heartbeats", command.Snooze: "/snooze IR-1 1h on it",
	}
	read := []access.Role{access.Responder, access.Commander, access.Leader, access.RosterAdmin, access.Admin, access.Observer, "norole"}
	work := []access.Role{access.Responder, access.Commander, access.RosterAdmin, access.Admin, "norole"}
	lead := []access.Role{access.Commander, access.Admin}
	roster := []access.Role{access.RosterAdmin, access.Admin}
	want := map[command.Name][]access.Role{
		command.Incidents: read, command.Status: read, command.Steps: read, command.Timeline: read, command.Verify: read,
		command.Playbooks: read, command.Help: read, command.Lang: read, command.Link: read, command.Oncall: read,
		command.Roster: read, command.Report: read, command.Stats: read, command.Heartbeats: read,
		command.Declare: work, command.Ack: work, command.Done: work, command.Skip: work, command.Next: work, command.Note: work,
		command.Assign: work, command.Resolve: work, command.Handoff: work, command.Page: work, command.Escalate: work, command.Set: work, command.Snooze: work,
		command.Sev: lead, command.Close: lead, command.Reopen: lead, command.Cancel: lead,
		command.Override: roster, command.Maintenance: roster,
	}
	for _, n := range command.Names() {
		if _, ok := lines[n]; !ok {
			t.Fatalf("no test line for /%s", n)
		}
	}
	for _, role := range read {
		t.Run(string(role), func(t *testing.T) {
			h := enginetest.New(t, "en", enginetest.RoleTeam(), enginetest.WithPaging(0))
			h.SayIn(soc, "owner", "/declare ransomware Shares encrypted")
			h.Drain()
			refusals := 0
			for _, n := range command.Names() {
				out := h.SayIn(soc, string(role), lines[n])
				refused := strings.Contains(enginetest.JoinTexts(out), "You may not use /"+string(n)+".")
				allowed := slices.Contains(want[n], role)
				switch {
				case refused && allowed:
					t.Errorf("%s refused %s: %s", role, lines[n], enginetest.JoinTexts(out))
				case !refused && !allowed:
					t.Errorf("%s allowed %s: %s", role, lines[n], enginetest.JoinTexts(out))
				}
				if refused {
					refusals++
					if !strings.Contains(enginetest.JoinTexts(out), "Only ") {
						t.Errorf("refusal of %s does not say who may: %s", lines[n], enginetest.JoinTexts(out))
					}
				}
			}
			if got := h.AuditCount("refused"); got != refusals {
				t.Errorf("%d refusals, %d in the audit log", refusals, got)
			}
		})
	}
}

// TestIncidentCommanderMayCloseTheirOwn: the person who declared (the
// incident's commander) may cancel it though they are only a responder;
// the cancel is a privileged action, so it is in the audit log.
func TestIncidentCommanderMayCloseTheirOwn(t *testing.T) {
	h := enginetest.New(t, "en", enginetest.RoleTeam(), enginetest.WithPaging(0))
	h.SayIn(soc, "owner", "/declare ransomware Shares encrypted")
	h.SayIn(soc, "owner", "/declare ddos Portal slow")
	out := h.SayIn(soc, "responder", "/cancel IR-2 not ours")
	if !strings.Contains(enginetest.JoinTexts(out), "Only the incident's commander, a commander or an admin may.") {
		t.Fatalf("another responder cancelled: %s", enginetest.JoinTexts(out))
	}
	out = h.SayIn(soc, "owner", "/cancel IR-2 false alarm")
	if strings.Contains(enginetest.JoinTexts(out), "You may not") {
		t.Fatalf("the incident's commander was refused: %s", enginetest.JoinTexts(out))
	}
	inc, _ := h.Store.Incident(context.Background(), 2)
	if inc.State != bot.StateCancelled {
		t.Fatalf("IR-2 is %s", inc.State)
	}
	if h.AuditCount("privileged") != 1 || h.AuditCount("refused") != 1 {
		t.Fatalf("audit: %d privileged, %d refused", h.AuditCount("privileged"), h.AuditCount("refused"))
	}
	// Assigning a role nobody configured gets a suggestion, not a new role.
	out = h.SayIn(soc, "owner", "/assign IR-1 comander responder")
	if !strings.Contains(enginetest.JoinTexts(out), `No role "comander". Did you mean commander?`) {
		t.Fatalf("unknown role: %s", enginetest.JoinTexts(out))
	}
	inc, _ = h.Store.Incident(context.Background(), 1)
	if _, ok := inc.Roles["comander"]; ok {
		t.Fatal("a misspelt role was created")
	}
}

// TestOrdinaryWordsAreNotIncidentRefs: the misreadings that were seen.
// Hostnames shaped like a reference stay in the text and the command acts
// on the chat's own incident, never on another one.
func TestOrdinaryWordsAreNotIncidentRefs(t *testing.T) {
	h := enginetest.New(t, "en", nil)
	other := bot.ChatRef{Platform: "console", ID: "noc"}
	h.SayIn(soc, "an", "/declare outage Core switch down")      // IR-1 here
	h.SayIn(other, "an", "/declare ddos Portal slow")           // IR-2 elsewhere
	h.SayIn(other, "an", "/declare phishing Fake invoice mail") // IR-3 elsewhere
	cases := []struct{ line, note string }{
		{"/note web-01 unreachable", "web-01 unreachable"},
		{"/note server-2 down", "server-2 down"},
		{"/note host-3 10.0.0.5:8080 v2.3.1 JIRA-123 CVE-2024-3094 01/12/2026", "host-3 10.0.0.5:8080 v2.3.1 JIRA-123 CVE-2024-3094 01/12/2026"},
		{"/note máy-2 đã khởi động lại", "máy-2 đã khởi động lại"},
	}
	for _, c := range cases {
		h.SayIn(soc, "an", c.line)
	}
	h.SayIn(soc, "an", "/cancel host-2 was down but fine")
	for id, want := range map[int64]string{2: bot.StateTriggered, 3: bot.StateTriggered, 1: bot.StateCancelled} {
		inc, _ := h.Store.Incident(context.Background(), id)
		if inc.State != want {
			t.Errorf("%s is %s, want %s", inc.Ref(), inc.State, want)
		}
	}
	evs, _ := h.Store.Timeline(context.Background(), 1, 0)
	var notes []string
	for _, e := range evs {
		if e.Kind == bot.EvNote {
			notes = append(notes, e.Data["text"])
		}
	}
	for i, c := range cases {
		if i >= len(notes) || notes[i] != c.note {
			t.Errorf("%s: IR-1's notes %q; want %q", c.line, notes, c.note)
		}
	}
}

// TestVerifyChangesNothing: checking the chain twice gives the same count
// and last hash; the check is in the audit log instead.
func TestVerifyChangesNothing(t *testing.T) {
	h := enginetest.New(t, "en", nil)
	h.Say("/declare outage Core switch down")
	first := h.Say("/verify")
	second := h.Say("/verify")
	if first != second || !strings.Contains(first, "intact") && !strings.Contains(first, "events") {
		t.Fatalf("verify changed what it verifies:\n%s\n%s", first, second)
	}
	if h.AuditCount("verified") != 2 {
		t.Fatal("checks not in the audit log")
	}
}

// TestHelpAndSuggestions: /help shows the Vietnamese aliases; an unknown
// topic or playbook gets a suggestion, not the whole list.
func TestHelpAndSuggestions(t *testing.T) {
	h := enginetest.New(t, "vi", nil)
	enginetest.MustContain(t, "help", h.Say("/help"), "/ack [IR-n] (/xacnhan)")
	if out := h.Say("/help xyz"); strings.Contains(out, "/declare") || !strings.Contains(out, "Không có lệnh xyz") {
		t.Fatalf("/help xyz: %s", out)
	}
	enginetest.MustContain(t, "help typo", h.Say("/help ackk"), "Ý bạn là /ack?")
	enginetest.MustContain(t, "declare typo", h.Say("/declare ransomwar Máy chủ bị mã hoá"), `Không có kịch bản "ransomwar". Ý bạn là ransomware?`)
}

// TestIncidentNumbersHaveNoGaps: declarations racing each other, and
// redeliveries of ones already handled (commits that fail as duplicates),
// leave incident numbers 1..n with no gap: the number is taken inside the
// commit.
func TestIncidentNumbersHaveNoGaps(t *testing.T) {
	h := enginetest.New(t, "en", nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := bot.Inbound{Platform: "console", Chat: soc, User: "an", Text: fmt.Sprintf("/declare outage Switch %d down", i%8), ID: fmt.Sprint("u", i%8)}
			if err := h.Engine.Handle(ctx, in); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	all, _ := h.Store.Incidents(ctx, false)
	var ids []int64
	for _, inc := range all {
		if inc.ID != engine.AuditID {
			ids = append(ids, inc.ID)
		}
	}
	if len(ids) != 8 {
		t.Fatalf("%d incidents for 8 distinct declarations: %v", len(ids), ids)
	}
	for i, id := range ids {
		if id != int64(i+1) {
			t.Fatalf("incident numbers %v: a gap", ids)
		}
	}
	if n, _ := h.Store.NextID(ctx, "incident"); n != 9 {
		t.Fatalf("the next number is %d, want 9", n)
	}
}

// TestWhoeverIsPagedMayAcknowledge: a leader on an escalation policy's
// level is paged like anyone else and may take the page with /ack (or
// "acknowledge all"), though leaders may not acknowledge incidents they
// were not paged for.
func TestWhoeverIsPagedMayAcknowledge(t *testing.T) {
	dir := enginetest.RoleTeam()
	h := enginetest.New(t, "en", dir, func(o *engine.Options) {
		o.Policies = []oncall.Policy{{ID: "security", Levels: []oncall.Level{{Targets: []string{"person:leader"}, After: "5m"}}}}
	})
	h.SayIn(enginetest.SOC, "commander", "/declare outage Portal slow")         // pages "ops": none here
	h.SayIn(enginetest.SOC, "commander", "/declare ransomware Files encrypted") // pages "security": the leader
	if got := enginetest.JoinTexts(h.SayIn(enginetest.SOC, "leader", "/ack IR-1")); !strings.Contains(got, "may not") {
		t.Fatalf("a leader not paged acknowledged IR-1:\n%s", got)
	}
	inc, _ := h.Store.Incident(context.Background(), 2)
	if len(inc.Pages) == 0 {
		t.Fatalf("IR-2 paged nobody: the test needs its playbook to page %q", "security")
	}
	if got := enginetest.JoinTexts(h.SayIn(enginetest.SOC, "leader", "/ack all")); strings.Contains(got, "may not") {
		t.Fatalf("the paged leader could not acknowledge:\n%s", got)
	}
	inc, _ = h.Store.Incident(context.Background(), 2)
	if inc.State == bot.StateTriggered {
		t.Errorf("IR-2 still waits for acknowledgement after the paged leader's /ack all")
	}
	if inc, _ := h.Store.Incident(context.Background(), 1); inc.State != bot.StateTriggered {
		t.Errorf("IR-1, not paged to the leader, was acknowledged by /ack all: %s", inc.State)
	}
}
