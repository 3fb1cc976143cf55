package jellyfin

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// statusOf maps a domain error code to its HTTP status. It is the only
// place that does: handlers return media errors and never pick a status.
func statusOf(code string) int {
	switch code {
	case media.EINVALID:
		return http.StatusBadRequest
	case media.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case media.EFORBIDDEN:
		return http.StatusForbidden
	case media.ENOTFOUND:
		return http.StatusNotFound
	case media.ECONFLICT:
		return http.StatusConflict
	case media.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// writeError answers with the status err's code maps to. Jellyfin's bodies
// vary and clients look only at the status, so the body is the message as
// text; an internal error's message is logged, never shown, because it can
// carry SQL or paths. An EMEDIA error (ffmpeg failed) is a 500 too, but its
// message is written for the client and says so.
//
// A database that cannot be reached (a PostgreSQL restart or failover, a
// cut network) is 503 with Retry-After, not 500 and above all not 401: a
// client that reads 401 logs its user out, and a load balancer that reads
// 503 tries another replica. Nothing was acknowledged, so the client's next
// report or retry carries the state. Other EUNAVAILABLE errors (the
// transcode cap) say why themselves.
func (rt *Router) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := media.ErrorCode(err)
	if code == media.EINTERNAL && database.IsTransient(err) {
		rt.log.Warn("database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "5")
		writeText(w, http.StatusServiceUnavailable, "the database is unavailable; try again shortly")
		return
	}
	status := statusOf(code)
	if code == media.EINTERNAL {
		rt.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeText(w, status, "internal server error")
		return
	}
	var e *media.Error
	errors.As(err, &e)
	if status == http.StatusUnauthorized {
		// What ASP.NET's authentication answers with.
		w.Header().Set("WWW-Authenticate", `MediaBrowser realm="Jellyfin"`)
	}
	writeText(w, status, e.Message)
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only a programming error (an unsupported type) gets here.
		writeText(w, http.StatusInternalServerError, "internal server error")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func noContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

// maxBody bounds request bodies; the API's are small JSON documents.
const maxBody = 1 << 20

// decode reads a JSON body into v. encoding/json matches member names
// without regard to case, which Jellyfin clients rely on (Kodi sends
// "username"). A missing body is an error only when required is set.
func decode(r *http.Request, v any, required bool) error {
	body := http.MaxBytesReader(nil, r.Body, maxBody)
	err := json.NewDecoder(body).Decode(v)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF):
		if required {
			return media.Errorf(media.EINVALID, "a JSON body is required")
		}
		return nil
	default:
		return media.Errorf(media.EINVALID, "the body is not valid JSON: %v", err)
	}
}

// Time is a date as Jellyfin writes them: UTC, ISO 8601, with .NET's seven
// fractional digits.
type Time struct{ time.Time }

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format("2006-01-02T15:04:05.0000000Z") + `"`), nil
}

// timePtr converts an optional date; a nil or zero one is left out.
func timePtr(t *time.Time) *Time {
	if t == nil || t.IsZero() {
		return nil
	}
	return &Time{*t}
}
