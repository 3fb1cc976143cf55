// Package media is jellyha's domain model: users, devices, library items and
// play state, as Jellyfin defines them. It imports nothing of ours, so the
// store, the HTTP API and the migrator can all depend on it.
package media

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
)

// ID is a Jellyfin GUID in RFC 4122 byte order (the order its text form is
// read in). Jellyfin writes GUIDs in several forms: uppercase hyphenated on
// SQLite, 32 lowercase hex digits ("N" format) on the wire, lowercase
// hyphenated in some string columns. ParseID reads them all.
type ID [16]byte

// NilID is Guid.Empty, which Jellyfin stores where a GUID is "unset".
var NilID ID

// PlaceholderItemID is the seeded BaseItems row that UserData of deleted
// items is re-pointed to (Jellyfin's migration DetachUserDataInsteadOfDelete).
var PlaceholderItemID = ID{15: 1}

// ErrInvalidID reports text that is not a GUID in any form Jellyfin uses.
var ErrInvalidID = errors.New("invalid GUID")

// ParseID reads a GUID in hyphenated ("D"), plain 32-hex ("N") or braced ("B")
// form, in either case.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) == 38 && s[0] == '{' && s[37] == '}' {
		s = s[1:37]
	}
	var digits [32]byte
	switch len(s) {
	case 32:
		copy(digits[:], s)
	case 36:
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return id, fmt.Errorf("%w: %q", ErrInvalidID, s)
		}
		n := copy(digits[:], s[0:8])
		n += copy(digits[n:], s[9:13])
		n += copy(digits[n:], s[14:18])
		n += copy(digits[n:], s[19:23])
		copy(digits[n:], s[24:36])
	default:
		return id, fmt.Errorf("%w: %q", ErrInvalidID, s)
	}
	if _, err := hex.Decode(id[:], digits[:]); err != nil {
		return id, fmt.Errorf("%w: %q", ErrInvalidID, s)
	}
	return id, nil
}

// MustParseID is ParseID for constants; it panics on bad input.
func MustParseID(s string) ID {
	id, err := ParseID(s)
	if err != nil {
		panic(err)
	}
	return id
}

// IsZero reports whether id is Guid.Empty.
func (id ID) IsZero() bool { return id == NilID }

// String returns the "N" form Jellyfin clients use on the wire: 32 lowercase
// hex digits.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// Hyphenated returns the lowercase "D" form, which Jellyfin uses inside some
// string columns (BaseItems.OwnerId, UserData.CustomDataKey fallback).
func (id ID) Hyphenated() string {
	var b [36]byte
	hex.Encode(b[0:8], id[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], id[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], id[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], id[8:10])
	b[23] = '-'
	hex.Encode(b[24:], id[10:])
	return string(b[:])
}

// MarshalText implements encoding.TextMarshaler with the "N" form.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler for every form ParseID takes.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// NewID returns a random (version 4) GUID, as .NET's Guid.NewGuid does.
func NewID() ID {
	var id ID
	if _, err := rand.Read(id[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return id
}
