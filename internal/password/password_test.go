package password

import (
	"errors"
	"regexp"
	"testing"
)

func TestHashFormat(t *testing.T) {
	h, err := Hash("secret")
	if err != nil {
		t.Fatal(err)
	}
	// Jellyfin stores 194 characters: 16-byte salt and 64-byte hash in uppercase hex.
	re := regexp.MustCompile(`^\$PBKDF2-SHA512\$iterations=210000\$[0-9A-F]{32}\$[0-9A-F]{128}$`)
	if !re.MatchString(h) || len(h) != 194 {
		t.Fatalf("hash %q not in Jellyfin's format", h)
	}
	ok, rehash, err := Verify("secret", h)
	if err != nil || !ok || rehash {
		t.Fatalf("Verify(right) = %v, %v, %v", ok, rehash, err)
	}
	ok, _, err = Verify("Secret", h)
	if err != nil || ok {
		t.Fatalf("Verify(wrong) = %v, %v", ok, err)
	}
}

// A known vector computed independently: PBKDF2-HMAC-SHA512, password
// "password", salt "salt" (hex 73616C74), 1 iteration (RFC 6070 style
// vector for SHA-512, as published in many PBKDF2 test suites).
func TestVerifyKnownVector(t *testing.T) {
	stored := "$PBKDF2-SHA512$iterations=1$73616C74$867F70CF1ADE02CFF3752599A3A53DC4AF34C7A669815AE5D513554E1C8CF252C02D470A285A0501BAD999BFE943C08F050235D7D68B1DA55E63F73B60A57FCE"
	ok, rehash, err := Verify("password", stored)
	if err != nil || !ok || !rehash {
		t.Fatalf("Verify = %v, %v, %v; want match needing rehash", ok, rehash, err)
	}
	// Legacy SHA-1 (RFC 6070 vector, 20-byte output).
	legacy := "$PBKDF2$iterations=1$73616C74$0C60C80F961F0E71F3A9B524AF6012062FE037A6"
	ok, rehash, err = Verify("password", legacy)
	if err != nil || !ok || !rehash {
		t.Fatalf("legacy Verify = %v, %v, %v", ok, rehash, err)
	}
}

func TestVerifyMalformed(t *testing.T) {
	for _, s := range []string{"plain", "$MD5$x$y$z", "$PBKDF2-SHA512$iterations=abc$00$00", "$PBKDF2-SHA512$$00$00", "$PBKDF2-SHA512$iterations=1$zz$00"} {
		if _, _, err := Verify("x", s); !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(%q) err = %v, want ErrMalformed", s, err)
		}
	}
	if ok, _, _ := Verify("", ""); !ok {
		t.Error("empty password should match an empty hash")
	}
	if ok, _, _ := Verify("x", ""); ok {
		t.Error("non-empty password must not match an empty hash")
	}
}
