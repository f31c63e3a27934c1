package chat

import (
	"crypto/sha256"
	"crypto/subtle"
)

// SecretEqual compares a webhook request's secret with the configured one
// in constant time, over SHA-256 digests so that not even the length
// leaks. An empty configured secret matches nothing.
func SecretEqual(got, want string) bool {
	if want == "" {
		return false
	}
	x := sha256.Sum256([]byte(got))
	y := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(x[:], y[:]) == 1
}
