// Package store defines the contract every irbot storage backend keeps, and
// its errors. Backends live in subpackages (bolt, redis) and are held to one
// standard by the conformance suite in storetest.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/irbot/irbot/bot"
)

// Errors returned by every backend; check them with errors.Is.
var (
	// ErrNotFound: no such incident or key.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the incident changed since it was read (another writer
	// committed first). Reload and retry.
	ErrConflict = errors.New("conflict: incident changed concurrently")
	// ErrDuplicate: one of the commit's Seen keys was already recorded, so
	// this input was handled before. Nothing was written.
	ErrDuplicate = errors.New("duplicate: already handled")
	// ErrUnavailable: the backend cannot serve the request now but may soon
	// (connection refused or lost, a timeout, a failover or cluster
	// reconfiguration under way). It wraps the cause. Retry later; an HTTP
	// caller answers 503 with Retry-After. A Commit that fails with it may or
	// may not have been applied, so retry it with its Seen keys.
	ErrUnavailable = errors.New("store unavailable")
)

// Tx is everything one action writes, committed atomically: all of it or
// none of it.
type Tx struct {
	// Incident is the new snapshot, or nil when the action changes no
	// incident (a read-only command's reply). Its Version must equal the
	// stored version (0 for a new incident); on success Commit increments it.
	Incident *bot.Incident
	// Events are appended to Incident's timeline. Their Seq must continue
	// the stored timeline (bot.Chain fills them).
	Events []bot.Event
	// Outbox messages to deliver; Commit assigns their IDs in order.
	Outbox []bot.Outgoing
	// SetTimers are created or replaced by ID.
	SetTimers []bot.Timer
	// CancelTimers are deleted by ID; missing ones are ignored.
	CancelTimers []string
	// Seen are idempotency keys (platform update ids, alert fingerprints,
	// fired timer ids). If any is already recorded the commit fails with
	// ErrDuplicate; otherwise they are recorded.
	Seen []string
	// Put sets small values in the key-value area (offsets, link codes);
	// an empty value deletes the key.
	Put map[string]string
	// TakeID, when set, names the sequence Incident.ID is taken from inside
	// this commit, so that a failed commit uses up no number. Incident must
	// be new (Version 0) and its ID the number PeekID returned: unless the
	// sequence's last number is still Incident.ID-1 the commit fails with
	// ErrConflict and writes nothing (another writer took the number; peek
	// again and rebuild). On success the sequence's last number is
	// Incident.ID. Only stores that implement IDPeeker honour TakeID; set it
	// only after finding that capability.
	TakeID string
}

// Leaser is implemented by stores that several processes share: a named
// lease that one owner holds at a time, for work that must run in one
// replica only (delivering the outbox, polling a platform for updates). A
// store used by one process (bbolt: the file is locked) needs none.
type Leaser interface {
	// Lease takes or renews name for owner until ttl from now; false when
	// another owner holds it.
	Lease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	// Release gives name up if owner holds it.
	Release(ctx context.Context, name, owner string) error
}

// IDPeeker is implemented by stores whose Commit honours Tx.TakeID:
// sequence numbers taken that way have no gaps, because a number is only
// used up by the commit that records it.
type IDPeeker interface {
	// PeekID returns the number NextID would return next for seq (1 for a
	// new sequence) without taking it.
	PeekID(ctx context.Context, seq string) (int64, error)
}

// Store is the storage contract. Implementations are safe for concurrent
// use by several goroutines and, for shared backends, several processes.
type Store interface {
	// NextID returns the next number of the named sequence (1, 2, …).
	// Numbers are never reused; gaps are possible.
	NextID(ctx context.Context, seq string) (int64, error)
	// Incident returns the snapshot of incident id, or ErrNotFound.
	Incident(ctx context.Context, id int64) (*bot.Incident, error)
	// Incidents returns every incident, ordered by id. With open set, only
	// those still needing work.
	Incidents(ctx context.Context, open bool) ([]*bot.Incident, error)
	// Timeline returns incident id's events with Seq > after, in order.
	Timeline(ctx context.Context, id int64, after int64) ([]bot.Event, error)
	// Commit writes tx atomically. See Tx for ErrConflict and ErrDuplicate.
	Commit(ctx context.Context, tx *Tx) error
	// Seen reports whether an idempotency key was recorded.
	Seen(ctx context.Context, key string) (bool, error)
	// Get returns a key-value entry, or ErrNotFound.
	Get(ctx context.Context, key string) (string, error)

	// Outbox returns up to limit undelivered messages in commit order.
	Outbox(ctx context.Context, limit int) ([]bot.Outgoing, error)
	// OutboxAfter returns up to limit undelivered messages committed after
	// message id after ("" = from the first), in commit order. Message ids
	// are decimal numbers that grow with every commit.
	OutboxAfter(ctx context.Context, after string, limit int) ([]bot.Outgoing, error)
	// UpdateOutgoing rewrites a message still in the outbox (attempt
	// counts); a message no longer there is ignored.
	UpdateOutgoing(ctx context.Context, m bot.Outgoing) error
	// Delivered removes message id from the outbox. Removing a missing one
	// is not an error.
	Delivered(ctx context.Context, id string) error

	// ClaimTimers returns up to limit timers due at or before now that are
	// not leased by someone else, and leases them to owner until now+lease.
	// A claimed timer stays stored until a commit cancels it; if its owner
	// dies the lease runs out and another claims it (at-least-once).
	ClaimTimers(ctx context.Context, now time.Time, owner string, lease time.Duration, limit int) ([]bot.Timer, error)
	// NextTimer returns the earliest due time, ok=false when there are no
	// timers.
	NextTimer(ctx context.Context) (due time.Time, ok bool, err error)
	// Timers returns every stored timer in due order (for status and tests).
	Timers(ctx context.Context) ([]bot.Timer, error)

	// Close releases the store.
	Close() error
}
