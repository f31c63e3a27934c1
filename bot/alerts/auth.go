package alerts

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// ErrUnauthorized is returned (wrapped, with the reason) by
// Auth.Authorize when a request's credentials are missing or wrong.
var ErrUnauthorized = errors.New("alerts: unauthorized")

// Auth holds a route's resolved credentials: a bearer token, or an
// HMAC-SHA256 secret and the header its signature comes in. Its String
// and GoString hide the secrets, so it can be logged.
type Auth struct {
	Token      string
	HMACSecret string
	Header     string // header carrying the signature; "" = DefaultHMACHeader
	// RoutingKey also accepts the token as the body's routing_key when a
	// request has no Authorization header, as PagerDuty clients send it
	// (set by Resolve for kind pagerduty).
	RoutingKey bool
}

// Resolve reads the route's credentials: the token from the environment
// variable token_env or the file token_file, or the HMAC secret from
// hmac_secret_env. Surrounding white space (a file's final newline) is
// dropped; an empty credential is an error, so a route can never be open.
// A nil getenv or readFile means os.Getenv or os.ReadFile. Errors name the
// variable or file but never show a secret.
func (r Route) Resolve(getenv func(string) string, readFile func(string) ([]byte, error)) (Auth, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if readFile == nil {
		readFile = os.ReadFile
	}
	if err := r.authMethod(); err != nil {
		return Auth{}, err
	}
	switch {
	case r.TokenEnv != "":
		tok := strings.TrimSpace(getenv(r.TokenEnv))
		if tok == "" {
			return Auth{}, fmt.Errorf("token_env: environment variable %s is empty or unset", r.TokenEnv)
		}
		return Auth{Token: tok, RoutingKey: r.Kind == KindPagerDuty}, nil
	case r.TokenFile != "":
		b, err := readFile(r.TokenFile)
		if err != nil {
			return Auth{}, fmt.Errorf("token_file: %w", err)
		}
		tok := strings.TrimSpace(string(b))
		if tok == "" {
			return Auth{}, fmt.Errorf("token_file: %s is empty", r.TokenFile)
		}
		return Auth{Token: tok, RoutingKey: r.Kind == KindPagerDuty}, nil
	default:
		sec := strings.TrimSpace(getenv(r.HMACSecretEnv))
		if sec == "" {
			return Auth{}, fmt.Errorf("hmac_secret_env: environment variable %s is empty or unset", r.HMACSecretEnv)
		}
		h := r.HMACHeader
		if h == "" {
			h = DefaultHMACHeader
		}
		return Auth{HMACSecret: sec, Header: http.CanonicalHeaderKey(h)}, nil
	}
}

// Authorize checks a request's credentials. With a token it wants
// "Authorization: Bearer <token>", or Basic auth with the token as the
// password (any user name; Grafana's basic-auth option), or, with
// RoutingKey and no Authorization header, the token as the JSON body's
// routing_key (matched as encoding/json matches keys). With an HMAC
// secret it wants the hex HMAC-SHA256 of the exact body bytes in the
// signature header, bare or as "sha256=<hex>". Comparisons take constant
// time. Every failure, including an Auth with no credentials at all, is
// ErrUnauthorized wrapped with a short reason that holds no secret.
func (a Auth) Authorize(h http.Header, body []byte) error {
	if a.Token == "" && a.HMACSecret == "" {
		return fmt.Errorf("%w: route has no credentials", ErrUnauthorized)
	}
	if a.Token != "" {
		check := a.checkToken(h)
		if a.RoutingKey && strings.TrimSpace(h.Get("Authorization")) == "" {
			check = a.checkRoutingKey(body)
		}
		if check != nil {
			return check
		}
	}
	if a.HMACSecret != "" {
		if err := a.checkSignature(h, body); err != nil {
			return err
		}
	}
	return nil
}

func (a Auth) checkToken(h http.Header) error {
	v := strings.TrimSpace(h.Get("Authorization"))
	if v == "" {
		return fmt.Errorf("%w: missing Authorization header", ErrUnauthorized)
	}
	scheme, cred, _ := strings.Cut(v, " ")
	cred = strings.TrimSpace(cred)
	var got string
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		got = cred
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return fmt.Errorf("%w: malformed Basic credentials", ErrUnauthorized)
		}
		_, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return fmt.Errorf("%w: malformed Basic credentials", ErrUnauthorized)
		}
		got = pass
	default:
		return fmt.Errorf("%w: Authorization scheme is not Bearer or Basic", ErrUnauthorized)
	}
	if !equalSecret(got, a.Token) {
		return fmt.Errorf("%w: wrong token", ErrUnauthorized)
	}
	return nil
}

func (a Auth) checkRoutingKey(body []byte) error {
	var ev struct {
		RoutingKey string `json:"routing_key"`
	}
	if json.Unmarshal(body, &ev) != nil || strings.TrimSpace(ev.RoutingKey) == "" {
		return fmt.Errorf("%w: no Authorization header and no routing_key", ErrUnauthorized)
	}
	if !equalSecret(strings.TrimSpace(ev.RoutingKey), a.Token) {
		return fmt.Errorf("%w: wrong routing_key", ErrUnauthorized)
	}
	return nil
}

func (a Auth) checkSignature(h http.Header, body []byte) error {
	name := a.Header
	if name == "" {
		name = DefaultHMACHeader
	}
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return fmt.Errorf("%w: missing %s header", ErrUnauthorized, name)
	}
	if len(v) > 7 && strings.EqualFold(v[:7], "sha256=") {
		v = v[7:]
	}
	got, err := hex.DecodeString(v)
	if err != nil {
		return fmt.Errorf("%w: %s is not hex", ErrUnauthorized, name)
	}
	mac := hmac.New(sha256.New, []byte(a.HMACSecret))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return fmt.Errorf("%w: wrong signature", ErrUnauthorized)
	}
	return nil
}

// equalSecret compares two secrets in constant time. Both are hashed
// first so that not even their lengths leak.
func equalSecret(got, want string) bool {
	g := sha256.Sum256([]byte(got))
	w := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// String describes the credentials without showing them.
func (a Auth) String() string {
	switch {
	case a.Token != "" && a.HMACSecret != "":
		return "alerts.Auth{bearer token, HMAC signature (redacted)}"
	case a.Token != "" && a.RoutingKey:
		return "alerts.Auth{bearer token or routing_key (redacted)}"
	case a.Token != "":
		return "alerts.Auth{bearer token (redacted)}"
	case a.HMACSecret != "":
		h := a.Header
		if h == "" {
			h = DefaultHMACHeader
		}
		return "alerts.Auth{HMAC signature in " + h + " (redacted)}"
	}
	return "alerts.Auth{none}"
}

// GoString is String, so %#v hides the secrets too.
func (a Auth) GoString() string { return a.String() }
