package alerts

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	env := map[string]string{"AM_TOKEN": " s3cret-token\n", "EMPTY": "  ", "HOOK_SECRET": "hmac-key"}
	getenv := func(k string) string { return env[k] }
	files := map[string]string{"/run/secrets/grafana": "file-token\n", "/run/secrets/empty": "\n"}
	readFile := func(p string) ([]byte, error) {
		if s, ok := files[p]; ok {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("open %s: %w", p, fs.ErrNotExist)
	}
	tests := []struct {
		name  string
		route Route
		want  Auth
		err   string
	}{
		{"token env", Route{TokenEnv: "AM_TOKEN"}, Auth{Token: "s3cret-token"}, ""},
		{"token file", Route{TokenFile: "/run/secrets/grafana"}, Auth{Token: "file-token"}, ""},
		{"hmac default header", Route{HMACSecretEnv: "HOOK_SECRET"}, Auth{HMACSecret: "hmac-key", Header: "X-Signature-256"}, ""},
		{"hmac own header", Route{HMACSecretEnv: "HOOK_SECRET", HMACHeader: "x-hub-signature-256"}, Auth{HMACSecret: "hmac-key", Header: "X-Hub-Signature-256"}, ""},
		{"unset env", Route{TokenEnv: "NOPE"}, Auth{}, "token_env: environment variable NOPE is empty or unset"},
		{"blank env", Route{HMACSecretEnv: "EMPTY"}, Auth{}, "hmac_secret_env: environment variable EMPTY is empty or unset"},
		{"missing file", Route{TokenFile: "/nope"}, Auth{}, "token_file: open /nope: file does not exist"},
		{"empty file", Route{TokenFile: "/run/secrets/empty"}, Auth{}, "token_file: /run/secrets/empty is empty"},
		{"none", Route{}, Auth{}, "no authentication: set one of token_env, token_file or hmac_secret_env"},
		{"two", Route{TokenEnv: "AM_TOKEN", HMACSecretEnv: "HOOK_SECRET"}, Auth{}, "set only one of token_env, token_file and hmac_secret_env"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.route.Resolve(getenv, readFile)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("Resolve = %v, %v; want error %q", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Resolve = %#v, %v; want %#v", got, err, tt.want)
			}
		})
	}
}

func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestAuthorize(t *testing.T) {
	body := []byte(`{"alerts":[{"status":"firing"}]}`)
	token := Auth{Token: "s3cret-token"}
	mac := Auth{HMACSecret: "hmac-key", Header: "X-Signature-256"}
	good := sign("hmac-key", body)
	tests := []struct {
		name   string
		auth   Auth
		header map[string]string
		body   []byte
		ok     bool
	}{
		{"right bearer", token, map[string]string{"Authorization": "Bearer s3cret-token"}, body, true},
		{"scheme any case", token, map[string]string{"Authorization": "bearer s3cret-token"}, body, true},
		{"wrong bearer", token, map[string]string{"Authorization": "Bearer s3cret-tokem"}, body, false},
		{"prefix of the token", token, map[string]string{"Authorization": "Bearer s3cret"}, body, false},
		{"token plus more", token, map[string]string{"Authorization": "Bearer s3cret-token2"}, body, false},
		{"empty bearer", token, map[string]string{"Authorization": "Bearer "}, body, false},
		{"missing header", token, nil, body, false},
		{"bare token", token, map[string]string{"Authorization": "s3cret-token"}, body, false},
		{"other scheme", token, map[string]string{"Authorization": "Token s3cret-token"}, body, false},
		{"basic, token as password", token, map[string]string{"Authorization": basic("grafana", "s3cret-token")}, body, true},
		{"basic, empty user", token, map[string]string{"Authorization": basic("", "s3cret-token")}, body, true},
		{"basic, wrong password", token, map[string]string{"Authorization": basic("grafana", "nope")}, body, false},
		{"basic, token as user", token, map[string]string{"Authorization": basic("s3cret-token", "")}, body, false},
		{"basic, not base64", token, map[string]string{"Authorization": "Basic %%%"}, body, false},
		{"basic, no colon", token, map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("s3cret-token"))}, body, false},
		{"hmac good, prefixed", mac, map[string]string{"X-Signature-256": "sha256=" + good}, body, true},
		{"hmac good, bare", mac, map[string]string{"X-Signature-256": good}, body, true},
		{"hmac good, upper-case hex", mac, map[string]string{"X-Signature-256": "SHA256=" + strings.ToUpper(good)}, body, true},
		{"hmac bad", mac, map[string]string{"X-Signature-256": "sha256=" + sign("other-key", body)}, body, false},
		{"hmac over a modified body", mac, map[string]string{"X-Signature-256": "sha256=" + good}, []byte(`{"alerts":[{"status":"resolved"}]}`), false},
		{"hmac body with a space more", mac, map[string]string{"X-Signature-256": "sha256=" + good}, append(append([]byte{}, body...), ' '), false},
		{"hmac truncated", mac, map[string]string{"X-Signature-256": "sha256=" + good[:32]}, body, false},
		{"hmac not hex", mac, map[string]string{"X-Signature-256": "sha256=zz"}, body, false},
		{"hmac missing", mac, nil, body, false},
		{"hmac in the wrong header", mac, map[string]string{"X-Hub-Signature-256": "sha256=" + good}, body, false},
		{"hmac ignores a bearer", mac, map[string]string{"Authorization": "Bearer hmac-key"}, body, false},
		{"own header", Auth{HMACSecret: "hmac-key", Header: "X-Hub-Signature-256"}, map[string]string{"x-hub-signature-256": good}, body, true},
		{"no credentials configured", Auth{}, map[string]string{"Authorization": "Bearer "}, body, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			err := tt.auth.Authorize(h, tt.body)
			if tt.ok && err != nil {
				t.Fatalf("Authorize = %v, want ok", err)
			}
			if !tt.ok {
				if !errors.Is(err, ErrUnauthorized) {
					t.Fatalf("Authorize = %v, want ErrUnauthorized", err)
				}
				for _, secret := range []string{"s3cret-token", "hmac-key"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error %q shows a secret", err)
					}
				}
			}
		})
	}
}

func TestAuthDoesNotPrintSecrets(t *testing.T) {
	for _, a := range []Auth{{Token: "s3cret-token"}, {HMACSecret: "hmac-key"}, {Token: "s3cret-token", HMACSecret: "hmac-key"}} {
		for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
			if s := fmt.Sprintf(format, a); strings.Contains(s, "s3cret") || strings.Contains(s, "hmac-key") {
				t.Errorf("Sprintf(%q) = %q shows a secret", format, s)
			}
		}
	}
}
