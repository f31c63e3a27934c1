package web

import (
	"net/http"
	"strings"

	"github.com/irbot/irbot/bot/chat"
)

// RequireBearer returns h behind a bearer token: a request must carry
// "Authorization: Bearer <token>" (the scheme in any case, RFC 6750), else
// it is answered 401 with "WWW-Authenticate: Bearer" and h never sees it.
// The token is compared in constant time. An empty token returns h
// unchanged: open to anyone who can reach it.
func RequireBearer(token string, h http.Handler) http.Handler {
	return requireBearer(token, h, nil)
}

// requireBearer is RequireBearer with refused calling refuse (nil = a
// plain 401 JSON answer).
func requireBearer(token string, h http.Handler, refuse func(w http.ResponseWriter)) http.Handler {
	if token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if chat.SecretEqual(bearerToken(r.Header.Get("Authorization")), token) {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="irbot"`)
		if refuse != nil {
			refuse(w)
			return
		}
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong bearer token"})
	})
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header, "" for any other header.
func bearerToken(auth string) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(auth), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}
