package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/irbot/irbot/store"
)

// leaseTTL is how long a replica holds a lease without renewing it: when
// a replica dies, another takes its work over within this.
const leaseTTL = 15 * time.Second

// whileLeased runs f for as long as this process holds the named lease of
// a shared store (several replicas on Redis), taking it when it is free
// and stopping f when it is lost; on a store only one process uses, it
// just runs f. Work that must happen in one replica only goes through it:
// delivering the outbox, polling a platform for updates.
func whileLeased(ctx context.Context, st store.Store, name, owner string, log *slog.Logger, f func(ctx context.Context)) {
	l, ok := st.(store.Leaser)
	if !ok {
		f(ctx)
		return
	}
	for ctx.Err() == nil {
		got, err := l.Lease(ctx, name, owner, leaseTTL)
		if err != nil || !got {
			sleep(ctx, leaseTTL/3)
			continue
		}
		log.Info("this replica holds the lease now", "lease", name)
		lctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); f(lctx) }()
		tick := time.NewTicker(leaseTTL / 3)
	renew:
		for {
			select {
			case <-done:
				break renew
			case <-ctx.Done():
				break renew
			case <-tick.C:
				if ok, err := l.Lease(ctx, name, owner, leaseTTL); err != nil || !ok {
					log.Warn("lease lost; another replica takes the work over", "lease", name, "err", err)
					break renew
				}
			}
		}
		tick.Stop()
		cancel()
		<-done
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		l.Release(rctx, name, owner)
		rcancel()
	}
}
