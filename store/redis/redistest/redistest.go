// Package redistest gives tests a Redis server to talk to. It is for tests
// only: import it from _test.go files.
package redistest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// EnvURL names the environment variable that points tests at an existing
// server instead of a private one.
const EnvURL = "REDIS_URL"

// Start returns the URL of a Redis server for t. With $REDIS_URL set it
// returns that (tests then keep apart by key prefix, see Prefix). Otherwise
// it starts a private server (see StartPrivate). It never falls back to a
// server already running on the machine (such as one on port 6379).
// Without redis-server and without $REDIS_URL, t fails.
func Start(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return "redis://" + StartPrivate(t) + "/0"
}

// serverPath finds redis-server. Without it t fails, or, when $REDIS_URL
// is set (so the other tests have a server), t is skipped with a reason.
func serverPath(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err == nil {
		return path
	}
	if os.Getenv(EnvURL) != "" {
		t.Skipf("redistest: this test starts its own redis-server, which is not on PATH ($%s serves the other tests)", EnvURL)
	}
	t.Fatalf("redistest: redis-server is not on PATH and $%s is unset: install redis-server (apt-get install redis-server; CI installs it) or set %s=redis://host:port/db", EnvURL, EnvURL)
	return ""
}

// StartPrivate starts redis-server from PATH on a free loopback port, with
// persistence off and its files in a temporary directory, waits until it
// answers PING, and kills it when t ends. It returns host:port.
func StartPrivate(t testing.TB) string {
	t.Helper()
	return startServer(t, serverPath(t), false, nil).Addr
}

// StartCluster starts a private one-node Redis Cluster that serves every
// slot, and returns its address for goredis.NewClusterClient. One node is
// enough to hold a store to Cluster's rules: a command or script whose keys
// hash to different slots fails there as on a big cluster.
func StartCluster(t testing.TB) string {
	t.Helper()
	addr := startServer(t, serverPath(t), false, func(dir string) []string {
		return []string{"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf")}
	}).Addr
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	defer c.Close()
	ctx := context.Background()
	args := []any{"CLUSTER", "ADDSLOTS"}
	for slot := 0; slot < 16384; slot++ {
		args = append(args, slot)
	}
	if err := c.Do(ctx, args...).Err(); err != nil {
		t.Fatalf("redistest: assign slots: %v", err)
	}
	if !poll(func() bool {
		info, err := c.ClusterInfo(ctx).Result()
		return err == nil && strings.Contains(info, "cluster_state:ok")
	}) {
		t.Fatal("redistest: one-node cluster did not reach cluster_state:ok")
	}
	return addr
}

// StartSentinel starts a private Sentinel that monitors the master at
// masterAddr under name (quorum 1), and returns the sentinel's host:port
// once it knows the master.
func StartSentinel(t testing.TB, masterAddr, name string) string {
	t.Helper()
	host, port, err := net.SplitHostPort(masterAddr)
	if err != nil {
		t.Fatalf("redistest: master address %q: %v", masterAddr, err)
	}
	addr := startServer(t, serverPath(t), true, func(dir string) []string {
		conf := filepath.Join(dir, "sentinel.conf")
		text := fmt.Sprintf("sentinel monitor %s %s %s 1\n", name, host, port)
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatalf("redistest: %v", err)
		}
		return []string{conf, "--sentinel"}
	}).Addr
	c := goredis.NewSentinelClient(&goredis.Options{Addr: addr})
	defer c.Close()
	ctx := context.Background()
	if !poll(func() bool { return c.GetMasterAddrByName(ctx, name).Err() == nil }) {
		t.Fatalf("redistest: sentinel on %s does not know master %s", addr, name)
	}
	return addr
}

// poll calls ok with a short growing backoff until it returns true, for
// five seconds at most.
func poll(ok func() bool) bool {
	backoff := time.Millisecond
	for try := 0; try < 110; try++ {
		if ok() {
			return true
		}
		time.Sleep(backoff)
		if backoff < 50*time.Millisecond {
			backoff *= 2
		}
	}
	return false
}

