package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/alerts"
	"github.com/irbot/irbot/store"
)

// AlertRoute is one configured intake route with its resolved credentials.
type AlertRoute struct {
	Route alerts.Route
	Auth  alerts.Auth
}

// IntakeFunc records decoded alerts (the engine's Alerts, bound to a route)
// and says what it did; an error wrapping store.ErrUnavailable is answered
// 503 with Retry-After, any other error 500.
type IntakeFunc func(ctx context.Context, r alerts.Route, as []bot.Alert) (bot.AlertResult, error)

// MountAlerts serves POST /alerts/{route}: 404 for an unknown route, 415
// unless the body is declared JSON (see jsonContent), 413 over the body
// limit, 401 without the route's credentials, 400 for a body that does not
// parse (with the line and column), 500 when the alerts could not be
// recorded (the sender retries), 200 with the incidents touched. Every
// refusal is counted in irbot_http_rejections_total (endpoint "alerts").
func (s *Server) MountAlerts(routes []AlertRoute, intake IntakeFunc) {
	byID := map[string]AlertRoute{}
	for _, r := range routes {
		byID[r.Route.ID] = r
	}
	s.mux.HandleFunc("POST /alerts/{route}", func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rt, ok := byID[r.PathValue("route")]
		if !ok {
			s.reject(w, "alerts", "unknown_route", http.StatusNotFound, fmt.Sprintf("no alert route %q", r.PathValue("route")))
			return
		}
		if why := jsonContent(r.Header.Get("Content-Type")); why != "" {
			s.reject(w, "alerts", "unsupported_media_type", http.StatusUnsupportedMediaType, why)
			return
		}
		body, ok := s.ReadBody(w, r, "alerts")
		if !ok {
			return
		}
		pd := rt.Route.Kind == alerts.KindPagerDuty
		if pd && !json.Valid(body) {
			// A PagerDuty sender learns of a broken body as PagerDuty says
			// it, before its routing key (inside that body) can be read.
			_, err := alerts.Decode(rt.Route, body)
			s.rejectWith(w, "alerts", "malformed", http.StatusBadRequest, alerts.PagerDutyInvalid(err))
			return
		}
		if err := rt.Auth.Authorize(r.Header, body); err != nil {
			s.o.Log.Warn("alert rejected: bad credentials", "route", rt.Route.ID, "remote", r.RemoteAddr)
			s.reject(w, "alerts", "unauthorized", http.StatusUnauthorized, "missing or wrong credentials")
			return
		}
		as, err := alerts.Decode(rt.Route, body)
		var syn *alerts.SyntaxError
		switch {
		case errors.Is(err, alerts.ErrNoAlert):
			// A test notification (Uptime Kuma's Test button), pending or
			// maintenance: understood, nothing to record.
			s.o.Log.Info("alert route: nothing to record", "route", rt.Route.ID, "why", err.Error())
			writeJSON(w, http.StatusOK, map[string]any{"incidents": []string{}, "opened": 0, "recorded": 0})
			return
		case pd && err != nil:
			// PagerDuty clients read PagerDuty's answer.
			s.rejectWith(w, "alerts", "invalid", http.StatusBadRequest, alerts.PagerDutyInvalid(err))
			return
		case errors.As(err, &syn):
			s.reject(w, "alerts", "malformed", http.StatusBadRequest, fmt.Sprintf("malformed JSON at line %d, column %d: %s", syn.Line, syn.Col, syn.Msg))
			return
		case err != nil:
			s.reject(w, "alerts", "invalid", http.StatusBadRequest, err.Error())
			return
		}
		res, err := intake(r.Context(), rt.Route, as)
		if errors.Is(err, store.ErrUnavailable) || (err != nil && s.notReady(r.Context())) {
			// The store is unreachable, failing over or refusing writes
			// (emptied under us): every sender retries a 503, and the
			// alert is recorded once the store is back.
			s.o.Log.Warn("alert intake: store not available; asked the sender to retry", "route", rt.Route.ID, "err", err)
			w.Header().Set("Retry-After", "2")
			s.reject(w, "alerts", "unavailable", http.StatusServiceUnavailable, "the store is not available right now; retry in a few seconds")
			return
		}
		if err != nil {
			s.o.Log.Error("alert intake failed", "route", rt.Route.ID, "err", err)
			s.reject(w, "alerts", "store", http.StatusInternalServerError, "could not record the alerts; retry")
			return
		}
		if m := s.o.Metrics; m != nil {
			for _, a := range as {
				m.alerts.WithLabelValues(rt.Route.ID, a.Status).Inc()
			}
			m.intake.Observe(time.Since(start).Seconds())
		}
		if pd {
			writeJSON(w, http.StatusAccepted, alerts.PagerDutyAccepted(as))
			return
		}
		if res.Incidents == nil {
			res.Incidents = []string{}
		}
		writeJSON(w, http.StatusOK, res)
	})
}

// jsonContent checks a request's Content-Type for an alert route and
// returns why it is refused, "" when it is JSON: application/json, with
// parameters or none, but a charset only if it is UTF-8 (RFC 8259: JSON
// between systems is UTF-8). Alertmanager and Grafana send
// "application/json"; a generic sender must say so too. A missing header,
// text/plain (what a browser form or a bare curl -d can post) and every
// other type are refused.
func jsonContent(ct string) string {
	const want = "Content-Type must be application/json"
	if strings.TrimSpace(ct) == "" {
		return want + " (none was sent)"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return want
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return want + " in UTF-8"
	}
	return ""
}
