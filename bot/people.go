package bot

import "strings"

// Person is someone who may act through the bot. IDs maps a platform name
// (telegram, zalo, slack, console) to the person's user id there; on the
// console a person's own ID is accepted too.
type Person struct {
	ID       string            `yaml:"id"`
	Name     string            `yaml:"name"`
	Roles    []string          `yaml:"roles"`
	Language string            `yaml:"language"`
	IDs      map[string]string `yaml:"ids"`
}

// HasRole reports whether p holds role.
func (p Person) HasRole(role string) bool {
	for _, r := range p.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Chat is a configured chat and what it is for.
type Chat struct {
	ID       string            `yaml:"id"`
	Purpose  string            `yaml:"purpose"` // response | leadership | focal_point
	Language string            `yaml:"language"`
	IDs      map[string]string `yaml:"ids"`
}

// Directory answers who a platform user is and where a configured chat
// lives. It is built once from configuration and only read afterwards, so
// it is safe for concurrent use.
type Directory struct {
	people []Person
	chats  []Chat
	byID   map[string]*Person
	byPlat map[string]*Person // "platform\x00userid"
}

// NewDirectory indexes people and chats.
func NewDirectory(people []Person, chats []Chat) *Directory {
	d := &Directory{people: people, chats: chats, byID: map[string]*Person{}, byPlat: map[string]*Person{}}
	for i := range d.people {
		p := &d.people[i]
		d.byID[strings.ToLower(p.ID)] = p
		for plat, uid := range p.IDs {
			d.byPlat[plat+"\x00"+uid] = p
		}
	}
	return d
}

// Open reports whether anyone may act: true when no people are configured
// (a first run in the terminal).
func (d *Directory) Open() bool { return d == nil || len(d.people) == 0 }

// Lookup returns the person behind a platform user id. On the console, a
// person's own id also matches.
func (d *Directory) Lookup(platform, userID string) (Person, bool) {
	if d == nil {
		return Person{}, false
	}
	if p, ok := d.byPlat[platform+"\x00"+userID]; ok {
		return *p, true
	}
	if platform == "console" {
		if p, ok := d.byID[strings.ToLower(userID)]; ok {
			return *p, true
		}
	}
	return Person{}, false
}

// Person returns the person with id (case-insensitive, leading @ ignored).
func (d *Directory) Person(id string) (Person, bool) {
	if d == nil {
		return Person{}, false
	}
	p, ok := d.byID[strings.ToLower(strings.TrimPrefix(id, "@"))]
	if !ok {
		return Person{}, false
	}
	return *p, true
}

// People returns every configured person.
func (d *Directory) People() []Person {
	if d == nil {
		return nil
	}
	return d.people
}

// Chats returns every configured chat.
func (d *Directory) Chats() []Chat {
	if d == nil {
		return nil
	}
	return d.chats
}

// ChatFor returns the configured chat behind a platform chat, if any.
func (d *Directory) ChatFor(ref ChatRef) (Chat, bool) {
	if d == nil {
		return Chat{}, false
	}
	for _, c := range d.chats {
		if c.IDs[ref.Platform] == ref.ID {
			return c, true
		}
	}
	return Chat{}, false
}

// ChatsFor returns the platform chats of every configured chat with purpose.
func (d *Directory) ChatsFor(purpose string) []ChatRef {
	var out []ChatRef
	if d == nil {
		return nil
	}
	for _, c := range d.chats {
		if c.Purpose != purpose {
			continue
		}
		for _, plat := range SortedKeys(c.IDs) {
			out = append(out, ChatRef{Platform: plat, ID: c.IDs[plat]})
		}
	}
	return out
}

// DirectChat returns the direct chat with person p on platform, if p has an
// id there. On the console every person has one ("dm:<id>").
func DirectChat(p Person, platform string) (ChatRef, bool) {
	if platform == "console" {
		return ChatRef{Platform: "console", ID: "dm:" + p.ID, Direct: true}, true
	}
	uid, ok := p.IDs[platform]
	if !ok {
		return ChatRef{}, false
	}
	return ChatRef{Platform: platform, ID: uid, Direct: true}, true
}
