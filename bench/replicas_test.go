package bench

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	bbolt "go.etcd.io/bbolt"

	"github.com/irbot/irbot/store/bolt"
	"github.com/irbot/irbot/store/redis"
	"github.com/irbot/irbot/store/redis/redistest"
)

var (
	replicasDuration = flag.Duration("replicas.duration", 8*time.Second, "how long BenchmarkReplicas posts alerts to each configuration in each round")
	replicasWarmup   = flag.Duration("replicas.warmup", time.Second, "how long BenchmarkReplicas posts alerts, unmeasured, before each measurement")
	replicasClients  = flag.Int("replicas.clients", 16, "concurrent HTTP clients in BenchmarkReplicas")
	replicasRounds   = flag.Int("replicas.rounds", 2, "how many times BenchmarkReplicas runs its sequence of configurations")
	replicasBin      = flag.String("replicas.bin", "", "an irbot binary for BenchmarkReplicas to run instead of building ./cmd/irbot (to compare two builds)")
)

// replicasConfig is the whole "irbot serve" configuration of
// BenchmarkReplicas: one Alertmanager route (the one serve_test.go's alert
// posts to), a roster of two, the escalation policies the built-in
// playbooks name, and no chat platform. Its people and chat have Telegram
// ids, but Telegram is off: the engine sees that and records "could not
// page" in the incident's own commit, with nothing left in the outbox.
// The levels wait an hour, so no timer fires during the run. %[1]s is the
// data directory, %[2]s the store URL ("" = bbolt in the data directory).
const replicasConfig = `data_dir: %[1]q
store: %[2]q
language: en
playbooks_dir: ""
http: {listen: "127.0.0.1:0"}
people:
  - {id: an, name: An, ids: {telegram: "111"}}
  - {id: binh, name: Binh, ids: {telegram: "222"}}
chats:
  - {id: soc, purpose: response, ids: {telegram: "-1001"}}
rosters:
  - {id: duty, layers: [{rotation: daily, handoff: "07:30", members: [an, binh]}]}
escalation:
  - {id: ops, levels: [{targets: [roster:duty], after: 1h}, {targets: [person:an], after: 1h}]}
  - {id: security, levels: [{targets: [roster:duty], after: 1h}]}
alerts:
  routes:
    - {id: prometheus, kind: alertmanager, token_env: IRBOT_ALERT_TOKEN, chat: soc, escalation: ops}
`

// backend is one store that configurations of BenchmarkReplicas share:
// the bbolt file, the Sentinel set or the Cluster. It lives for the whole
// benchmark, so it grows from round to round as a real store does.
type backend struct {
	name    string // as the table shows it
	url     string // the store URL; "" for bbolt
	dir     string // data_dir (bbolt's file is there)
	config  string // path of the config file
	masters []*redistest.Server
	nodes   []*redistest.Server // every Redis process: data nodes and sentinels
	memBase map[string]int64    // used_memory of each master before any irbot
	opened  atomic.Int64        // incidents opened in it, warm-ups included
}

// sample is what one configuration measured in one round.
type sample struct {
	ok, errs  int
	elapsed   time.Duration
	latencies []time.Duration
	errText   map[string]int
	cpuIrbot  time.Duration // the replicas' CPU time during the measurement
	cpuRedis  time.Duration // every Redis process's, sentinels included
	cpuClient time.Duration // this process's (the HTTP clients)
	busy      float64       // share of the machine's CPU time in use, 0 to 1
	others    float64       // share of it used by processes not in the run
}

func (s sample) rate() float64 { return float64(s.ok) / s.elapsed.Seconds() }

