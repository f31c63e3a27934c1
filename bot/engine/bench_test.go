package engine_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/engine/enginetest"
)

// reportLatency adds p50/p99 (µs) and commands/s to a benchmark's output.
func reportLatency(b *testing.B, lat []time.Duration, elapsed time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) == 0 {
		return
	}
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "cmds/s")
}

// BenchmarkHandleNote measures one full command on the bbolt store: parse,
// load, FSM, hash-chain, commit (fsync) with the reply in the outbox.
func BenchmarkHandleNote(b *testing.B) {
	h := enginetest.New(b, "en", nil)
	ctx := context.Background()
	h.Engine.Handle(ctx, bot.Inbound{Platform: "console", Chat: soc, User: "an", Text: "/declare outage Bench"})
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := h.Engine.Handle(ctx, bot.Inbound{Platform: "console", Chat: soc, User: "an", Text: "/note IR-1 progress", ID: fmt.Sprint(i)}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	reportLatency(b, lat, time.Since(start))
}

// BenchmarkHandleParallel runs commands on 8 incidents from 8 goroutines.
func BenchmarkHandleParallel(b *testing.B) {
	h := enginetest.New(b, "en", nil)
	ctx := context.Background()
	const incidents = 8
	for i := 0; i < incidents; i++ {
		h.Engine.Handle(ctx, bot.Inbound{Platform: "console", Chat: bot.ChatRef{Platform: "console", ID: fmt.Sprint("c", i)}, User: "an", Text: "/declare outage Bench"})
	}
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	per := b.N/incidents + 1
	for w := 0; w < incidents; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			local := make([]time.Duration, 0, per)
			for i := 0; i < per; i++ {
				t0 := time.Now()
				err := h.Engine.Handle(ctx, bot.Inbound{Platform: "console", Chat: soc, User: "an",
					Text: fmt.Sprintf("/note IR-%d progress", w+1), ID: fmt.Sprint(w, "-", i)})
				if err != nil {
					b.Error(err)
					return
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	reportLatency(b, lat, time.Since(start))
}
