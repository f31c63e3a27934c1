// Package change applies one action to one incident. Every part of the
// engine — commands, paging, summaries, rosters, alert intake — works the
// same way: load the incident, let the action change it, and commit the new
// snapshot with its timeline events, outgoing messages and timers in one
// store transaction, retrying on a concurrent change. Nothing happens
// outside a commit.
//
// A Core holds what those parts share: the store, the playbooks, the
// catalogue and renderer, the clock, the people and chats, and the locks
// that serialise the actions on one incident in this process.
package change

import (
	"context"
	"fmt"
	"github.com/irbot/irbot/bot/report"
	"log/slog"
	"sync"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/i18n"
	"github.com/irbot/irbot/bot/notify"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/store"
)

// Config is what every part of the engine reads. The zero value works:
// prefix IR, Vietnamese, Asia/Ho_Chi_Minh, the system clock, anyone may
// act, every platform running.
type Config struct {
	Prefix    string          // incident prefix, default "IR"
	Language  string          // default language, "vi" or "en"; default "vi"
	Location  *time.Location  // for dates and times shown; default Asia/Ho_Chi_Minh
	BotName   string          // the bot's username, for "/cmd@BotName"
	Directory *bot.Directory  // people and chats; nil or empty = anyone may act
	Clock     bot.Clock       // default the system clock
	Catalog   *i18n.Catalog   // default i18n.Default()
	Logger    *slog.Logger    // default slog.Default()
	OnCommit  func(*store.Tx) // called after every successful commit
	// Platforms are the chat platforms running; messages are queued only
	// for these. Nil means every platform.
	Platforms []string
	// Systems are the affected systems incidents may name.
	Systems []report.System
}

// Core is what the parts of the engine share. It is safe for concurrent
// use.
type Core struct {
	Cfg   Config
	Store store.Store
	Books *playbook.Set
	Cat   *i18n.Catalog
	R     *notify.Renderer
	Log   *slog.Logger

	finishers []func(ctx context.Context, c *Change)

	mu       sync.Mutex
	locks    map[int64]*sync.Mutex
	keyLocks map[string]*keyLock
}

type keyLock struct {
	mu sync.Mutex
	n  int // holders and waiters; the lock is dropped at zero
}

// New returns a Core over st with the playbooks in books.
func New(st store.Store, books *playbook.Set, cfg Config) *Core {
	if cfg.Prefix == "" {
		cfg.Prefix = "IR"
	}
	if cfg.Language == "" {
		cfg.Language = "vi"
	}
	if cfg.Location == nil {
		if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
			cfg.Location = loc
		} else {
			cfg.Location = time.FixedZone("ICT", 7*3600)
		}
	}
	if cfg.Clock == nil {
		cfg.Clock = bot.SystemClock{}
	}
	if cfg.Catalog == nil {
		cfg.Catalog = i18n.Default()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	k := &Core{Cfg: cfg, Store: st, Books: books, Cat: cfg.Catalog, Log: cfg.Logger,
		locks: map[int64]*sync.Mutex{}, keyLocks: map[string]*keyLock{}}
	k.R = notify.New(cfg.Catalog, &notify.Options{Location: cfg.Location, PersonName: k.PersonName, Systems: cfg.Systems})
	return k
}

// OnFinish adds f to what runs before every incident commit that records
// events (the live status card, the leaders' summaries). Call it while
// wiring, before the first action.
func (k *Core) OnFinish(f func(ctx context.Context, c *Change)) {
	k.finishers = append(k.finishers, f)
}

// Now is the time on the core's clock.
func (k *Core) Now() time.Time { return k.Cfg.Clock.Now() }

// Lock serialises the actions on incident id in this process; it returns
// the unlock.
func (k *Core) Lock(id int64) func() {
	k.mu.Lock()
	l, ok := k.locks[id]
	if !ok {
		l = &sync.Mutex{}
		k.locks[id] = l
	}
	k.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// LockKey serialises work on any key in this process; it returns the
// unlock.
func (k *Core) LockKey(key string) func() {
	k.mu.Lock()
	l, ok := k.keyLocks[key]
	if !ok {
		l = &keyLock{}
		k.keyLocks[key] = l
	}
	l.n++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		if l.n--; l.n == 0 {
			delete(k.keyLocks, key)
		}
		k.mu.Unlock()
	}
}

// PersonName names a person id: their configured name, else the id.
func (k *Core) PersonName(id string) string {
	if p, ok := k.Cfg.Directory.Person(id); ok && p.Name != "" {
		return p.Name
	}
	return id
}

// StateName names an incident's state in lang: a phase's name, or the
// lifecycle state's word.
func (k *Core) StateName(inc *bot.Incident, lang string) string {
	pb, _ := k.Books.Get(inc.Playbook)
	return k.R.State(inc, pb, lang)
}

// Entries lists the incidents (only the open ones with open) with their
// playbooks, without the audit log.
func (k *Core) Entries(ctx context.Context, open bool) ([]notify.Entry, error) {
	list, err := k.Store.Incidents(ctx, open)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	var out []notify.Entry
	for _, inc := range list {
		if inc.ID != AuditID {
			pb, _ := k.Books.Get(inc.Playbook)
			out = append(out, notify.Entry{Incident: inc, Playbook: pb})
		}
	}
	return out, nil
}
