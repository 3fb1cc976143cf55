// Package password reads and writes Jellyfin's password hashes, so users
// moved from Jellyfin keep their passwords and users made by jellyha can go
// back. The format is PHC-like: $PBKDF2-SHA512$iterations=210000$SALT$HASH,
// salt and hash in uppercase hex.
package password

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // Jellyfin's legacy $PBKDF2$ hashes are PBKDF2-HMAC-SHA1; verified, never written.
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// Jellyfin's current defaults (MediaBrowser.Model.Cryptography.Constants).
const (
	DefaultIterations = 210000
	saltLength        = 16
	sha512Length      = 64
	sha1Length        = 20
	maxIterations     = 10_000_000
)

// ErrMalformed reports a stored hash that is not in any format Jellyfin writes.
var ErrMalformed = errors.New("malformed password hash")

// Hash returns Jellyfin's current hash of plain.
func Hash(plain string) (string, error) {
	salt := make([]byte, saltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return hashWith(plain, salt, DefaultIterations)
}

func hashWith(plain string, salt []byte, iterations int) (string, error) {
	sum, err := pbkdf2.Key(sha512.New, plain, salt, iterations, sha512Length)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("$PBKDF2-SHA512$iterations=%d$%s$%s", iterations,
		strings.ToUpper(hex.EncodeToString(salt)), strings.ToUpper(hex.EncodeToString(sum))), nil
}

// Verify reports whether plain matches stored. An empty stored hash matches
// only an empty password, as in Jellyfin. Rehash is true when the match used
// an older algorithm or iteration count, so the caller should store Hash(plain).
func Verify(plain, stored string) (ok, rehash bool, err error) {
	if stored == "" {
		return plain == "", false, nil
	}
	parts := strings.Split(stored, "$")
	// "", id, params, salt, hash
	if len(parts) != 5 || parts[0] != "" {
		return false, false, ErrMalformed
	}
	var newHash func() hash.Hash
	var size int
	switch parts[1] {
	case "PBKDF2-SHA512":
		newHash, size = sha512.New, sha512Length
	case "PBKDF2", "PBKDF2-SHA1":
		newHash, size = sha1.New, sha1Length
	default:
		return false, false, fmt.Errorf("%w: unknown algorithm %q", ErrMalformed, parts[1])
	}
	iterations := 0
	for kv := range strings.SplitSeq(parts[2], ",") {
		k, v, _ := strings.Cut(kv, "=")
		if k == "iterations" {
			iterations, err = strconv.Atoi(v)
			if err != nil || iterations <= 0 || iterations > maxIterations {
				return false, false, fmt.Errorf("%w: iterations %q", ErrMalformed, v)
			}
		}
	}
	if iterations == 0 {
		return false, false, fmt.Errorf("%w: no iteration count", ErrMalformed)
	}
	salt, err1 := hex.DecodeString(parts[3])
	want, err2 := hex.DecodeString(parts[4])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, false, fmt.Errorf("%w: bad hex", ErrMalformed)
	}
	if len(want) != size {
		// Jellyfin derives as many bytes as the stored hash has.
		size = len(want)
	}
	got, err := pbkdf2.Key(newHash, plain, salt, iterations, size)
	if err != nil {
		return false, false, err
	}
	if !hmac.Equal(got, want) {
		return false, false, nil
	}
	return true, parts[1] != "PBKDF2-SHA512" || iterations != DefaultIterations, nil
}
