package bench

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// result is one row of the table: the latencies one scenario measured.
type result struct {
	Scenario string          // what was measured, as the table shows it
	Key      string          // prefix of its benchmark metrics, e.g. "page"
	Samples  []time.Duration // one per page (or reply) that arrived
	Expected int             // how many should have arrived
	N429     int             // requests the fake Bot API answered 429 during the run
	Goal     string          // the goal, as the table shows it
	// OK reports whether the latencies meet the goal (nil: no latency goal).
	// Every goal also asks for 0 × 429 and nothing lost.
	OK func(p50, p99, max time.Duration) bool
}

// Lost is how many expected pages or replies never arrived.
func (r result) Lost() int { return r.Expected - len(r.Samples) }

// quantile returns the q-quantile (0 < q ≤ 1) of the samples by the
// nearest-rank method, and 0 without samples.
func quantile(samples []time.Duration, q float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	k := int(float64(len(s))*q+0.999999) - 1
	return s[min(max(k, 0), len(s)-1)]
}

// Stats returns p50, p99 and the maximum.
func (r result) Stats() (p50, p99, mx time.Duration) {
	return quantile(r.Samples, 0.50), quantile(r.Samples, 0.99), quantile(r.Samples, 1)
}

// Met reports whether the row meets its goal.
func (r result) Met() bool {
	if r.N429 != 0 || r.Lost() != 0 || len(r.Samples) == 0 {
		return false
	}
	if r.OK == nil {
		return true
	}
	return r.OK(r.Stats())
}

// ms formats d in milliseconds below 10 s, else in seconds.
func ms(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// printTable writes the results as one markdown table, with the core
// count, followed by the notes.
func printTable(w io.Writer, rows []result, notes []string) {
	fmt.Fprintf(w, "\nirbot delivery benchmark: %d cores (runtime.NumCPU), %s %s/%s; fake Bot API at Telegram's limits (1/s per chat, 20/min per group, 30/s in all)\n\n",
		runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintln(w, "| cores | scenario | p50 | p99 | max | count | 429s | lost | goal | met |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|---:|---:|---|---|")
	for _, r := range rows {
		p50, p99, mx := r.Stats()
		met := "no"
		if r.Met() {
			met = "yes"
		}
		fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %d | %d | %d | %s | %s |\n", runtime.NumCPU(), r.Scenario,
			ms(p50), ms(p99), ms(mx), len(r.Samples), r.N429, r.Lost(), r.Goal, met)
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, strings.Join(notes, "\n"))
	}
	fmt.Fprintln(w)
}

func TestQuantile(t *testing.T) {
	var s []time.Duration
	for i := 100; i >= 1; i-- {
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}} {
		if got := quantile(s, c.q); got != c.want {
			t.Errorf("quantile(1..100 ms, %v) = %s, want %s", c.q, got, c.want)
		}
	}
	if got := quantile(s[:1], 0.99); got != 100*time.Millisecond {
		t.Errorf("quantile of one sample = %s", got)
	}
	if got := quantile(nil, 0.5); got != 0 {
		t.Errorf("quantile of none = %s", got)
	}
}