// BenchmarkReplicas measures alert intake, POST /alerts/prometheus with
// one Alertmanager v4 alert per request, each alert its own group so that
// each opens an incident, through the built binary on one machine:
// one replica on the embedded bbolt store; 1, 2 and 3 replicas on a
// Sentinel set (master, replica, 3 sentinels, AOF on); 1, 2 and 3 on a
// Redis Cluster of 3 masters and 3 replicas. A fixed number of clients
// (-replicas.clients) post round-robin over the replicas for a fixed time
// (-replicas.duration) after an unmeasured warm-up; the configurations run
// in sequence, and the sequence runs -replicas.rounds times (interleaved,
// so that drift in the machine touches each alike). It prints one table of
// medians over the rounds, notes on CPU time and on each round, and the
// store's size per incident after the run. Use -benchtime=1x; the default
// run takes about three minutes. -replicas.bin runs another build (say, of
// the previous commit) instead of ./cmd/irbot, to compare two.
//
// It is skipped when redis-server is missing or cannot run as a cluster
// node or a sentinel.
func BenchmarkReplicas(b *testing.B) {
	// go-redis's own lines (dial retries while a server starts, finding
	// the master) are not the benchmark's output.
	redis.SetLogger(slog.New(slog.DiscardHandler))
	if err := redisSupport(b); err != nil {
		// On stdout too: go test shows a benchmark's skip reason only with -v.
		msg := fmt.Sprintf("BenchmarkReplicas skipped: it needs redis-server with cluster and sentinel support: %v", err)
		fmt.Println(msg)
		b.Skip(msg)
	}
	if *replicasBin == "" {
		binary(b) // build before any server starts
	}
	boltB := newBackend(b, "bbolt", "")
	set := redistest.StartSentinelSet(b, "irbot")
	sentB := newBackend(b, "sentinel", set.URL())
	sentB.masters = []*redistest.Server{set.Master}
	sentB.nodes = append([]*redistest.Server{set.Master, set.Replica}, set.Sentinels...)
	cl := redistest.StartHACluster(b, 3, 1)
	clusB := newBackend(b, "cluster", cl.URL())
	clusB.masters = cl.Nodes[:3]
	clusB.nodes = cl.Nodes
	for _, bk := range []*backend{sentB, clusB} {
		bk.memBase = usedMemory(b, bk.masters)
	}

	type config struct {
		bk       *backend
		replicas int
		rounds   []sample
	}
	configs := []*config{{bk: boltB, replicas: 1}}
	for _, bk := range []*backend{sentB, clusB} {
		for n := 1; n <= 3; n++ {
			configs = append(configs, &config{bk: bk, replicas: n})
		}
	}
	for i := 0; i < b.N; i++ {
		for round := 1; round <= *replicasRounds; round++ {
			for _, c := range configs {
				c.rounds = append(c.rounds, c.bk.measure(b, c.replicas, fmt.Sprintf("i%d-r%d-n%d", i, round, c.replicas)))
			}
		}
	}
	b.ReportMetric(0, "ns/op")

	w := os.Stdout
	if *replicasBin != "" {
		fmt.Fprintf(w, "\nirbot: %s\n", *replicasBin)
	}
	fmt.Fprintf(w, "\nAlert intake, POST /alerts/<route>: %d clients round-robin over the replicas, %s per configuration per round (after %s unmeasured), %d rounds interleaved; medians of the rounds\n\n",
		*replicasClients, *replicasDuration, *replicasWarmup, *replicasRounds)
	fmt.Fprintln(w, "| cores | store | replicas | alerts/s | p50 ms | p99 ms | errors |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|---:|")
	var notes []string
	for _, c := range configs {
		var rates, p50s, p99s []float64
		var perRound []string
		errs, reqs := 0, 0
		var cpuI, cpuR, cpuC time.Duration
		for _, s := range c.rounds {
			rates = append(rates, s.rate())
			p50s = append(p50s, msf(quantile(s.latencies, 0.50)))
			p99s = append(p99s, msf(quantile(s.latencies, 0.99)))
			errs += s.errs
			reqs += s.ok + s.errs
			cpuI, cpuR, cpuC = cpuI+s.cpuIrbot, cpuR+s.cpuRedis, cpuC+s.cpuClient
			perRound = append(perRound, fmt.Sprintf("%.0f/s p99 %.1f ms (others %.0f%%)", s.rate(), msf(quantile(s.latencies, 0.99)), s.others*100))
		}
		rate, p50, p99 := median(rates), median(p50s), median(p99s)
		fmt.Fprintf(w, "| %d | %s | %d | %.0f | %.1f | %.1f | %d of %d |\n", runtime.NumCPU(), c.bk.name, c.replicas, rate, p50, p99, errs, reqs)
		key := fmt.Sprintf("%s%d-", c.bk.name, c.replicas)
		b.ReportMetric(rate, key+"alerts/s")
		b.ReportMetric(p50, key+"p50-ms")
		b.ReportMetric(p99, key+"p99-ms")
		b.ReportMetric(float64(errs), key+"errors")

		ok := 0
		var busy []float64
		for _, s := range c.rounds {
			ok += s.ok
			busy = append(busy, s.busy*100)
		}
		per := func(d time.Duration) string {
			if ok == 0 {
				return "?"
			}
			return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)/float64(ok))
		}
		notes = append(notes, fmt.Sprintf("%s ×%d: rounds %s; CPU ms per alert: irbot %s, redis %s, clients %s; all cores %.0f%% busy",
			c.bk.name, c.replicas, strings.Join(perRound, ", "), per(cpuI), per(cpuR), per(cpuC), median(busy)))
		errText := map[string]int{}
		for _, s := range c.rounds {
			for text, n := range s.errText {
				errText[text] += n
			}
		}
		for _, text := range slices.Sorted(maps.Keys(errText)) {
			notes = append(notes, fmt.Sprintf("%s ×%d: %d × %s", c.bk.name, c.replicas, errText[text], text))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, strings.Join(notes, "\n"))
	fmt.Fprintln(w, "(others: the share of all cores that processes outside the run used meanwhile; a round that shared the machine is slower)")
	fmt.Fprintln(w)
	for _, bk := range []*backend{boltB, sentB, clusB} {
		fmt.Fprintln(w, bk.sizeNote(b))
	}
	fmt.Fprintln(w)
}

