package redis

import (
	"context"
	"encoding/json"
	"fmt"

	goredis "github.com/redis/go-redis/v9"

	"github.com/irbot/irbot/bot"
)

// OutboxAfter implements store.Store: the ids after after by score, then
// their messages. A message delivered between the two reads is skipped.
func (s *Store) OutboxAfter(ctx context.Context, after string, limit int) ([]bot.Outgoing, error) {
	if limit <= 0 {
		return nil, nil
	}
	min := "-inf"
	if after != "" {
		if err := checkOutboxID(after); err != nil {
			return nil, err
		}
		min = "(" + after
	}
	ids, err := s.rdb.ZRangeByScore(ctx, s.k.outboxOrder, &goredis.ZRangeBy{Min: min, Max: "+inf", Count: int64(limit)}).Result()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	raw, err := s.rdb.HMGet(ctx, s.k.outbox, ids...).Result()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := make([]bot.Outgoing, 0, len(raw))
	for _, v := range raw {
		str, ok := v.(string)
		if !ok {
			continue
		}
		var m bot.Outgoing
		if err := json.Unmarshal([]byte(str), &m); err != nil {
			return nil, fmt.Errorf("decode outbox message: %w", err)
		}
		out = append(out, m)
	}
	return out, nil
}
