package main_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/irbot/irbot/bot/chat/telegram/telegramtest"
)

// TestServeProtectsMetricsAndCalendars: with http.metrics_token_env set,
// /metrics wants the bearer token; with http.calendar_secret_env set, a
// roster's calendar is served only at the URL "irbot roster url" prints,
// and the old /rosters/<id>.ics is gone. A named but empty variable stops
// serve with exit 2.
func TestServeProtectsMetricsAndCalendars(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "irbot.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`
data_dir: %s
http:
  listen: 127.0.0.1:0
  metrics_token_env: IRBOT_TEST_METRICS_TOKEN
  calendar_secret_env: IRBOT_TEST_CALENDAR_KEY
people:
  - {id: an, name: An}
  - {id: binh, name: Binh}
rosters:
  - {id: duty, layers: [{rotation: daily, handoff: "07:30", members: [an, binh]}]}
`, filepath.Join(dir, "data"))), 0o644)
	t.Setenv("IRBOT_TEST_METRICS_TOKEN", "scrape-token-1")
	t.Setenv("IRBOT_TEST_CALENDAR_KEY", "calendar-key-0123456789abcdef")
	s := startServe(t, cfg)

	get := func(path, auth string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Content-Type")
	}
	if code, _ := get("/metrics", ""); code != http.StatusUnauthorized {
		t.Fatalf("/metrics without the token: %d, want 401", code)
	}
	if code, _ := get("/metrics", "Bearer scrape-token-1"); code != http.StatusOK {
		t.Fatalf("/metrics with the token: %d", code)
	}
	if code, _ := get("/rosters/duty.ics", ""); code != http.StatusNotFound {
		t.Fatalf("the old calendar URL: %d, want 404", code)
	}
	out, errs, code := irbot(t, "", "roster", "url", "duty", "--config", cfg)
	if code != 0 {
		t.Fatalf("irbot roster url: exit %d: %s", code, errs)
	}
	u, err := url.Parse(strings.TrimSpace(out))
	if err != nil || !strings.HasPrefix(u.Path, "/rosters/duty/") || !strings.HasSuffix(u.Path, ".ics") {
		t.Fatalf("irbot roster url printed %q", out)
	}
	if code, ct := get(u.Path, ""); code != http.StatusOK || !strings.HasPrefix(ct, "text/calendar") {
		t.Fatalf("the printed URL: %d %q", code, ct)
	}
	s.stop(t, "scrape-token-1", "calendar-key-0123456789abcdef")

	t.Setenv("IRBOT_TEST_METRICS_TOKEN", "")
	if _, errs, code := irbot(t, "", "serve", "--config", cfg); code != 2 || !strings.Contains(errs, "IRBOT_TEST_METRICS_TOKEN") {
		t.Fatalf("serve with an empty metrics token: exit %d: %s", code, errs)
	}
}

// TestServeAuditsForgedWebhooksAtABoundedRate: a flood of forged Telegram
// webhook posts is refused, and the audit log gets one entry for it.
func TestServeAuditsForgedWebhooksAtABoundedRate(t *testing.T) {
	tg := telegramtest.New(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "irbot.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`
data_dir: %s
http: {listen: "127.0.0.1:0", public_url: "https://irbot.invalid"}
platforms:
  telegram: {enabled: true, api_url: %q, token_env: IRBOT_TEST_TG_TOKEN, mode: webhook, webhook_secret_env: IRBOT_TEST_TG_SECRET}
`, filepath.Join(dir, "data"), tg.URL())), 0o644)
	s := startServe(t, cfg, "IRBOT_TEST_TG_TOKEN="+tg.Token(), "IRBOT_TEST_TG_SECRET=hook-secret-1")
	for i := range 20 {
		req, _ := http.NewRequest(http.MethodPost, s.base+"/telegram/webhook", strings.NewReader(`{"update_id":1}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", fmt.Sprint("guess-", i))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("forged post %d: %d, want 401", i, resp.StatusCode)
		}
	}
	s.stop(t, "hook-secret-1")
	out, errs, code := irbot(t, "", "audit", "--config", cfg)
	if code != 0 {
		t.Fatalf("irbot audit: exit %d: %s", code, errs)
	}
	if n := strings.Count(out, "webhook_forged"); n != 1 || !strings.Contains(out, `platform="telegram"`) {
		t.Fatalf("20 forged posts made %d audit entries, want 1 for telegram:\n%s", n, out)
	}
}