// newBackend makes the data directory and the config file of a store.
func newBackend(tb testing.TB, name, url string) *backend {
	tb.Helper()
	dir := tb.TempDir()
	bk := &backend{name: name, url: url, dir: filepath.Join(dir, "data"), config: filepath.Join(dir, "irbot.yaml")}
	if err := os.WriteFile(bk.config, []byte(fmt.Sprintf(replicasConfig, bk.dir, url)), 0o600); err != nil {
		tb.Fatal(err)
	}
	return bk
}

// measure starts n replicas on the store, warms them up, measures, and
// stops them. tag keeps the alerts' groups apart from every other run's.
func (bk *backend) measure(b *testing.B, n int, tag string) sample {
	b.Helper()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *replicasClients}}
	defer client.CloseIdleConnections()
	reps := make([]*server, n)
	for i := range reps {
		reps[i] = startReplica(b, bk.config, client)
	}
	defer func() {
		for _, r := range reps {
			r.stop()
		}
	}()
	warm := post(reps, *replicasClients, *replicasWarmup, bk.name+"-"+tag+"-warm")
	bk.opened.Add(int64(warm.ok))

	irbot0, redis0, self0 := procCPU(reps), redisCPU(bk.nodes), selfCPU()
	busy0, all0 := machineCPU()
	s := post(reps, *replicasClients, *replicasDuration, bk.name+"-"+tag)
	s.cpuIrbot, s.cpuRedis, s.cpuClient = procCPU(reps)-irbot0, redisCPU(bk.nodes)-redis0, selfCPU()-self0
	if busy1, all1 := machineCPU(); all1 > all0 {
		s.busy = float64(busy1-busy0) / float64(all1-all0)
		// Ticks are 10 ms; all of them is every core's time.
		ours := float64(s.cpuIrbot+s.cpuRedis+s.cpuClient) / float64(10*time.Millisecond)
		s.others = max(0, (float64(busy1-busy0)-ours)/float64(all1-all0))
	}
	bk.opened.Add(int64(s.ok))
	return s
}

// post runs clients goroutines that post one alert after another, each to
// the next replica in turn, until d has passed, and returns what they saw.
func post(reps []*server, clients int, d time.Duration, tag string) sample {
	var next atomic.Int64
	var mu sync.Mutex
	s := sample{errText: map[string]int{}}
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			errs := map[string]int{}
			for time.Now().Before(deadline) {
				i := next.Add(1)
				t := time.Now()
				_, err := reps[int(i)%len(reps)].alert(fmt.Sprintf("%s-%d", tag, i))
				if err != nil {
					errs[errorClass(err)]++
					continue
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			defer mu.Unlock()
			s.latencies = append(s.latencies, lat...)
			for k, v := range errs {
				s.errText[k] += v
				s.errs += v
			}
		}()
	}
	wg.Wait()
	s.elapsed = time.Since(start)
	s.ok = len(s.latencies)
	return s
}

// errorClass shortens an alert error for counting: without the alert's
// own name, and cut to a line.
func errorClass(err error) string {
	text := err.Error()
	if _, rest, ok := strings.Cut(text, ": "); ok && strings.HasPrefix(text, "alert ") {
		text = rest
	}
	text, _, _ = strings.Cut(text, "\n")
	if len(text) > 160 {
		text = text[:160] + "…"
	}
	return text
}

