package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/jellyha/jellyha/internal/database"
)

// Channel is the PostgreSQL notification channel every replica listens on.
const Channel = "jellyha_events"

// maxItemsPerNotice keeps a notice's payload under NOTIFY's 8000 bytes:
// an id takes 35 (32 digits, quotes, comma), so 200 take 7000, leaving room
// for the rest. Larger changes (marking a long series played) are split.
const maxItemsPerNotice = 200

// Reconnection backoff of the listening connection.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// pingEvery is how long the listener waits for a notification before it
// checks that its connection still works: a network that silently drops
// packets would otherwise leave it waiting for ever.
const pingEvery = 30 * time.Second

// Postgres is the bus on PostgreSQL: Publish delivers to this process at
// once and sends pg_notify for the others; a dedicated connection LISTENs
// and delivers the others' notices. A notice carries the publishing
// process's origin id, so a process skips its own (it already delivered
// them, and does so even while its listener is reconnecting).
type Postgres struct {
	fanout
	db     *database.DB
	cfg    *pgx.ConnConfig
	log    *slog.Logger
	origin string

	cancel context.CancelFunc
	done   chan struct{}
	// pid is the listening backend's process id (0 while disconnected);
	// tests terminate it to prove the listener comes back.
	pid atomic.Uint32
	// listening is signalled each time LISTEN succeeds.
	mu        sync.Mutex
	listening chan struct{}
}

// notice is an event on the wire, with its origin.
type notice struct {
	Origin string `json:"o"`
	Event
}

func newPostgres(db *database.DB, log *slog.Logger) *Postgres {
	var b [16]byte
	_, _ = rand.Read(b[:])
	ctx, cancel := context.WithCancel(context.Background())
	p := &Postgres{db: db, cfg: db.PgxConfig(), log: log, origin: hex.EncodeToString(b[:]),
		cancel: cancel, done: make(chan struct{}), listening: make(chan struct{})}
	go p.listen(ctx)
	return p
}

// Publish implements Bus.
func (p *Postgres) Publish(ctx context.Context, e Event) error {
	p.deliver(e)
	var errs []error
	for _, chunk := range split(e) {
		payload, err := json.Marshal(notice{Origin: p.origin, Event: chunk})
		if err != nil {
			return fmt.Errorf("events: %w", err)
		}
		err = p.db.Retry(ctx, func(ctx context.Context) error {
			_, err := p.db.Write.ExecContext(ctx, `SELECT pg_notify($1, $2)`, Channel, string(payload))
			return err
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("events: notify: %w", err)
	}
	return nil
}

// split cuts an event with many items into notices that fit NOTIFY.
func split(e Event) []Event {
	if len(e.Items) <= maxItemsPerNotice {
		return []Event{e}
	}
	var out []Event
	for items := e.Items; len(items) > 0; {
		n := min(len(items), maxItemsPerNotice)
		c := e
		c.Items = items[:n:n]
		out = append(out, c)
		items = items[n:]
	}
	return out
}

// Close implements Bus: it stops the listener and waits for it.
func (p *Postgres) Close() error {
	p.cancel()
	<-p.done
	return nil
}

// ListenerPID returns the backend process id of the listening connection,
// 0 while it is not connected.
func (p *Postgres) ListenerPID() uint32 { return p.pid.Load() }

// Listening returns a channel closed the next time LISTEN succeeds (at
// once if it is listening now).
func (p *Postgres) Listening() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.listening
}

func (p *Postgres) listen(ctx context.Context) {
	defer close(p.done)
	backoff := minBackoff
	for connected := false; ; connected = true {
		err := p.listenOnce(ctx, &backoff, connected)
		p.pid.Store(0)
		p.mu.Lock()
		select {
		case <-p.listening:
			p.listening = make(chan struct{})
		default:
		}
		p.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		p.log.Warn("events: listening connection lost; reconnecting", "err", err, "in", backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// listenOnce connects, LISTENs and delivers notices until the connection
// fails or ctx ends. After a reconnection it delivers a SessionsChanged of
// its own: notices sent while it was away are lost, and the session lists
// clients watch are the one thing worth refreshing at once.
func (p *Postgres) listenOnce(ctx context.Context, backoff *time.Duration, reconnected bool) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(cctx, p.cfg)
	cancel()
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, `LISTEN `+Channel); err != nil {
		return err
	}
	p.pid.Store(conn.PgConn().PID())
	p.mu.Lock()
	close(p.listening)
	p.mu.Unlock()
	*backoff = minBackoff
	if reconnected {
		p.log.Info("events: listening again")
		p.deliver(Event{Kind: SessionsChanged})
	}
	for {
		wctx, cancel := context.WithTimeout(ctx, pingEvery)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			if n != nil {
				p.receive(n.Payload)
			}
		case ctx.Err() != nil:
			return ctx.Err()
		case pgconn.Timeout(err):
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
		default:
			return err
		}
	}
}

func (p *Postgres) receive(payload string) {
	var n notice
	if err := json.Unmarshal([]byte(payload), &n); err != nil {
		p.log.Warn("events: unreadable notice", "err", err)
		return
	}
	if n.Origin == p.origin {
		return
	}
	p.deliver(n.Event)
}

var _ Bus = (*Postgres)(nil)
var _ Bus = (*Local)(nil)
