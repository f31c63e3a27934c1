package web_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/engine"
	"github.com/irbot/irbot/bot/oncall"
	"github.com/irbot/irbot/bot/playbook"
	"github.com/irbot/irbot/bot/web"
	"github.com/irbot/irbot/playbooks"
)

// fixedClock is a clock that does not move.
type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// calendarServer serves the rosters of a real engine as calendar feeds
// with key.
func calendarServer(t *testing.T, key string) (*httptest.Server, *bytes.Buffer) {
	t.Helper()
	st := openBolt(t)
	books, err := playbook.LoadFS(playbooks.FS, ".", playbook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := bot.NewDirectory([]bot.Person{{ID: "an", Name: "An"}, {ID: "binh", Name: "Bình"}}, nil)
	eng := engine.New(st, books, engine.Options{Language: "vi", Directory: dir,
		Clock: fixedClock(time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)),
		Rosters: []oncall.Roster{{ID: "truc-ban", Name: map[string]string{"vi": "Trực ban", "en": "Duty"},
			Layers: []oncall.Layer{{Rotation: "daily", Handoff: "07:30", Start: "2026-11-26", Members: []string{"an", "binh"}}}}}})
	m := web.NewMetrics(nil, nil)
	var logs bytes.Buffer
	s := web.New(web.Options{Metrics: m, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err := s.MountCalendars(key, func(ctx context.Context, roster string) (string, error) {
		return eng.RosterICS(ctx, roster, 60)
	}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, &logs
}

func TestCalendarFeedsBehindSecretURLs(t *testing.T) {
	const key = "k3y-for-calendar-feeds-0123456789"
	srv, logs := calendarServer(t, key)

	path := web.CalendarPath(key, "truc-ban")
	if !regexp.MustCompile(`^/rosters/truc-ban/[0-9a-f]{32}\.ics$`).MatchString(path) {
		t.Fatalf("CalendarPath = %q", path)
	}
	resp, body := fetch(t, srv.URL+path, "")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") ||
		!strings.Contains(body, "BEGIN:VCALENDAR") || !strings.Contains(body, "SUMMARY:Trực ban: an") {
		t.Fatalf("feed: %d %q %.200q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "private") {
		t.Errorf("Cache-Control %q: a feed must not sit in shared caches", cc)
	}

	secret := web.CalendarSecret(key, "truc-ban")
	refused := []string{
		"/rosters/truc-ban.ics", // the old open URL
		"/rosters/truc-ban",
		"/rosters/truc-ban/" + secret, // no .ics
		"/rosters/truc-ban/" + strings.ToUpper(secret) + ".ics",
		"/rosters/truc-ban/" + secret[:31] + "0.ics",
		"/rosters/truc-ban/" + secret[:16] + ".ics",
		"/rosters/truc-ban/.ics",
		"/rosters/truc-ban/" + web.CalendarSecret("another-key-0123456789", "truc-ban") + ".ics",
		"/rosters/other/" + secret + ".ics",                                             // one roster's secret opens no other
		"/rosters/no-such-roster/" + web.CalendarSecret(key, "no-such-roster") + ".ics", // good secret, no roster
	}
	for _, p := range refused {
		if resp, body := fetch(t, srv.URL+p, ""); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "VCALENDAR") {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
	if !strings.Contains(logs.String(), "no-such-roster") {
		t.Errorf("a good secret for a missing roster was not logged:\n%s", logs)
	}

	// Stable: the same key gives the same URL (another process, a restart).
	srv2, _ := calendarServer(t, key)
	if resp, _ := fetch(t, srv2.URL+web.CalendarPath(key, "truc-ban"), ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("the same URL after a restart: %d", resp.StatusCode)
	}
	// Rotated: a new key, a new URL; the old one is dead.
	const rotated = "rotated-k3y-0123456789abcdef"
	srv3, _ := calendarServer(t, rotated)
	if resp, _ := fetch(t, srv3.URL+path, ""); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("the old URL after rotation: %d, want 404", resp.StatusCode)
	}
	if resp, _ := fetch(t, srv3.URL+web.CalendarPath(rotated, "truc-ban"), ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("the new URL after rotation: %d", resp.StatusCode)
	}
}

func TestCalendarSecret(t *testing.T) {
	const key = "k3y-for-calendar-feeds-0123456789"
	a, b := web.CalendarSecret(key, "truc-ban"), web.CalendarSecret(key, "truc-ban")
	if a != b || len(a) != 32 {
		t.Fatalf("secrets %q, %q: want one stable 32-digit value", a, b)
	}
	if web.CalendarSecret(key, "truc-ban2") == a || web.CalendarSecret(key+"x", "truc-ban") == a {
		t.Fatal("the secret does not depend on both the roster and the key")
	}
	if p := web.CalendarPath(key, "trực ban/đêm"); !strings.HasPrefix(p, "/rosters/tr%E1%BB%B1c%20ban%2F%C4%91%C3%AAm/") {
		t.Fatalf("roster id not escaped: %q", p)
	}
	if err := web.New(web.Options{}).MountCalendars("short", nil); err == nil {
		t.Fatal("a key of 5 bytes was taken")
	}
}
