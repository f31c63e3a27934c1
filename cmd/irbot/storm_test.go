package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
	"github.com/irbot/irbot/bot/chat/chattest"
	"github.com/irbot/irbot/bot/intake"
	"github.com/irbot/irbot/store/bolt"
)

var refRE = regexp.MustCompile(`\bIR-\d+\b`)

// shippedConfig loads configs/irbot.yaml as a user would start with it,
// with edit applied to its text (a test's one change), data in a temp dir.
func shippedConfig(t *testing.T, edit func(string) string) *Config {
	t.Helper()
	raw, err := os.ReadFile("../../configs/irbot.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	if edit != nil {
		text = edit(text)
	}
	path := filepath.Join(t.TempDir(), "irbot.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	cfg.PlaybooksDir = "" // the bundled playbooks
	return cfg
}

// TestAlertStormPagesEveryLevel is the storm that was seen: 100 alerts for
// 100 incidents at once, with the shipped config (its people and chats on
// Telegram, Zalo and Slack; only Telegram running here), the security
// policy's level 2 after 60 s. At Telegram's real limits on a fast-
// forwarded clock, the duty officer has every incident within 10 s, in
// bundles; every level-2 page reaches its person within about a second of
// its due time; nothing is refused with 429; nothing is lost.
func TestAlertStormPagesEveryLevel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := shippedConfig(t, func(s string) string {
			return strings.Replace(s, "after: 5m", "after: 60s", 1) // security: level 1 → level 2 after a minute
		})
		st, err := bolt.Open(cfg.DataDir)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		tg := chattest.New("telegram")
		tg.Latency = 50 * time.Millisecond
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		a, err := newApp(cfg, st, []chat.Sender{tg}, "IrBot", log)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{}, 2)
		go func() { a.deliv.Run(ctx, time.Second); done <- struct{}{} }()
		go func() { a.sched.Run(ctx); done <- struct{}{} }()
		defer func() { cancel(); <-done; <-done }()

		t0 := time.Now()
		in := intake.Route{Route: "prom", Chat: "soc", Escalation: "security"}
		for i := 1; i <= 100; i++ {
			al := bot.Alert{Route: "prom", Source: "alertmanager", Fingerprint: fmt.Sprintf("fp%03d", i), GroupKey: fmt.Sprintf("g%03d", i),
				Status: bot.AlertFiring, Title: fmt.Sprintf("Host %03d down", i), Labels: map[string]string{"alertname": "HostDown", "instance": fmt.Sprintf("web-%03d", i)},
				StartsAt: t0}
			if _, err := a.eng.Alerts(ctx, in, []bot.Alert{al}, func(bot.Alert) int { return 2 }); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(3 * time.Minute)

		got := tg.Deliveries()
		// Who was paged at each level, from the timeline.
		level1, level2 := map[string]bool{}, map[string]bool{}
		for id := int64(1); id <= 100; id++ {
			evs, err := st.Timeline(ctx, id, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				switch {
				case e.Kind == "page_sent":
					level1[e.Data["people"]] = true
				case e.Kind == "page_escalated" && e.Data["level"] == "2":
					level2[e.Data["people"]] = true
				}
			}
		}
		if len(level1) != 1 || len(level2) != 1 {
			t.Fatalf("paged at level 1: %v, level 2: %v; want one duty officer and one person", level1, level2)
		}
		dm := func(people map[string]bool) string {
			for id := range people {
				p, _ := a.eng.Directory().Person(id)
				return p.IDs["telegram"]
			}
			return ""
		}
		// covered returns when the last of the 100 incidents reached chat
		// in a page sent at or after from.
		covered := func(chatID string, from time.Time) (time.Time, int) {
			seen := map[string]bool{}
			var last time.Time
			for _, d := range got {
				if d.Chat.ID != chatID || d.At.Before(from) || d.Msg.Kind != bot.KindPage {
					continue
				}
				for _, ref := range refRE.FindAllString(d.Msg.Text, -1) {
					if !seen[ref] {
						seen[ref], last = true, d.At
					}
				}
			}
			return last, len(seen)
		}
		pages := 0
		for _, d := range got {
			if d.Msg.Kind == bot.KindPage {
				pages++
			}
		}
		officer := dm(level1)
		last, n := covered(officer, t0)
		if n != 100 || last.Sub(t0) > 10*time.Second {
			t.Errorf("duty officer had %d of 100 incidents, the last %s after the storm; want all within 10s", n, last.Sub(t0))
		}
		second := dm(level2)
		due := t0.Add(time.Minute)
		last, n = covered(second, due)
		if n != 100 || last.Sub(due) > time.Second {
			t.Errorf("level 2 reached %d of 100 incidents, the last %s after its due time; want all within 1s", n, last.Sub(due))
		}
		if pages > 10 {
			t.Errorf("%d page messages for 200 pages: they were not bundled", pages)
		}
		if n := tg.Count429(); n != 0 {
			t.Errorf("%d messages refused with 429", n)
		}
	})
}
