package zalo_test

import (
	"context"
	"errors"

	"github.com/irbot/irbot/store"
)

// storeKV is the store as the chat layer sees it, the way cmd/irbot wires
// it: Get reads "" for a key that is not set, Put commits the keys alone.
type storeKV struct{ store.Store }

func (s storeKV) Get(ctx context.Context, key string) (string, error) {
	v, err := s.Store.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return v, err
}

func (s storeKV) Put(ctx context.Context, values map[string]string) error {
	return s.Commit(ctx, &store.Tx{Put: values})
}
