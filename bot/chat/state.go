package chat

import "context"

// KV is where the delivery layer and the adapters keep their small state
// between runs: update offsets, thread ids, migrated chats, long button
// data, the message id of each card. cmd/irbot gives them the store's
// key-value area. Implementations are safe for concurrent use.
type KV interface {
	// Get returns key's value, "" when it is not set.
	Get(ctx context.Context, key string) (string, error)
	// Put sets every key of values in one atomic write; an empty value
	// deletes its key.
	Put(ctx context.Context, values map[string]string) error
}

// SeenChecker is implemented by a KV that can also tell whether an
// idempotency key was recorded (the engine records "in:<platform>:<id>" for
// each inbound message it handled). An adapter that may be given one
// message twice finds it by type assertion and skips what was handled; the
// engine ignores a duplicate anyway, so without it nothing is lost.
type SeenChecker interface {
	// Seen reports whether key was recorded.
	Seen(ctx context.Context, key string) (bool, error)
}
