// Package chattest has test doubles of chat platforms for the delivery
// layer's tests and the binary's scenarios.
package chattest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
)

// TelegramLimits are Telegram's documented limits: about one message a
// second to a chat, 20 a minute to a group, 30 a second in all.
var TelegramLimits = chat.Limits{MaxLen: 4096, Chat: chat.Rate{N: 1, Per: time.Second},
	Group: chat.Rate{N: 20, Per: time.Minute}, Global: chat.Rate{N: 30, Per: time.Second}}

// Platform plays a platform that enforces Telegram's limits as
// sliding windows and answers 429 with retry_after to a message over them,
// the way the Bot API does. It records what it accepted and when.
type Platform struct {
	name    string
	Latency time.Duration // each request takes this long

	mu       sync.Mutex
	perChat  map[string][]time.Time
	all      []time.Time
	got      []Delivered
	n429     int
	Failing  func(m bot.Outgoing) error // transient failures to inject
	inflight map[string]bool
	overlap  int // sends to one chat that overlapped
	edits    []string
}

// Delivered is one message the platform accepted.
type Delivered struct {
	At   time.Time
	Chat bot.ChatRef
	Msg  bot.Outgoing
}

func New(name string) *Platform {
	return &Platform{name: name, perChat: map[string][]time.Time{}, inflight: map[string]bool{}}
}

func (p *Platform) Platform() string    { return p.name }
func (p *Platform) Limits() chat.Limits { return TelegramLimits }

func (p *Platform) Send(ctx context.Context, m bot.Outgoing) (string, error) {
	k := m.Chat.String()
	p.mu.Lock()
	if p.inflight[k] {
		p.overlap++
	}
	p.inflight[k] = true
	p.mu.Unlock()
	defer func() { p.mu.Lock(); p.inflight[k] = false; p.mu.Unlock() }()
	if p.Latency > 0 {
		time.Sleep(p.Latency)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.Failing != nil {
		if err := p.Failing(m); err != nil {
			return "", err
		}
	}
	now := time.Now()
	within := func(ts []time.Time, per time.Duration) []time.Time {
		i := 0
		for i < len(ts) && now.Sub(ts[i]) >= per {
			i++
		}
		return ts[i:]
	}
	p.all = within(p.all, time.Second)
	chatTS := within(p.perChat[k], time.Minute)
	lastSecond := within(chatTS, time.Second)
	switch {
	case len(p.all) >= 30:
		return "", p.tooMany(p.all[0].Add(time.Second).Sub(now))
	case len(lastSecond) >= 1:
		return "", p.tooMany(lastSecond[0].Add(time.Second).Sub(now))
	case !m.Chat.Direct && len(chatTS) >= 20:
		return "", p.tooMany(chatTS[0].Add(time.Minute).Sub(now))
	}
	p.all = append(p.all, now)
	p.perChat[k] = append(chatTS, now)
	p.got = append(p.got, Delivered{At: now, Chat: m.Chat, Msg: m})
	return fmt.Sprint(len(p.got)), nil
}

func (p *Platform) tooMany(after time.Duration) error {
	p.n429++
	return &chat.RetryAfterError{After: time.Duration(math.Ceil(after.Seconds())) * time.Second}
}

// Deliveries returns what was accepted, in order.
func (p *Platform) Deliveries() []Delivered {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.got)
}

// Count429 returns how many sends were refused with 429.
func (p *Platform) Count429() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n429
}

// Overlaps returns how many sends to one chat overlapped in time.
func (p *Platform) Overlaps() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.overlap
}

// Edit implements chat.Editor: an edit counts against the same limits.
func (p *Platform) Edit(ctx context.Context, m bot.Outgoing, id string) error {
	if _, err := p.Send(ctx, m); err != nil {
		return err
	}
	p.mu.Lock()
	p.edits = append(p.edits, m.Text)
	p.mu.Unlock()
	return nil
}

// Edits returns the texts of the edits accepted.
func (p *Platform) Edits() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.edits)
}

// FirstTo returns when the first message whose text has prefix reached
// the chat with id chatID, and whether one did.
func FirstTo(got []Delivered, chatID, prefix string) (time.Time, bool) {
	for _, d := range got {
		if d.Chat.ID == chatID && strings.HasPrefix(d.Msg.Text, prefix) {
			return d.At, true
		}
	}
	return time.Time{}, false
}