// startReplica starts "irbot serve --config cfg" and waits until it is
// ready; it is killed when tb ends, if not stopped before.
func startReplica(tb testing.TB, cfg string, client *http.Client) *server {
	tb.Helper()
	dir := tb.TempDir()
	s := &server{stderr: filepath.Join(dir, "stderr.log"), client: client}
	logf, err := os.Create(s.stderr)
	if err != nil {
		tb.Fatal(err)
	}
	bin := *replicasBin
	if bin == "" {
		bin = binary(tb)
	}
	cmd := exec.Command(bin, "serve", "--config", cfg)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !strings.HasPrefix(k, "IRBOT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "IRBOT_ALERT_TOKEN="+alertToken)
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	s.cmd = cmd
	tb.Cleanup(func() {
		s.kill()
		logf.Close()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "irbot serving on ") {
		tb.Fatalf("serve did not start: %q %v\n%s", line, err, s.log())
	}
	go io.Copy(io.Discard, out)
	s.base = strings.Fields(strings.TrimPrefix(line, "irbot serving on "))[0]
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := client.Get(s.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("serve never ready\n%s", s.log())
	return nil
}

// stop ends the process with SIGTERM, as a service manager does, and
// kills it if it has not exited within five seconds.
func (s *server) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// procCPU returns the CPU time (user and system) the replicas used so far,
// from /proc (0 where it cannot be read).
func procCPU(reps []*server) time.Duration {
	var sum time.Duration
	for _, r := range reps {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", r.cmd.Process.Pid))
		if err != nil {
			continue
		}
		// After the command name in parentheses: state is field 3, utime
		// and stime are fields 14 and 15, in clock ticks (USER_HZ, 100).
		text := string(raw)
		f := strings.Fields(text[strings.LastIndexByte(text, ')')+1:])
		if len(f) < 13 {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		sum += time.Duration(ut+st) * 10 * time.Millisecond
	}
	return sum
}

// redisCPU returns the CPU time the servers used so far, from INFO cpu.
func redisCPU(nodes []*redistest.Server) time.Duration {
	var sum float64
	for _, n := range nodes {
		info := redisInfo(n.Addr, "cpu")
		sum += info["used_cpu_sys"] + info["used_cpu_user"]
	}
	return time.Duration(sum * float64(time.Second))
}

// machineCPU returns the machine's busy and total CPU time so far, in
// clock ticks, from the first line of /proc/stat (busy: all but idle and
// iowait); zeros where it cannot be read.
func machineCPU() (busy, total int64) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0
	}
	for i, v := range f[1:9] { // user nice system idle iowait irq softirq steal
		n, _ := strconv.ParseInt(v, 10, 64)
		total += n
		if i != 3 && i != 4 {
			busy += n
		}
	}
	return busy, total
}

// selfCPU returns this process's CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// redisInfo returns the numeric fields of one INFO section of the server
// at addr (nothing if it cannot be read).
func redisInfo(addr, section string) map[string]float64 {
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	text, err := c.Info(ctx, section).Result()
	out := map[string]float64{}
	if err != nil {
		return out
	}
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			out[k] = f
		}
	}
	return out
}

// usedMemory returns INFO memory's used_memory of each server.
func usedMemory(tb testing.TB, nodes []*redistest.Server) map[string]int64 {
	tb.Helper()
	out := map[string]int64{}
	for _, n := range nodes {
		info := redisInfo(n.Addr, "memory")
		v, ok := info["used_memory"]
		if !ok {
			tb.Fatalf("INFO memory of %s has no used_memory", n.Addr)
		}
		out[n.Addr] = int64(v)
	}
	return out
}

