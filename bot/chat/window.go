package chat

import (
	"math"
	"time"
)

// Rate is a platform limit: at most N messages in any window of Per.
// The zero Rate means no limit.
type Rate struct {
	N   int
	Per time.Duration
}

// PerSecond turns "r messages a second" into a Rate: r ≥ 1 is
// round(r) a second, a smaller r is one message every 1/r seconds.
// r ≤ 0 is no limit.
func PerSecond(r float64) Rate {
	switch {
	case r <= 0:
		return Rate{}
	case r >= 1:
		return Rate{N: int(math.Round(r)), Per: time.Second}
	default:
		return Rate{N: 1, Per: time.Duration(float64(time.Second) / r)}
	}
}

// Unlimited reports whether r sets no limit.
func (r Rate) Unlimited() bool { return r.N <= 0 || r.Per <= 0 }

// window enforces a Rate as a sliding window over the times messages were
// sent. A message counts from the moment it is handed to the platform
// until Per after the platform answered, so a slow request never lets two
// messages land closer together than the platform allows. A window is
// used only by the deliverer's dispatch goroutine.
type window struct {
	rate     Rate
	reserve  int         // slots only pages may use, so a page never waits behind notices
	sent     []time.Time // answer times still inside the window, oldest first
	inflight int         // sent, not yet answered
}

func newWindow(r Rate) *window {
	if r.Unlimited() {
		return nil
	}
	return &window{rate: r, reserve: r.N / 10}
}

// readyAt returns the earliest time at or after now when one more message
// of class c may be sent; ok is false while only an answer to a message in
// flight can free a slot.
func (w *window) readyAt(now time.Time, c Class) (at time.Time, ok bool) {
	if w == nil {
		return now, true
	}
	w.prune(now)
	limit := w.rate.N
	if c != ClassPage {
		limit -= w.reserve
	}
	free := limit - w.inflight // slots not held by messages in flight
	if free <= 0 {
		return time.Time{}, false
	}
	if len(w.sent) < free {
		return now, true
	}
	return w.sent[len(w.sent)-free].Add(w.rate.Per), true
}

func (w *window) prune(now time.Time) {
	i := 0
	for i < len(w.sent) && now.Sub(w.sent[i]) >= w.rate.Per {
		i++
	}
	w.sent = w.sent[i:]
}

// take counts a message handed to the platform now.
func (w *window) take() {
	if w != nil {
		w.inflight++
	}
}

// done counts the platform's answer at time at.
func (w *window) done(at time.Time) {
	if w == nil {
		return
	}
	w.inflight--
	// Answers arrive nearly in order; keep the slice sorted.
	i := len(w.sent)
	w.sent = append(w.sent, at)
	for i > 0 && w.sent[i-1].After(at) {
		w.sent[i], w.sent[i-1] = w.sent[i-1], at
		i--
	}
}
