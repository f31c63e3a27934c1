// Package web is irbot's HTTP server: platform webhooks, alert intake,
// /healthz, /readyz and /metrics, with graceful shutdown.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultMaxBody is the largest request body accepted (413 above).
const DefaultMaxBody = 1 << 20

// Options configure a Server.
type Options struct {
	Listen  string                          // address, e.g. 127.0.0.1:8080
	Ready   func(ctx context.Context) error // nil = always ready
	Metrics *Metrics                        // nil = no /metrics
	// MetricsToken, when set, is the bearer token /metrics requires
	// (RequireBearer); "" leaves /metrics open to anyone who can reach
	// the server.
	MetricsToken string
	Log          *slog.Logger
	MaxBody      int64 // default DefaultMaxBody
}

// Server routes every HTTP endpoint of irbot. Mount platform webhooks with
// Handle before Serve.
type Server struct {
	o   Options
	mux *http.ServeMux
	srv *http.Server
}

// New returns a server with /healthz, /readyz and /metrics (behind
// Options.MetricsToken when it is set; a refused scrape is counted as
// endpoint "metrics", reason "unauthorized").
func New(o Options) *Server {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	s := &Server{o: o, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if o.Ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
			defer cancel()
			if err := o.Ready(ctx); err != nil {
				writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "error": err.Error()})
				return
			}
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	if o.Metrics != nil {
		h := promhttp.HandlerFor(o.Metrics.reg, promhttp.HandlerOpts{})
		s.mux.Handle("GET /metrics", requireBearer(o.MetricsToken, h, func(w http.ResponseWriter) {
			s.reject(w, "metrics", "unauthorized", http.StatusUnauthorized, "missing or wrong bearer token")
		}))
	}
	s.srv = &http.Server{Handler: s.recoverer(s.mux), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	return s
}

// Handle mounts h at pattern (net/http ServeMux syntax, e.g.
// "POST /telegram/webhook").
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Handler returns the root handler (for tests with httptest).
func (s *Server) Handler() http.Handler { return s.srv.Handler }

// recoverer turns a panic in a handler into a 500 and a log line: one bad
// request never takes the server down.
func (s *Server) recoverer(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				s.o.Log.Error("handler panicked", "path", r.URL.Path, "panic", fmt.Sprint(v))
				writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// Serve listens on ln until ctx ends, then stops accepting and waits up to
// grace for requests in flight.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down http: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Listen opens the configured address.
func (s *Server) Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", s.o.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", s.o.Listen, err)
	}
	return ln, nil
}

// ReadBody reads a request body up to the server's limit; ok is false (and
// 413 or 400 already answered) when it could not.
func (s *Server) ReadBody(w http.ResponseWriter, r *http.Request, endpoint string) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.o.MaxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.reject(w, endpoint, "too_large", http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", s.o.MaxBody))
		return nil, false
	case err != nil:
		s.reject(w, endpoint, "read_error", http.StatusBadRequest, "could not read body")
		return nil, false
	}
	return body, true
}

// reject answers an error and counts it.
func (s *Server) reject(w http.ResponseWriter, endpoint, reason string, status int, msg string) {
	if s.o.Metrics != nil {
		s.o.Metrics.rejected.WithLabelValues(endpoint, reason).Inc()
	}
	writeJSON(w, status, map[string]string{"error": msg})
}

// rejectWith is reject with a body of the caller's shape (a PagerDuty
// client reads PagerDuty's).
func (s *Server) rejectWith(w http.ResponseWriter, endpoint, reason string, status int, body any) {
	if s.o.Metrics != nil {
		s.o.Metrics.rejected.WithLabelValues(endpoint, reason).Inc()
	}
	writeJSON(w, status, body)
}

// notReady reports whether the server's readiness check fails now.
func (s *Server) notReady(ctx context.Context) bool {
	if s.o.Ready == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return s.o.Ready(ctx) != nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
