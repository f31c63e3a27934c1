package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// MinCalendarKeyLen is the shortest server key MountCalendars takes, in
// bytes.
const MinCalendarKeyLen = 16

// calendarLabel separates the calendar secrets from any other use of the
// key.
const calendarLabel = "irbot calendar feed v1\x00"

// CalendarSecret returns the secret part of roster's calendar feed URL:
// the first 128 bits of HMAC-SHA256(key, label ‖ roster), in lowercase
// hex. It depends only on key and roster, so a subscribed calendar keeps
// working across restarts and on every replica; changing key rotates the
// URL of every roster at once (subscribers need the new URL). One roster's
// URL says nothing about another's.
func CalendarSecret(key, roster string) string {
	mac := hmac.New(sha256.New, []byte(key))
	io.WriteString(mac, calendarLabel+roster)
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

// CalendarPath returns the path of roster's calendar feed,
// "/rosters/<roster>/<secret>.ics" (the roster id path-escaped). Prefix it
// with the server's public URL to give to a calendar app.
func CalendarPath(key, roster string) string {
	return "/rosters/" + url.PathEscape(roster) + "/" + CalendarSecret(key, roster) + ".ics"
}

// ICSFunc returns a roster's calendar as iCalendar text, or an error when
// there is no such roster or it cannot be read.
type ICSFunc func(ctx context.Context, roster string) (string, error)

// MountCalendars serves each roster's calendar at the secret URL calendar
// apps subscribe to, GET /rosters/{roster}/{secret}.ics (see
// CalendarPath). A wrong secret is 404, as is a roster ics cannot produce
// (which is logged): a feed's URL is its only credential, and nothing
// tells which rosters exist. These refusals are counted in
// irbot_http_rejections_total (endpoint "rosters"); any other path under
// /rosters/ (the old /rosters/<id>.ics) is the mux's plain 404. It returns
// an error for a key shorter than MinCalendarKeyLen.
func (s *Server) MountCalendars(key string, ics ICSFunc) error {
	if len(key) < MinCalendarKeyLen {
		return fmt.Errorf("calendar key: %d bytes, want at least %d", len(key), MinCalendarKeyLen)
	}
	s.mux.HandleFunc("GET /rosters/{roster}/{file}", func(w http.ResponseWriter, r *http.Request) {
		roster := r.PathValue("roster")
		got, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
		want := CalendarSecret(key, roster)
		if !ok || !hmac.Equal([]byte(got), []byte(want)) {
			s.reject(w, "rosters", "bad_secret", http.StatusNotFound, "not found")
			return
		}
		cal, err := ics(r.Context(), roster)
		if err != nil {
			s.o.Log.Warn("calendar feed with a good secret failed", "roster", roster, "err", err)
			s.reject(w, "rosters", "unknown_roster", http.StatusNotFound, "not found")
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/calendar; charset=utf-8")
		h.Set("Cache-Control", "private, no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Robots-Tag", "noindex")
		io.WriteString(w, cal)
	})
	return nil
}
