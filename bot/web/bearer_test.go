package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/irbot/irbot/bot/web"
)

// fetch gets url with the Authorization header auth ("" = none).
func fetch(t *testing.T, url, auth string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestMetricsBehindBearerToken(t *testing.T) {
	const token = "scrape-3f9a1c7e"
	m := web.NewMetrics(nil, nil)
	srv := httptest.NewServer(web.New(web.Options{Metrics: m, MetricsToken: token}).Handler())
	defer srv.Close()

	for _, auth := range []string{"", "Bearer", "Bearer wrong", "Bearer " + token + "x", "Basic " + token, token} {
		resp, body := fetch(t, srv.URL+"/metrics", auth)
		if resp.StatusCode != http.StatusUnauthorized || strings.Contains(body, "irbot_") ||
			!strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("Authorization %q: %d %q (WWW-Authenticate %q), want 401 and no metrics", auth, resp.StatusCode, body,
				resp.Header.Get("WWW-Authenticate"))
		}
	}
	for _, auth := range []string{"Bearer " + token, "bearer " + token, "BEARER  " + token + " "} {
		resp, body := fetch(t, srv.URL+"/metrics", auth)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "irbot_http_rejections_total") {
			t.Fatalf("Authorization %q: %d, want the metrics", auth, resp.StatusCode)
		}
		want := `irbot_http_rejections_total{endpoint="metrics",reason="unauthorized"} 6`
		if !strings.Contains(body, want) {
			t.Fatalf("refused scrapes not counted; want %s in:\n%s", want, body)
		}
	}
	// The rest of the server is not behind the token.
	if resp, _ := fetch(t, srv.URL+"/healthz", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %d", resp.StatusCode)
	}

	// Without a token /metrics is open.
	open := httptest.NewServer(web.New(web.Options{Metrics: m}).Handler())
	defer open.Close()
	if resp, body := fetch(t, open.URL+"/metrics", ""); resp.StatusCode != http.StatusOK || !strings.Contains(body, "irbot_") {
		t.Fatalf("open /metrics: %d", resp.StatusCode)
	}
}

func TestRequireBearer(t *testing.T) {
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })
	srv := httptest.NewServer(web.RequireBearer("t0k", hello))
	defer srv.Close()
	if resp, body := fetch(t, srv.URL, "Bearer nope"); resp.StatusCode != http.StatusUnauthorized || body == "hello" {
		t.Fatalf("wrong token: %d %q", resp.StatusCode, body)
	}
	if resp, body := fetch(t, srv.URL, "Bearer t0k"); resp.StatusCode != http.StatusOK || body != "hello" {
		t.Fatalf("right token: %d %q", resp.StatusCode, body)
	}
	open := httptest.NewServer(web.RequireBearer("", hello))
	defer open.Close()
	if resp, body := fetch(t, open.URL, ""); resp.StatusCode != http.StatusOK || body != "hello" {
		t.Fatalf("no token configured: %d %q, want the handler", resp.StatusCode, body)
	}
}
