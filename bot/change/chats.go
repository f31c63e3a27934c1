package change

import (
	"context"
	"slices"
	"strings"

	"github.com/irbot/irbot/bot"
)

// Running reports whether platform is one the bot delivers to now.
func (k *Core) Running(platform string) bool {
	return k.Cfg.Platforms == nil || slices.Contains(k.Cfg.Platforms, platform)
}

// IsDirect reports whether ch is a direct chat with someone: marked so by
// its platform, or a chat whose id is a known person's user id there (the
// chat a page went to). A direct chat never joins an incident.
func (k *Core) IsDirect(ch bot.ChatRef) bool {
	if ch.Direct {
		return true
	}
	_, ok := k.Cfg.Directory.Lookup(ch.Platform, ch.ID)
	return ok
}

// BoundChats is a chat and, when it is a configured chat, its twins on the
// other platforms (the soc group on Telegram, Zalo and Slack is one chat).
func (k *Core) BoundChats(c bot.ChatRef) []bot.ChatRef {
	out := []bot.ChatRef{c}
	if ch, ok := k.Cfg.Directory.ChatFor(c); ok {
		for _, r := range k.ChatRefs(ch.ID) {
			if r != c {
				out = append(out, r)
			}
		}
	}
	return out
}

// ChatRefs returns the platform chats of a configured chat id.
func (k *Core) ChatRefs(id string) []bot.ChatRef {
	for _, ch := range k.Cfg.Directory.Chats() {
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

// DirectChats picks where to page a person: a direct chat on each platform
// the incident lives on where the person has an id, else on every platform
// they have.
func (k *Core) DirectChats(p bot.Person, inc *bot.Incident) []bot.ChatRef {
	var out []bot.ChatRef
	seen := map[string]bool{}
	for _, ch := range inc.Chats {
		if seen[ch.Platform] {
			continue
		}
		seen[ch.Platform] = true
		if !k.Running(ch.Platform) {
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
		if !k.Running(plat) {
			continue
		}
		if dm, ok := bot.DirectChat(p, plat); ok {
			out = append(out, dm)
		}
	}
	if len(out) == 0 && k.Running("console") {
		dm, _ := bot.DirectChat(p, "console")
		out = append(out, dm)
	}
	return out
}

// ChatLang returns the language of a chat: set with /lang, else
// configured, else the default.
func (k *Core) ChatLang(ctx context.Context, c bot.ChatRef) string {
	if v, err := k.Store.Get(ctx, LangKey(c)); err == nil && v != "" {
		return v
	}
	if ch, ok := k.Cfg.Directory.ChatFor(c); ok && ch.Language != "" {
		return ch.Language
	}
	return k.Cfg.Language
}

// LangKey is the store key of a chat's language set with /lang.
func LangKey(c bot.ChatRef) string { return "lang:" + c.String() }

// ReaderLang is the language of whoever reads chat: set there with /lang,
// else for a direct chat the person's, else the chat's configured one.
func (k *Core) ReaderLang(ctx context.Context, ch bot.ChatRef) string {
	if v, err := k.Store.Get(ctx, LangKey(ch)); err == nil && v != "" {
		return v
	}
	if ch.Direct {
		id := strings.TrimPrefix(ch.ID, "dm:")
		if p, ok := k.Cfg.Directory.Lookup(ch.Platform, id); ok && p.Language != "" {
			return p.Language
		}
	}
	return k.ChatLang(ctx, ch)
}

// Button labels that are rendered in the language of the chat the message
// goes to when it is committed: a catalogue key (labelKey), or a playbook
// phase's name (labelPhase, then "<playbook>\x00<phase>").
const (
	labelKey   = "\x00"
	labelPhase = "\x01"
)

// Button is a button whose label is the catalogue's key, in the reader's
// language.
func (k *Core) Button(key, data string) bot.Button {
	return bot.Button{Label: labelKey + key, Data: data}
}

// PhaseButton is a button labelled "▶ " and the name of phase of
// playbook pb, in the reader's language.
func (k *Core) PhaseButton(pb, phase, data string) bot.Button {
	return bot.Button{Label: labelPhase + pb + "\x00" + phase, Data: data}
}

// localize renders the language-dependent button labels of m in the
// language of its reader: the chat's, or for a direct chat the person's.
func (k *Core) localize(ctx context.Context, m *bot.Outgoing) {
	lang := ""
	for i, b := range m.Buttons {
		if !strings.HasPrefix(b.Label, labelKey) && !strings.HasPrefix(b.Label, labelPhase) {
			continue
		}
		if lang == "" {
			lang = k.ReaderLang(ctx, m.Chat)
		}
		m.Buttons[i].Label = k.label(b.Label, lang)
	}
}

// label renders a language-dependent button label in lang.
func (k *Core) label(l, lang string) string {
	if key, ok := strings.CutPrefix(l, labelKey); ok {
		return k.Cat.T(lang, key)
	}
	ref, _ := strings.CutPrefix(l, labelPhase)
	id, phase, _ := strings.Cut(ref, "\x00")
	if pb, ok := k.Books.Get(id); ok {
		if i := pb.PhaseIndex(phase); i >= 0 {
			return "▶ " + pb.Phases[i].Name.In(lang)
		}
	}
	return "▶ " + phase
}
