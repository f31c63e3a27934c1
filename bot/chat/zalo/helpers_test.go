package zalo_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/zalo"
	"github.com/irbot/irbot/bot/chat/zalo/zalotest"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/bolt"
)

// wait bounds every wait for the bot to do something.
const wait = 10 * time.Second

// logBuffer is a concurrency-safe log sink, checked for leaked secrets.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newLogger returns a debug logger into a buffer that is checked, when the
// test ends, for the token and the given secrets.
func newLogger(t *testing.T, secrets ...string) (*slog.Logger, *logBuffer) {
	t.Helper()
	buf := &logBuffer{}
	t.Cleanup(func() {
		for _, s := range secrets {
			if s != "" && strings.Contains(buf.String(), s) {
				t.Errorf("a secret leaked into the logs:\n%s", buf.String())
			}
		}
		if t.Failed() {
			t.Logf("logs:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// openStore opens a bolt store in dir, closed when the test ends (closing
// twice is harmless).
func openStore(t *testing.T, dir string) store.Store {
	t.Helper()
	st, err := bolt.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// newAdapter makes an adapter on fake with cfg (token and URL filled in).
func newAdapter(t *testing.T, fake *zalotest.Server, cfg zalo.Config, st store.Store, log *slog.Logger) *zalo.Adapter {
	t.Helper()
	cfg.Token = fake.Token()
	cfg.APIURL = fake.URL()
	if cfg.PollTimeout == 0 {
		cfg.PollTimeout = time.Second
	}
	ad, err := zalo.New(context.Background(), cfg, store.KV{Store: st}, log)
	if err != nil {
		t.Fatal(err)
	}
	return ad
}

// receive runs ad.Receive with h until the returned stop is called (or
// the test ends); stop waits for Receive to return and returns its error
// (nil when it ended because of stop).
func receive(t *testing.T, ad *zalo.Adapter, h chat.Handler) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ad.Receive(ctx, h) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			err = <-done
			if errors.Is(err, context.Canceled) {
				err = nil
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// recorder is a handler that keeps what it is given and can be told to
// fail.
type recorder struct {
	mu   sync.Mutex
	got  []bot.Inbound
	fail func(in bot.Inbound, n int) error
	n    int
	wake chan struct{}
}

func newRecorder() *recorder { return &recorder{wake: make(chan struct{}, 1000)} }

func (r *recorder) handle(ctx context.Context, in bot.Inbound) error {
	r.mu.Lock()
	r.n++
	n := r.n
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		if err := fail(in, n); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.got = append(r.got, in)
	r.mu.Unlock()
	r.wake <- struct{}{}
	return nil
}

func (r *recorder) inbound() []bot.Inbound {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Inbound(nil), r.got...)
}

// waitN waits until the recorder holds n messages.
func (r *recorder) waitN(t *testing.T, n int) []bot.Inbound {
	t.Helper()
	deadline := time.After(wait)
	for {
		if got := r.inbound(); len(got) >= n {
			return got
		}
		select {
		case <-r.wake:
		case <-deadline:
			t.Fatalf("handler got %d messages, want %d: %+v", len(r.inbound()), n, r.inbound())
		}
	}
}

// eventually polls cond until it holds or wait passes, for conditions
// nothing signals.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}