// startServer starts redis-server, retrying on a new port when the probed
// one was taken meanwhile, and returns it. first, when not nil, gives
// arguments for the server's temporary directory; a sentinel's go before
// the common ones. A data server runs without persistence, unless first
// turns appendonly on (a later --appendonly wins).
func startServer(t testing.TB, path string, sentinel bool, first func(dir string) []string) *Server {
	t.Helper()
	srv, err := tryStartServer(t, path, sentinel, first)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return srv
}

// tryStartServer is startServer returning the error of its last attempt.
func tryStartServer(t testing.TB, path string, sentinel bool, first func(dir string) []string) (*Server, error) {
	t.Helper()
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		dir := t.TempDir()
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		var own, args []string
		if first != nil {
			own = first(dir)
		}
		if sentinel {
			args = own // the config file comes first
		} else {
			// Later options win, so the caller's override these.
			args = append([]string{"--save", "", "--appendonly", "no"}, own...)
		}
		args = append(args, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
			"--daemonize", "no", "--loglevel", "warning")
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		srv, err := start(t, path, addr, dir, args)
		if err != nil {
			last = err // most likely the port was taken between probe and start
			continue
		}
		return srv, nil
	}
	return nil, last
}

// syncBuffer is a bytes.Buffer safe for the server's output goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Server is one redis-server (or sentinel) process started by this
// package. It is killed when the test ends, if not before.
type Server struct {
	// Addr is its host:port on the loopback interface.
	Addr string
	// Dir is its working directory (AOF, nodes.conf, sentinel.conf).
	Dir string

	cmd    *exec.Cmd
	exited chan struct{}
	out    *syncBuffer
}

// Kill kills the server with SIGKILL, as kill -9 does, and waits until
// it has exited. Killing it twice is harmless.
func (s *Server) Kill() {
	s.cmd.Process.Kill()
	<-s.exited
}

// Pause stops the process (SIGSTOP) without killing it: it keeps its
// connections open but answers nothing until Resume.
func (s *Server) Pause() { s.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume continues a paused process (SIGCONT).
func (s *Server) Resume() { s.cmd.Process.Signal(syscall.SIGCONT) }

// Output returns what the server printed so far (its log at level
// warning), for failure messages.
func (s *Server) Output() string { return s.out.String() }

// start runs one server and waits until it answers PING at addr; on
// success it has registered the kill with t.Cleanup.
func start(t testing.TB, path, addr, dir string, args []string) (*Server, error) {
	cmd := exec.Command(path, args...)
	out := new(syncBuffer)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	srv := &Server{Addr: addr, Dir: dir, cmd: cmd, exited: exited, out: out}
	stop := srv.Kill
	gone := false
	up := poll(func() bool {
		select {
		case <-exited:
			gone = true
			return true
		default:
		}
		return ping(addr)
	})
	switch {
	case gone:
		return nil, fmt.Errorf("redis-server on %s exited at start: %s", addr, strings.TrimSpace(out.String()))
	case !up:
		stop()
		return nil, fmt.Errorf("redis-server on %s did not answer PING: %s", addr, strings.TrimSpace(out.String()))
	}
	t.Cleanup(stop)
	return srv, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ping reports whether a Redis at addr answers PING.
func ping(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

// Prefix returns a fresh random key prefix for one store in t. When url
// is the shared $REDIS_URL, every key under the prefix is deleted from it
// when t ends; a private server dies with its data anyway.
func Prefix(t testing.TB, url string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	p := "test-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		if url == "" || url != os.Getenv(EnvURL) {
			return
		}
		if err := DeletePrefix(context.Background(), url, p); err != nil {
			t.Logf("redistest: clean up prefix %s: %v", p, err)
		}
	})
	return p
}

// DeletePrefix deletes every key of the store with prefix p at url.
func DeletePrefix(ctx context.Context, url, p string) error {
	opt, err := goredis.ParseURL(url)
	if err != nil {
		return err
	}
	c := goredis.NewClient(opt)
	defer c.Close()
	iter := c.Scan(ctx, 0, "{"+p+"}:*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			if err := c.Del(ctx, batch...).Err(); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return c.Del(ctx, batch...).Err()
	}
	return nil
}
