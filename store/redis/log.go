package redis

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// SetLogger sends go-redis's own log lines (dial failures, sentinel and
// cluster events), which it otherwise prints as plain text on stderr, to
// l as structured records with a level. go-redis keeps one logger for the
// whole process, so call SetLogger once, at start, before any store is
// opened; it is not safe to call while clients run.
func SetLogger(l *slog.Logger) { goredis.SetLogger(NewLogger(l)) }

// Logger adapts a *slog.Logger to go-redis's logging interface (Printf).
// Known messages become records with a short message and attributes:
// sentinel master switches and discoveries at Info, failures at Warn.
// Anything else is logged whole at Warn, since go-redis only speaks up
// about trouble. Every record carries component=redis. Safe for
// concurrent use.
type Logger struct{ l *slog.Logger }

// NewLogger returns a Logger writing to l.
func NewLogger(l *slog.Logger) *Logger { return &Logger{l: l.With("component", "redis")} }

// logFormats maps the go-redis format strings worth a record of their own
// to its level, message and attribute names (one per verb).
var logFormats = map[string]struct {
	level slog.Level
	msg   string
	attrs []string
}{
	"sentinel: new master=%q addr=%q":                                             {slog.LevelInfo, "redis sentinel: new master", []string{"master", "addr"}},
	"sentinel: selected addr=%s masterAddr=%s":                                    {slog.LevelInfo, "redis sentinel: master found", []string{"sentinel", "addr"}},
	"sentinel: discovered new sentinel=%q for master=%q":                          {slog.LevelInfo, "redis sentinel: new sentinel", []string{"sentinel", "master"}},
	"pubsub: reconnecting to new endpoint %s (was %s)":                            {slog.LevelInfo, "redis: pubsub moved", []string{"addr", "was"}},
	"redis: connection pool: failed to dial after %d attempts: %v":                {slog.LevelWarn, "redis: cannot connect", []string{"attempts", "err"}},
	"sentinel: GetMasterAddrByName name=%q failed: %s":                            {slog.LevelWarn, "redis sentinel: master lookup failed", []string{"master", "err"}},
	"sentinel: GetMasterAddrByName addr=%s, master=%q failed: %s":                 {slog.LevelWarn, "redis sentinel: master lookup failed", []string{"sentinel", "master", "err"}},
	"sentinel: Sentinels master=%q failed: %s":                                    {slog.LevelWarn, "redis sentinel: sentinel discovery failed", []string{"master", "err"}},
	"sentinel: Replicas name=%q failed: %s":                                       {slog.LevelWarn, "redis sentinel: replica lookup failed", []string{"master", "err"}},
	"sentinel: Replicas master=%q failed: %s":                                     {slog.LevelWarn, "redis sentinel: replica lookup failed", []string{"master", "err"}},
	"redis: connection pool: failed to get a usable connection after %d attempts": {slog.LevelWarn, "redis: no usable connection", []string{"attempts"}},
}

// Printf implements go-redis's logging interface.
func (g *Logger) Printf(ctx context.Context, format string, v ...any) {
	if ctx == nil {
		ctx = context.Background()
	}
	if f, ok := logFormats[format]; ok && len(f.attrs) == len(v) {
		if !g.l.Enabled(ctx, f.level) {
			return
		}
		args := make([]any, 0, 2*len(v))
		for i, a := range f.attrs {
			val := v[i]
			if err, ok := val.(error); ok {
				val = err.Error()
			}
			args = append(args, a, val)
		}
		g.l.Log(ctx, f.level, f.msg, args...)
		return
	}
	level := slog.LevelWarn
	if strings.HasPrefix(format, "sentinel: ") && !strings.Contains(format, "failed") {
		level = slog.LevelInfo
	}
	if !g.l.Enabled(ctx, level) {
		return
	}
	msg := fmt.Sprintf(format, v...)
	if !strings.HasPrefix(msg, "redis") {
		msg = "redis: " + msg
	}
	g.l.Log(ctx, level, msg)
}
