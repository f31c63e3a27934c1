package main

import (
	"context"

	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/redis"
)

// openRedis opens the Redis store at url.
func openRedis(ctx context.Context, url string) (store.Store, error) {
	s, err := redis.Open(ctx, url)
	if err != nil {
		return nil, err // not a nil *redis.Store inside a non-nil interface
	}
	return s, nil
}