// sizeNote counts the store's incidents through the store itself (to
// check that every 200 opened one that is there) and says how much room
// each takes: for bbolt the file and its pages in use, for Redis the
// growth of used_memory on the masters and of the master's AOF.
func (bk *backend) sizeNote(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	opened := bk.opened.Load()
	if bk.url == "" {
		st, err := bolt.Open(bk.dir)
		if err != nil {
			return fmt.Sprintf("%s: open the store: %v", bk.name, err)
		}
		incs, err := st.Incidents(ctx, false)
		st.Close()
		if err != nil {
			return fmt.Sprintf("%s: read incidents: %v", bk.name, err)
		}
		n := int64(len(incs))
		path := filepath.Join(bk.dir, bolt.FileName)
		fi, err := os.Stat(path)
		if err != nil {
			return fmt.Sprintf("%s: %v", bk.name, err)
		}
		alloc, inuse, err := boltPages(path)
		if err != nil {
			return fmt.Sprintf("%s: page stats: %v", bk.name, err)
		}
		return fmt.Sprintf("%s store: %d incidents (%d opened by a 200); file %s = %s per incident; pages in use %s = %s per incident (bytes of data %s per incident)",
			bk.name, n, opened, mib(fi.Size()), perInc(fi.Size(), n), mib(alloc), perInc(alloc, n), perInc(inuse, n))
	}
	st, err := redis.Open(ctx, bk.url)
	if err != nil {
		return fmt.Sprintf("%s: open the store: %v", bk.name, err)
	}
	incs, err := st.Incidents(ctx, false)
	st.Close()
	if err != nil {
		return fmt.Sprintf("%s: read incidents: %v", bk.name, err)
	}
	n := int64(len(incs))
	var grown, aof int64
	var keys float64
	for _, m := range bk.masters {
		grown += int64(redisInfo(m.Addr, "memory")["used_memory"]) - bk.memBase[m.Addr]
		keys += dbSize(m.Addr)
		aof += dirSize(m.Dir)
	}
	return fmt.Sprintf("%s store: %d incidents (%d opened by a 200), %.0f keys; used_memory grew %s on the masters = %s per incident (each replica holds as much again); AOF on the masters' disks %s = %s per incident",
		bk.name, n, opened, keys, mib(grown), perInc(grown, n), mib(aof), perInc(aof, n))
}

// boltPages returns the bytes of the pages the file's buckets use and the
// bytes of data in them.
func boltPages(path string) (alloc, inuse int64, err error) {
	db, err := bbolt.Open(path, 0o400, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	err = db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bbolt.Bucket) error {
			s := b.Stats()
			alloc += int64(s.BranchAlloc + s.LeafAlloc)
			inuse += int64(s.BranchInuse + s.LeafInuse)
			return nil
		})
	})
	return alloc, inuse, err
}

func dbSize(addr string) float64 {
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	defer c.Close()
	n, _ := c.DBSize(context.Background()).Result()
	return float64(n)
}

// dirSize returns the bytes of the files under dir.
func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func perInc(bytes, n int64) string {
	if n == 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f B", float64(bytes)/float64(n))
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// median returns the median of xs (the mean of the middle two for an even
// count), 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// redisSupport checks that redis-server is on PATH and starts as a
// cluster node and as a sentinel, each on a free loopback port for a
// moment.
func redisSupport(tb testing.TB) error {
	tb.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return errors.New("redis-server is not on PATH (apt-get install redis-server)")
	}
	dir := tb.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	if err := os.WriteFile(conf, []byte("sentinel monitor probe 127.0.0.1 9 2\n"), 0o600); err != nil {
		return err
	}
	probes := []struct {
		what  string
		args  []string
		check []any
	}{
		{"cluster mode", []string{"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"),
			"--save", "", "--appendonly", "no"}, []any{"CLUSTER", "INFO"}},
		{"sentinel mode", []string{conf, "--sentinel"}, []any{"SENTINEL", "MASTERS"}},
	}
	for _, p := range probes {
		if err := probeRedis(path, dir, p.args, p.check); err != nil {
			return fmt.Errorf("%s: %w", p.what, err)
		}
	}
	return nil
}

// probeRedis starts redis-server with args on a free loopback port and
// reports whether it answers the check command within three seconds.
func probeRedis(path, dir string, args []string, check []any) error {
	port, err := probePort()
	if err != nil {
		return err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	args = append(args, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--daemonize", "no")
	cmd := exec.Command(path, args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() { cmd.Process.Kill(); <-exited }()
	c := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	var last error
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited: %s", strings.TrimSpace(out.String()))
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		last = c.Do(ctx, check...).Err()
		cancel()
		if last == nil {
			return nil
		}
	}
	return fmt.Errorf("no answer to %v: %v", check, last)
}

// probePort returns a free loopback port, never Redis's 6379.
func probePort() (int, error) {
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port != 6379 {
			return port, nil
		}
	}
}
