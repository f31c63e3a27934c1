package redis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// records decodes JSON log lines.
func records(t *testing.T, out []byte) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		recs = append(recs, r)
	}
	return recs
}

func TestLoggerLevelsAndAttributes(t *testing.T) {
	var buf bytes.Buffer
	l := NewLogger(slog.New(slog.NewJSONHandler(&buf, nil)))
	ctx := context.Background()
	dialErr := errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	l.Printf(ctx, "redis: connection pool: failed to dial after %d attempts: %v", 5, dialErr)
	l.Printf(ctx, "sentinel: new master=%q addr=%q", "irmaster", "127.0.0.1:6380")
	l.Printf(ctx, "redis: pings to all nodes are failing, picking a random node across the cluster")
	l.Printf(ctx, "sentinel: ignore addr for master=%q", "m")
	recs := records(t, buf.Bytes())
	want := []string{
		`WARN|redis: cannot connect|attempts=5 err=dial tcp 127.0.0.1:1: connect: connection refused`,
		`INFO|redis sentinel: new master|addr=127.0.0.1:6380 master=irmaster`,
		`WARN|redis: pings to all nodes are failing, picking a random node across the cluster|`,
		`INFO|redis: sentinel: ignore addr for master="m"|`,
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d:\n%s", len(recs), len(want), buf.String())
	}
	for i, r := range recs {
		if r["component"] != "redis" {
			t.Errorf("record %d has no component=redis: %v", i, r)
		}
		var attrs []string
		for _, k := range []string{"addr", "attempts", "err", "master"} {
			if v, ok := r[k]; ok {
				attrs = append(attrs, fmt.Sprintf("%s=%v", k, v))
			}
		}
		if got := fmt.Sprintf("%s|%s|%s", r["level"], r["msg"], strings.Join(attrs, " ")); got != want[i] {
			t.Errorf("record %d:\n got %s\nwant %s", i, got, want[i])
		}
	}
	// Below the handler's level nothing is formatted or written.
	buf.Reset()
	quiet := NewLogger(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	quiet.Printf(ctx, "sentinel: new master=%q addr=%q", "irmaster", "x")
	if buf.Len() != 0 {
		t.Errorf("info record written at level warn: %s", buf.String())
	}
}

// TestSetLoggerRoutesGoRedis runs a child process (go-redis's logger is
// one per process) that calls SetLogger and opens a store on a closed
// port: go-redis's dial failure must come out as a JSON record, and
// nothing as plain text.
func TestSetLoggerRoutesGoRedis(t *testing.T) {
	if os.Getenv("IRBOT_LOG_CHILD") == "1" {
		SetLogger(slog.New(slog.NewJSONHandler(os.Stdout, nil)))
		Open(context.Background(), os.Getenv("IRBOT_LOG_URL"))
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSetLoggerRoutesGoRedis$")
	cmd.Env = append(os.Environ(), "IRBOT_LOG_CHILD=1", "IRBOT_LOG_URL=redis://"+addr+"/0?max_retries=-1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if strings.Contains(stderr.String(), "redis:") {
		t.Errorf("go-redis still prints plain text:\n%s", stderr.String())
	}
	var found bool
	for _, line := range strings.Split(stdout.String(), "\n") {
		if !strings.HasPrefix(line, "{") {
			continue // the test framework's own lines
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("not JSON: %s", line)
		}
		if r["msg"] == "redis: cannot connect" && r["level"] == "WARN" && strings.Contains(fmt.Sprint(r["err"]), addr) {
			found = true
		}
	}
	if !found {
		t.Errorf("no WARN record of the failed dial to %s:\n%s", addr, stdout.String())
	}
}
