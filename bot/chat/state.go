package chat

import (
	"context"
	"errors"
	"fmt"

	"github.com/irbot/irbot/store"
)

// StateStore is where an adapter keeps its small state (offsets, thread
// ids, migrated chats): the store's key-value area. A store.Store is one.
type StateStore interface {
	Get(ctx context.Context, key string) (string, error)
	Commit(ctx context.Context, tx *store.Tx) error
}

// GetState reads an adapter's key, "" when it is not set.
func GetState(ctx context.Context, kv StateStore, key string) (string, error) {
	v, err := kv.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", key, err)
	}
	return v, nil
}

// PutState writes keys in one commit (an empty value deletes).
func PutState(ctx context.Context, kv StateStore, values map[string]string) error {
	if err := kv.Commit(ctx, &store.Tx{Put: values}); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}
