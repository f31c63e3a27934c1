package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/bolt"
	"github.com/irbot/irbot/store/redis"
	"github.com/irbot/irbot/store/redis/redistest"
)

// fillBolt writes n incidents through the bolt store's API, as the engine
// does: a number from NextID, a chained timeline, and here and there
// pending timers, outbox messages, seen keys and key-value entries.
func fillBolt(t *testing.T, dir string, n int) {
	t.Helper()
	ctx := context.Background()
	st, err := bolt.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	ids := make(chan int, n)
	for i := 0; i < n; i++ {
		ids <- i
	}
	close(ids)
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ { // concurrent commits share bbolt's fsyncs
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ids {
				id, err := st.NextID(ctx, "incident")
				if err != nil {
					t.Error(err)
					return
				}
				at := t0.Add(time.Duration(i) * time.Minute)
				inc := &bot.Incident{ID: id, Prefix: "IR", Title: fmt.Sprintf("sự cố %d", i), Severity: 1 + i%4,
					Playbook: "ransomware", State: bot.StateTriggered, Declared: at, Updated: at,
					Chats: []bot.ChatRef{{Platform: "telegram", ID: "-100"}}}
				evs := make([]bot.Event, 1+i%5)
				for j := range evs {
					evs[j] = bot.Event{At: at.Add(time.Duration(j) * time.Second), Actor: "an", Kind: "note",
						Data: map[string]string{"text": fmt.Sprintf("ghi chú %d/%d", i, j)}}
				}
				evs[0].Kind = "declared"
				inc.Seq, inc.LastHash = bot.Chain(0, "", evs)
				tx := &store.Tx{Incident: inc, Events: evs, Seen: []string{fmt.Sprintf("telegram:update:%d", i)}}
				if i%100 == 0 {
					tx.SetTimers = []bot.Timer{{ID: fmt.Sprintf("esc:%d", id), Kind: "page", Incident: id, Due: at.Add(time.Hour),
						Data: map[string]string{"level": "2"}}}
					tx.Outbox = []bot.Outgoing{{Incident: id, Chat: inc.Chats[0], Kind: bot.KindStatus, Text: inc.Ref() + " declared"}}
					tx.Put = map[string]string{fmt.Sprintf("alertgroup:%d", i): fmt.Sprint(id)}
				}
				if err := st.Commit(ctx, tx); err != nil {
					t.Error(err)
					return
				}
				if i%7 == 0 { // a later change: version 2, more events
					c := inc.Clone()
					c.State = bot.StateAcknowledged
					more := []bot.Event{{At: at.Add(time.Hour), Actor: "binh", Kind: "ack"}}
					c.Seq, c.LastHash = bot.Chain(c.Seq, c.LastHash, more)
					if err := st.Commit(ctx, &store.Tx{Incident: c, Events: more}); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	// A delivered message leaves the outbox counter ahead of the rows.
	ob, err := st.Outbox(ctx, 1)
	if err != nil || len(ob) != 1 {
		t.Fatalf("outbox: %v, %v", ob, err)
	}
	if err := st.Delivered(ctx, ob[0].ID); err != nil {
		t.Fatal(err)
	}
}

func runMigrate(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cmdMigrate(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestMigrateBoltToRedis(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const n = 1000
	fillBolt(t, dir, n)
	src, err := bolt.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	wantIncs, _ := src.Incidents(ctx, false)
	wantTimers, _ := src.Timers(ctx)
	wantOutbox, _ := src.Outbox(ctx, 1000)
	src.Close()
	if len(wantIncs) != n || len(wantTimers) != n/100 || len(wantOutbox) != n/100-1 {
		t.Fatalf("source: %d incidents, %d timers, %d outbox messages", len(wantIncs), len(wantTimers), len(wantOutbox))
	}

	url := "redis://" + redistest.StartPrivate(t) + "/0"
	start := time.Now()
	out, errOut, code := runMigrate(t, "--from", dir, "--to", url)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	t.Logf("%s (%v)", strings.TrimSpace(out), time.Since(start).Round(time.Millisecond))
	if !strings.Contains(out, "incidents 1000 ") || !strings.Contains(out, "every hash chain verified") {
		t.Errorf("summary: %s", out)
	}

	// Read the copy the way irbot serve will.
	dst, err := redis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	got, err := dst.Incidents(ctx, false)
	if err != nil || len(got) != n {
		t.Fatalf("target: %d incidents, %v", len(got), err)
	}
	for i, inc := range got {
		want := wantIncs[i]
		if inc.ID != want.ID || inc.Title != want.Title || inc.Version != want.Version || inc.State != want.State || inc.LastHash != want.LastHash {
			t.Fatalf("IR-%d: got %+v, want %+v", want.ID, inc, want)
		}
		evs, err := dst.Timeline(ctx, inc.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := engine.VerifyIncident(inc, evs); err != nil {
			t.Fatalf("%s: %v", inc.Ref(), err)
		}
	}
	timers, _ := dst.Timers(ctx)
	if len(timers) != len(wantTimers) {
		t.Fatalf("timers: %d, want %d", len(timers), len(wantTimers))
	}
	for i := range timers {
		if timers[i].ID != wantTimers[i].ID || !timers[i].Due.Equal(wantTimers[i].Due) || timers[i].Data["level"] != "2" {
			t.Fatalf("timer %d: %+v, want %+v", i, timers[i], wantTimers[i])
		}
	}
	ob, _ := dst.Outbox(ctx, 1000)
	if len(ob) != len(wantOutbox) {
		t.Fatalf("outbox: %d, want %d", len(ob), len(wantOutbox))
	}
	for i := range ob {
		if ob[i].ID != wantOutbox[i].ID || ob[i].Text != wantOutbox[i].Text {
			t.Fatalf("outbox %d: %+v, want %+v", i, ob[i], wantOutbox[i])
		}
	}
	if ok, _ := dst.Seen(ctx, "telegram:update:999"); !ok {
		t.Error("seen key not copied")
	}
	if v, err := dst.Get(ctx, "alertgroup:500"); err != nil || v == "" {
		t.Errorf("key-value entry: %q, %v", v, err)
	}
	// The copy carries on where the file stopped.
	if next, _ := dst.PeekID(ctx, "incident"); next != n+1 {
		t.Errorf("next incident number %d, want %d", next, n+1)
	}
	tx := &store.Tx{Outbox: []bot.Outgoing{{Text: "after"}}}
	if err := dst.Commit(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if last := wantOutbox[len(wantOutbox)-1].ID; tx.Outbox[0].ID <= last && len(tx.Outbox[0].ID) <= len(last) {
		t.Errorf("new outbox id %s not after the copied %s", tx.Outbox[0].ID, last)
	}

	// Again into the same target: refused, nothing touched.
	_, errOut, code = runMigrate(t, "--from", dir, "--to", url)
	if code != 1 || !strings.Contains(errOut, "already holds an irbot store") {
		t.Errorf("second migration: exit %d, %s", code, errOut)
	}
}

// TestMigrateToCluster copies into a Redis Cluster through a
// redis-cluster:// URL (one node serving every slot: any key outside the
// store's slot would be refused).
func TestMigrateToCluster(t *testing.T) {
	dir := t.TempDir()
	fillBolt(t, dir, 30)
	url := "redis-cluster://" + redistest.StartCluster(t)
	out, errOut, code := runMigrate(t, "--from", dir, "--to", url)
	if code != 0 || !strings.Contains(out, "incidents 30 ") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

func TestMigrateFailures(t *testing.T) {
	dir := t.TempDir()
	fillBolt(t, dir, 3)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()

	for _, c := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"unreachable target", []string{"--from", dir, "--to", "redis://:s3cret@" + closed + "/0"}, 1,
			[]string{"irbot: migrate", "cannot reach " + closed, "redis://:xxxxx@" + closed}},
		{"bad target URL", []string{"--from", dir, "--to", "http://" + closed}, 1, []string{"unsupported URL scheme"}},
		{"no such source", []string{"--from", dir + "/nope", "--to", "redis://" + closed}, 2, []string{"no such file"}},
		{"missing --to", []string{"--from", dir}, 2, []string{"usage: irbot migrate"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, errOut, code := runMigrate(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d: %s", code, c.code, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q does not say %q", errOut, w)
				}
			}
			if strings.Contains(errOut, "s3cret") {
				t.Errorf("stderr shows the password: %s", errOut)
			}
		})
	}

	// A running irbot holds the file: refused, without waiting forever.
	st, err := bolt.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, errOut, code := runMigrate(t, "--from", dir, "--to", "redis://"+redistest.StartPrivate(t)+"/0")
	if code != 1 || !strings.Contains(errOut, "stop irbot first") {
		t.Errorf("file in use: exit %d, %s", code, errOut)
	}
}

// TestMigrateReportsBrokenChain copies a file whose timeline was tampered
// with: the copy is made, but verification names the incident and exits 1.
func TestMigrateReportsBrokenChain(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := bolt.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	inc := &bot.Incident{ID: 1, Prefix: "IR", Title: "x", State: bot.StateTriggered}
	evs := []bot.Event{{Actor: "an", Kind: "declared"}, {Actor: "an", Kind: "note", Data: map[string]string{"text": "a"}}}
	inc.Seq, inc.LastHash = bot.Chain(0, "", evs)
	evs[1].Data["text"] = "changed after hashing"
	if err := st.Commit(ctx, &store.Tx{Incident: inc, Events: evs}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	_, errOut, code := runMigrate(t, "--from", dir, "--to", "redis://"+redistest.StartPrivate(t)+"/0")
	if code != 1 || !strings.Contains(errOut, "IR-1") || !strings.Contains(errOut, "broken in the source already") {
		t.Errorf("exit %d, %s", code, errOut)
	}
}
