package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestAlertRoutesRequireJSON: an alert route takes a body declared as
// application/json (with or without a UTF-8 charset), as Alertmanager and
// Grafana send it; anything else is 415 with a reason, counted, and
// records nothing.
func TestAlertRoutesRequireJSON(t *testing.T) {
	w := wire(t)
	post := func(contentType, token string, body []byte) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, w.srv.URL+"/alerts/prom", bytes.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	refused := []string{
		"",
		"text/plain",
		"text/plain; charset=utf-8",
		"application/x-www-form-urlencoded",
		"multipart/form-data; boundary=x",
		"application/jsonp",
		"application/json; charset=iso-8859-1",
		"application/json; charset", // malformed
		"text/json",
	}
	for _, ct := range refused {
		code, body := post(ct, "t0k", amPayload("g", "fp-refused", 1))
		if code != http.StatusUnsupportedMediaType || !strings.Contains(body, "application/json") {
			t.Errorf("Content-Type %q: %d %s, want 415 naming application/json", ct, code, body)
		}
	}
	// Refused before the credentials are looked at.
	if code, _ := post("text/plain", "wrong", amPayload("g", "fp-refused", 1)); code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain with a wrong token: %d, want 415", code)
	}
	if incs, err := w.st.Incidents(context.Background(), false); err != nil || len(incs) != 0 {
		t.Fatalf("refused bodies recorded %d incidents (%v)", len(incs), err)
	}
	for i, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON; Charset=UTF-8", "application/json;charset=utf8"} {
		if code, body := post(ct, "t0k", amPayload("g", "fp", i)); code != http.StatusOK {
			t.Errorf("Content-Type %q: %d %s, want 200", ct, code, body)
		}
	}
	resp, err := http.Get(w.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	want := `irbot_http_rejections_total{endpoint="alerts",reason="unsupported_media_type"} 10`
	if !strings.Contains(string(b), want) {
		t.Fatalf("/metrics lacks %s:\n%s", want, b)
	}
}
