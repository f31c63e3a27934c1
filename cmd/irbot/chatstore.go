package main

import (
	"context"
	"errors"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/store"
)

// chatStore is the store as the chat layer sees it: the deliverer's outbox
// and the key-value state of the deliverer and the adapters. Get reads ""
// for a key that is not set; Put commits the keys alone.
type chatStore struct{ st store.Store }

var (
	_ chat.Outbox      = chatStore{}
	_ chat.KV          = chatStore{}
	_ chat.SeenChecker = chatStore{}
)

func (c chatStore) Get(ctx context.Context, key string) (string, error) {
	v, err := c.st.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return v, err
}

func (c chatStore) Put(ctx context.Context, values map[string]string) error {
	return c.st.Commit(ctx, &store.Tx{Put: values})
}

func (c chatStore) Seen(ctx context.Context, key string) (bool, error) { return c.st.Seen(ctx, key) }

func (c chatStore) OutboxAfter(ctx context.Context, after string, limit int) ([]bot.Outgoing, error) {
	return c.st.OutboxAfter(ctx, after, limit)
}

func (c chatStore) UpdateOutgoing(ctx context.Context, m bot.Outgoing) error {
	return c.st.UpdateOutgoing(ctx, m)
}

func (c chatStore) Delivered(ctx context.Context, id string) error { return c.st.Delivered(ctx, id) }
