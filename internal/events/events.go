// Package events carries change notices between the parts of jellyha that
// make changes (playback reports, played and favourite toggles) and those
// that tell clients about them (the /socket WebSocket), on this replica and
// on every other one.
//
// A notice names what changed, never the new state: "user U's play state of
// items I changed", "the sessions changed". Whoever receives it reads the
// database, which is the only authority, so a notice that arrives late or
// twice does no harm, and one that is lost costs a client a refresh, never
// data. The one exception is a remote control command (SessionCommand),
// which is an instruction to pass on, not a state: losing one loses a
// button press, never data.
//
// On SQLite (one process) the bus is in-process. On PostgreSQL it is
// LISTEN/NOTIFY on the database every replica already shares, so there is
// no new server to run.
package events

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/schema"
)

// Kind says what changed.
type Kind string

const (
	// UserDataChanged: a user's play state (played, favourite, position)
	// of Items changed.
	UserDataChanged Kind = "userdata"
	// SessionsChanged: a session started or stopped playing. Progress
	// reports are not announced: subscribers refresh session lists
	// periodically, as often as the client asked.
	SessionsChanged Kind = "sessions"
	// SessionCommand: a remote control command for User's sessions on
	// Device, whose WebSocket Message is sent as it is to that device's
	// connections on whichever replica holds them. Unlike the other kinds
	// it carries what to do rather than what changed: one that is lost is
	// a button press that did nothing, to be pressed again.
	SessionCommand Kind = "command"
)

// MaxMessage bounds a SessionCommand's Message: a notice must fit
// PostgreSQL's NOTIFY (8000 bytes) with the rest of the event.
const MaxMessage = 7000

// Event is one change notice.
type Event struct {
	Kind    Kind            `json:"k"`
	User    media.ID        `json:"u,omitzero"`
	Items   []media.ID      `json:"i,omitempty"`
	Device  string          `json:"d,omitempty"`
	Message json.RawMessage `json:"m,omitempty"`
}

// Bus delivers events to every subscriber on every replica, the
// publisher's own included.
type Bus interface {
	// Publish sends e. It is called after the change is committed, so a
	// subscriber that reads the database sees it. An error means other
	// replicas may not hear of it; the change itself stands.
	Publish(ctx context.Context, e Event) error
	// Subscribe calls fn for every event until cancel is called. fn runs
	// on the publisher's or the listener's goroutine and must not block:
	// it should note the event and return.
	Subscribe(fn func(Event)) (cancel func())
	// Close stops delivery and releases the bus's connection.
	Close() error
}

// Open returns the bus for db: LISTEN/NOTIFY on PostgreSQL, in-process on
// SQLite. On PostgreSQL it starts listening in the background and returns
// at once; Close stops it.
func Open(db *database.DB, log *slog.Logger) Bus {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if db.Engine == schema.PostgreSQL {
		return newPostgres(db, log)
	}
	return NewLocal()
}

// fanout calls the subscribers of one process.
type fanout struct {
	mu   sync.RWMutex
	next int
	subs map[int]func(Event)
}

func (f *fanout) Subscribe(fn func(Event)) (cancel func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subs == nil {
		f.subs = make(map[int]func(Event))
	}
	id := f.next
	f.next++
	f.subs[id] = fn
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.subs, id)
	}
}

func (f *fanout) deliver(e Event) {
	f.mu.RLock()
	fns := make([]func(Event), 0, len(f.subs))
	for _, fn := range f.subs {
		fns = append(fns, fn)
	}
	f.mu.RUnlock()
	for _, fn := range fns {
		fn(e)
	}
}

// Local is the in-process bus: a single SQLite process has nobody else to
// tell.
type Local struct{ fanout }

// NewLocal returns an in-process bus.
func NewLocal() *Local { return &Local{} }

// Publish implements Bus.
func (l *Local) Publish(_ context.Context, e Event) error {
	l.deliver(e)
	return nil
}

// Close implements Bus.
func (l *Local) Close() error { return nil }
