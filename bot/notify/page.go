package notify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/oncall"
	"github.com/irbot/irbot/bot/playbook"
)

// Page is the message that pages someone for inc: what happened, why they
// are paged (reason, if any) and the short reply that acknowledges.
func (r *Renderer) Page(inc *bot.Incident, pb *playbook.Playbook, reason, lang string) string {
	why := ""
	if reason != "" {
		why = "\n" + r.cat.T(lang, "page.reason", reason)
	}
	return r.cat.T(lang, "page", inc.Ref(), Sev(inc.Severity), pb.Name.In(lang), inc.Title, why, ackCode(inc))
}

// ackCode is what acknowledges, the command and the short reply, each a
// command hint: "/ack IR-7 · 7a".
func ackCode(inc *bot.Incident) string {
	return bot.Command("/ack "+inc.Ref()) + " · " + replyCode(inc)
}

// replyCode is the short reply that acknowledges inc, as a command hint:
// "7a".
func replyCode(inc *bot.Incident) string { return bot.Command(fmt.Sprintf("%da", inc.ID)) }

// Paged tells an incident's chats whom step of policy pol paged (names of
// people and chats; none: nobody was on duty), which level and round it
// is, and when it escalates.
func (r *Renderer) Paged(inc *bot.Incident, names []string, pol oncall.Policy, step int, lang string) string {
	who := strings.Join(names, ", ")
	if who == "" {
		who = r.cat.T(lang, "page.nobody")
	}
	level := pol.LevelAt(step)
	return r.cat.T(lang, "paged", inc.Ref(), who, level+1, len(pol.Levels), pol.Round(step), pol.Repeat+1,
		r.Dur(pol.Delay(level), lang), inc.ID)
}

// BundleLine is an incident's line in a bundle of pages:
// "• IR-7 · SEV1 · Ransomware — Shares encrypted (7a)", the reply code a
// command hint. pb is nil when
// the incident's playbook is gone.
func (r *Renderer) BundleLine(inc *bot.Incident, pb *playbook.Playbook, lang string) string {
	name := inc.Playbook
	if pb != nil {
		name = pb.Name.In(lang)
	}
	return fmt.Sprintf("• %s · %s · %s — %s (%s)", inc.Ref(), Sev(inc.Severity), name, inc.Title, replyCode(inc))
}

// Bundle is one message of pages for n incidents: a line each, and the
// references of those that did not fit a line (rest).
func (r *Renderer) Bundle(n int, lines, rest []string, lang string) string {
	if len(rest) > 0 {
		lines = append(slices.Clip(lines), r.cat.T(lang, "page.bundle_more", len(rest), strings.Join(rest, ", ")))
	}
	return r.cat.T(lang, "page.bundle", n, strings.Join(lines, "\n"))
}
