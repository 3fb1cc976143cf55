package password

import "fmt"

// HashWithSalt returns Jellyfin's current hash of plain with the given
// 16-byte salt. It exists for reproducible data (generated test databases);
// real passwords go through Hash, which draws a random salt.
func HashWithSalt(plain string, salt []byte) (string, error) {
	if len(salt) != saltLength {
		return "", fmt.Errorf("password: salt must be %d bytes, got %d", saltLength, len(salt))
	}
	return hashWith(plain, salt, DefaultIterations)
}
