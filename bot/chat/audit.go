package chat

import (
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/irbot/irbot/bot"
)

// Defaults of RefusalAuditOptions.
const (
	DefaultRefusalWindow    = time.Minute
	DefaultRefusalPerWindow = 10
)

// Refusal is one webhook request refused for its credentials (a missing
// or wrong secret, a bad or stale signature), as an audit entry records it.
type Refusal struct {
	At       time.Time
	Platform string // "telegram", "zalo", "slack"
	Remote   string // the request's remote address (host:port)
	Reason   string // in a few words, e.g. "missing or wrong secret"
	// Suppressed counts the refusals on Platform that were not recorded
	// since the platform's previous entry (rate limited).
	Suppressed int
}

// Data is the refusal as audit entry data: platform, remote, reason, and
// suppressed when it is not zero.
func (r Refusal) Data() map[string]string {
	d := map[string]string{"platform": r.Platform, "remote": r.Remote}
	if r.Reason != "" {
		d["reason"] = r.Reason
	}
	if r.Suppressed > 0 {
		d["suppressed"] = strconv.Itoa(r.Suppressed)
	}
	return d
}

// RefusalAuditOptions tune a RefusalAudit; the zero value (or nil) means
// the defaults.
type RefusalAuditOptions struct {
	// Window is the period the limits count over (default one minute).
	Window time.Duration
	// PerWindow bounds the entries of one platform in a Window, over all
	// remote hosts (default 10).
	PerWindow int
	// Clock tells the time (default the system clock).
	Clock bot.Clock
}

// RefusalAudit turns refused webhook requests into audit entries at a
// bounded rate, so that a flood of forgeries cannot grow the audit log
// without bound, while every refusal is still counted. Per platform:
//
//   - at most one entry per remote host per Window (the port is ignored:
//     each connection has its own);
//   - at most PerWindow entries per Window over all hosts, so that a
//     flood from many addresses is bounded too;
//   - a refusal not recorded is counted, and the count goes into the
//     platform's next entry as Refusal.Suppressed.
//
// So a platform adds at most PerWindow entries per Window whatever comes
// in (2×PerWindow across a window boundary), and no refusal goes
// uncounted, though the count of the last ones waits for the next
// refusal. Behind a reverse proxy every request has the proxy's address,
// and the flood is one entry per Window. Memory holds one time per host
// recorded in the last Window. A RefusalAudit is safe for concurrent use;
// one is shared by every platform.
type RefusalAudit struct {
	record    func(Refusal)
	window    time.Duration
	perWindow int
	clock     bot.Clock

	mu        sync.Mutex
	platforms map[string]*refusalCounts
	hosts     map[string]time.Time // platform + " " + host -> time of its last entry
	nextPrune time.Time
}

// refusalCounts is one platform's state.
type refusalCounts struct {
	windowStart time.Time
	entries     int // recorded in the current window
	suppressed  int // not recorded since the last entry
}

// NewRefusalAudit returns a RefusalAudit that calls record for each
// refusal it lets through (record must be safe for concurrent use; it is
// called without any lock held, in the caller's goroutine).
func NewRefusalAudit(record func(Refusal), o *RefusalAuditOptions) *RefusalAudit {
	var opt RefusalAuditOptions
	if o != nil {
		opt = *o
	}
	if opt.Window <= 0 {
		opt.Window = DefaultRefusalWindow
	}
	if opt.PerWindow <= 0 {
		opt.PerWindow = DefaultRefusalPerWindow
	}
	if opt.Clock == nil {
		opt.Clock = bot.SystemClock{}
	}
	if record == nil {
		record = func(Refusal) {}
	}
	return &RefusalAudit{record: record, window: opt.Window, perWindow: opt.PerWindow, clock: opt.Clock,
		platforms: map[string]*refusalCounts{}, hosts: map[string]time.Time{}}
}

// Refused reports a request on platform from remote refused for reason.
// It returns whether the refusal was recorded (false: counted into the
// platform's next entry).
func (a *RefusalAudit) Refused(platform, remote, reason string) bool {
	now := a.clock.Now()
	host := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		host = h
	}
	key := platform + " " + host

	a.mu.Lock()
	a.pruneLocked(now)
	p := a.platforms[platform]
	if p == nil {
		p = &refusalCounts{windowStart: now}
		a.platforms[platform] = p
	}
	if now.Sub(p.windowStart) >= a.window {
		p.windowStart, p.entries = now, 0
	}
	last, seen := a.hosts[key]
	if (seen && now.Sub(last) < a.window) || p.entries >= a.perWindow {
		p.suppressed++
		a.mu.Unlock()
		return false
	}
	a.hosts[key] = now
	p.entries++
	r := Refusal{At: now, Platform: platform, Remote: remote, Reason: reason, Suppressed: p.suppressed}
	p.suppressed = 0
	a.mu.Unlock()

	a.record(r)
	return true
}

// pruneLocked forgets hosts whose last entry is a Window old, at most
// once per Window.
func (a *RefusalAudit) pruneLocked(now time.Time) {
	if now.Before(a.nextPrune) {
		return
	}
	for k, t := range a.hosts {
		if now.Sub(t) >= a.window {
			delete(a.hosts, k)
		}
	}
	a.nextPrune = now.Add(a.window)
}
