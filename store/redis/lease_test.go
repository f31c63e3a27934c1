package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/irbot/irbot/store/redis"
	"github.com/irbot/irbot/store/redis/redistest"
)

// TestLeaseOneHolderAtATime: two stores on one Redis (two replicas) never
// hold a lease at once; the holder renews it; it passes on when released
// or when it runs out.
func TestLeaseOneHolderAtATime(t *testing.T) {
	url := "redis://" + redistest.StartPrivate(t)
	ctx := context.Background()
	a, err := redis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := redis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	take := func(s *redis.Store, owner string, ttl time.Duration) bool {
		ok, err := s.Lease(ctx, "deliver", owner, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !take(a, "A", time.Second) || take(b, "B", time.Second) {
		t.Fatal("both hold the lease, or the first could not take it")
	}
	if !take(a, "A", 300*time.Millisecond) {
		t.Fatal("the holder could not renew")
	}
	time.Sleep(400 * time.Millisecond)
	if !take(b, "B", time.Second) {
		t.Fatal("the lease did not pass on when it ran out")
	}
	if err := a.Release(ctx, "deliver", "A"); err != nil || !take(b, "B", time.Second) {
		t.Fatal("a release by a non-holder took the lease away")
	}
	if err := b.Release(ctx, "deliver", "B"); err != nil || !take(a, "A", time.Second) {
		t.Fatal("released, but not free")
	}
}
