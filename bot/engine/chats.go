package engine

import (
	"slices"

	"github.com/irbot/irbot/bot"
)

// running reports whether platform is one the bot delivers to now.
func (e *Engine) running(platform string) bool {
	return e.o.Platforms == nil || slices.Contains(e.o.Platforms, platform)
}

// isDirect reports whether ch is a direct chat with someone: marked so by
// its platform, or a chat whose id is a known person's user id there (the
// chat a page went to). A direct chat never joins an incident.
func (e *Engine) isDirect(ch bot.ChatRef) bool {
	if ch.Direct {
		return true
	}
	_, ok := e.o.Directory.Lookup(ch.Platform, ch.ID)
	return ok
}

// boundChats is a chat and, when it is a configured chat, its twins on the
// other platforms (the soc group on Telegram, Zalo and Slack is one chat).
func (e *Engine) boundChats(c bot.ChatRef) []bot.ChatRef {
	out := []bot.ChatRef{c}
	if ch, ok := e.o.Directory.ChatFor(c); ok {
		for _, r := range e.chatRefs(ch.ID) {
			if r != c {
				out = append(out, r)
			}
		}
	}
	return out
}

// chatRefs returns the platform chats of a configured chat id.
func (e *Engine) chatRefs(id string) []bot.ChatRef {
	for _, ch := range e.o.Directory.Chats() {
		if ch.ID == id {
			var out []bot.ChatRef
			for _, plat := range bot.SortedKeys(ch.IDs) {
				out = append(out, bot.ChatRef{Platform: plat, ID: ch.IDs[plat]})
			}
			return out
		}
	}
	return nil
}

// directChats picks where to page a person: a direct chat on each platform
// the incident lives on where the person has an id, else on every platform
// they have.
func (e *Engine) directChats(p bot.Person, inc *bot.Incident) []bot.ChatRef {
	var out []bot.ChatRef
	seen := map[string]bool{}
	for _, ch := range inc.Chats {
		if seen[ch.Platform] {
			continue
		}
		seen[ch.Platform] = true
		if !e.running(ch.Platform) {
			continue
		}
		if dm, ok := bot.DirectChat(p, ch.Platform); ok {
			out = append(out, dm)
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, plat := range bot.SortedKeys(p.IDs) {
		if !e.running(plat) {
			continue
		}
		if dm, ok := bot.DirectChat(p, plat); ok {
			out = append(out, dm)
		}
	}
	if len(out) == 0 && e.running("console") {
		dm, _ := bot.DirectChat(p, "console")
		out = append(out, dm)
	}
	return out
}
