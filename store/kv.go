package store

import (
	"context"
	"errors"
)

// KV is a Store as the chat layer takes it (bot/chat's Outbox and KV): a
// key-value area where Get reads "" for a key that is not set and Put
// commits the keys alone, and the outbox and seen keys as they are. It is
// the one adapter between the two; cmd/irbot and the tests use it alike.
type KV struct{ Store }

// Get returns the value of key, "" when it is not set.
func (k KV) Get(ctx context.Context, key string) (string, error) {
	v, err := k.Store.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	return v, err
}

// Put sets values (an empty value deletes its key) in one commit.
func (k KV) Put(ctx context.Context, values map[string]string) error {
	return k.Commit(ctx, &Tx{Put: values})
}
