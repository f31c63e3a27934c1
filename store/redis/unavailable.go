package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	goredis "github.com/redis/go-redis/v9"

	"github.com/irbot/irbot/store"
)

// transient reports whether err says Redis cannot serve the request now
// but may soon: the connection was refused, lost or timed out, or the
// server is loading, read-only, or in the middle of a failover or a
// cluster change. Context cancellation and a closed client are not
// transient: they are the caller's doing.
func transient(err error) bool {
	switch {
	case err == nil,
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, goredis.ErrClosed):
		return false
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, goredis.ErrPoolTimeout), errors.Is(err, goredis.ErrPoolExhausted),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true // dial failures, timeouts, resets
	}
	if goredis.IsLoadingError(err) || goredis.IsReadOnlyError(err) || goredis.IsClusterDownError(err) ||
		goredis.IsTryAgainError(err) || goredis.IsMasterDownError(err) || goredis.IsMaxClientsError(err) {
		return true
	}
	if _, ok := goredis.IsMovedError(err); ok {
		return true
	}
	if _, ok := goredis.IsAskError(err); ok {
		return true
	}
	// NOREPLICAS: min-replicas-to-write not met; BUSY: a script runs too
	// long; UNBLOCKED: a blocked WAIT cut short by a role change.
	for _, p := range []string{"NOREPLICAS", "BUSY", "UNBLOCKED"} {
		if goredis.HasErrorPrefix(err, p) {
			return true
		}
	}
	msg := err.Error()
	for _, s := range []string{
		"all sentinels specified in configuration are unreachable",
		"cluster has no nodes",
	} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// fail returns err as the Store reports it: wrapped with
// store.ErrUnavailable when it is transient (and then, on a cluster, the
// client is told to reload the slot map, since a failover may have moved
// the store's slot), unchanged otherwise. The operation's name is left to
// the caller, who knows what it was doing.
func (s *Store) fail(ctx context.Context, err error) error {
	if err == nil || !transient(err) || errors.Is(err, store.ErrUnavailable) {
		return err
	}
	s.reload(ctx)
	return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
}

// reload asks a cluster client to reload the slot map in the background.
// go-redis does this on MOVED, but not when the slot's master stops
// answering, so without it a failed-over cluster would be noticed only by
// the periodic refresh.
func (s *Store) reload(ctx context.Context) {
	if cc, ok := s.rdb.(*goredis.ClusterClient); ok {
		cc.ReloadState(ctx)
	}
}
