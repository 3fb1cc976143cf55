package media

import (
	"errors"
	"fmt"
)

// Error codes shared by every layer. The HTTP layer maps them to status codes
// in one place; the CLI prints the message.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	EINTERNAL     = "internal"
	// EUNAVAILABLE: the server cannot take this now (the database is away,
	// a limit is reached, another replica cannot be reached); the same
	// request may succeed later.
	EUNAVAILABLE = "unavailable"
	// EMEDIA: the media could not be processed (ffmpeg failed on it).
	EMEDIA = "media"
)

// Error is a domain error: a code for programs and a message for people.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}
