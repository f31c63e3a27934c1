package main

import (
	"os"
	"strings"
	"sync"
	"time"

	"github.com/irbot/irbot/bot"
)

// testClockEnv names a file whose content, a Go duration ("90s", "2h"), is
// how far the binary's clock runs ahead of the wall clock. Tests write it
// to fast-forward a running irbot through timers. Off unless set; never
// for production.
const testClockEnv = "IRBOT_TEST_CLOCK"

// offsetClock is the wall clock plus the offset in a file, re-read when
// the file changes.
type offsetClock struct {
	path string

	mu     sync.Mutex
	mod    time.Time
	size   int64
	offset time.Duration
}

// Now implements bot.Clock.
func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, err := os.Stat(c.path); err == nil && (!st.ModTime().Equal(c.mod) || st.Size() != c.size) {
		if b, err := os.ReadFile(c.path); err == nil {
			if d, err := time.ParseDuration(strings.TrimSpace(string(b))); err == nil {
				c.offset, c.mod, c.size = d, st.ModTime(), st.Size()
			}
		}
	}
	return time.Now().Add(c.offset)
}

// clockFromEnv returns the test clock when IRBOT_TEST_CLOCK is set, else
// the system clock.
func clockFromEnv() (bot.Clock, bool) {
	if p := os.Getenv(testClockEnv); p != "" {
		return &offsetClock{path: p}, true
	}
	return bot.SystemClock{}, false
}
