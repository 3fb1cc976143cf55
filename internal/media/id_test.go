package media

import (
	"errors"
	"testing"
)

func TestParseID(t *testing.T) {
	want := ID{0x3c, 0xe5, 0xb6, 0x5d, 0xe1, 0x16, 0xd7, 0x31, 0x65, 0xd1, 0xef, 0xc4, 0xa3, 0x0e, 0xc3, 0x5c}
	for _, s := range []string{
		"3CE5B65D-E116-D731-65D1-EFC4A30EC35C", // SQLite, as Jellyfin writes it
		"3ce5b65d-e116-d731-65d1-efc4a30ec35c", // lowercase "D" (OwnerId, UserData keys)
		"3ce5b65de116d73165d1efc4a30ec35c",     // "N", on the wire
		"{3ce5b65d-e116-d731-65d1-efc4a30ec35c}",
	} {
		got, err := ParseID(s)
		if err != nil || got != want {
			t.Errorf("ParseID(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "3ce5b65d", "3ce5b65de116d73165d1efc4a30ec35z", "3ce5b65d-e116-d731-65d1_efc4a30ec35c", "3ce5b65de-116-d731-65d1-efc4a30ec35c"} {
		if _, err := ParseID(s); !errors.Is(err, ErrInvalidID) {
			t.Errorf("ParseID(%q) err = %v", s, err)
		}
	}
	if want.String() != "3ce5b65de116d73165d1efc4a30ec35c" || want.Hyphenated() != "3ce5b65d-e116-d731-65d1-efc4a30ec35c" {
		t.Errorf("String %s Hyphenated %s", want.String(), want.Hyphenated())
	}
	if PlaceholderItemID.Hyphenated() != "00000000-0000-0000-0000-000000000001" {
		t.Errorf("placeholder %s", PlaceholderItemID.Hyphenated())
	}
	a, b := NewID(), NewID()
	if a == b || a[6]>>4 != 4 || a[8]>>6 != 2 {
		t.Errorf("NewID not a random v4 GUID: %s %s", a, b)
	}
}

func TestLockoutThreshold(t *testing.T) {
	n := func(v int) *int { return &v }
	for _, c := range []struct {
		limit *int
		want  int
	}{{nil, 0}, {n(-1), 0}, {n(0), 3}, {n(5), 5}} {
		u := User{LoginAttemptsBeforeLockout: c.limit}
		if got := u.LockoutThreshold(); got != c.want {
			t.Errorf("limit %v: threshold %d, want %d", c.limit, got, c.want)
		}
	}
}
