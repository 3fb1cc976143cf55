package events_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/events"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/testdb"
)

// wait is how long a test waits for an event: generous, because a busy
// machine may be slow, and a correct run never waits this long.
const wait = 30 * time.Second

// collect subscribes to b and returns the channel its events arrive on.
func collect(t *testing.T, b events.Bus) <-chan events.Event {
	t.Helper()
	ch := make(chan events.Event, 1000)
	cancel := b.Subscribe(func(e events.Event) { ch <- e })
	t.Cleanup(cancel)
	return ch
}

// next returns the next event of kind k, skipping others.
func next(t *testing.T, ch <-chan events.Event, k events.Kind) events.Event {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case e := <-ch:
			if e.Kind == k {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s event within %s", k, wait)
		}
	}
}

// none checks that nothing of kind k arrives for a while. Only used where a
// wrong arrival would come at once (a local echo), so the short wait
// cannot make a correct run fail.
func none(t *testing.T, ch <-chan events.Event, k events.Kind, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case e := <-ch:
			if e.Kind == k {
				t.Fatalf("unexpected event %+v", e)
			}
		case <-deadline:
			return
		}
	}
}

func TestLocal(t *testing.T) {
	b := events.NewLocal()
	ch := collect(t, b)
	u, it := media.NewID(), media.NewID()
	if err := b.Publish(context.Background(), events.Event{Kind: events.UserDataChanged, User: u, Items: []media.ID{it}}); err != nil {
		t.Fatal(err)
	}
	if e := next(t, ch, events.UserDataChanged); e.User != u || !slices.Equal(e.Items, []media.ID{it}) {
		t.Errorf("got %+v", e)
	}
	var calls int
	cancel := b.Subscribe(func(events.Event) { calls++ })
	cancel()
	_ = b.Publish(context.Background(), events.Event{Kind: events.SessionsChanged})
	if calls != 0 {
		t.Errorf("a cancelled subscriber was called %d times", calls)
	}
}

func openPostgres(t *testing.T, dsn string) events.Bus {
	t.Helper()
	p, err := database.NewPostgres(dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := p.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := events.Open(db, nil)
	t.Cleanup(func() { b.Close() })
	return b
}

func listening(t *testing.T, b events.Bus) {
	t.Helper()
	select {
	case <-b.(*events.Postgres).Listening():
	case <-time.After(wait):
		t.Fatal("the bus is not listening")
	}
}

// TestPostgresAcrossReplicas: a notice published by one process reaches
// another on the same database, split to fit NOTIFY when it names many
// items, and the publisher hears its own notice once (delivered locally,
// not echoed back).
func TestPostgresAcrossReplicas(t *testing.T) {
	dsn := testdb.NewPostgres(t)
	a, b := openPostgres(t, dsn), openPostgres(t, dsn)
	listening(t, a)
	listening(t, b)
	atA, atB := collect(t, a), collect(t, b)

	u := media.NewID()
	items := make([]media.ID, 450)
	for i := range items {
		items[i] = media.NewID()
	}
	if err := a.Publish(context.Background(), events.Event{Kind: events.UserDataChanged, User: u, Items: items}); err != nil {
		t.Fatal(err)
	}
	var got []media.ID
	for len(got) < len(items) {
		e := next(t, atB, events.UserDataChanged)
		if e.User != u {
			t.Fatalf("user %s, want %s", e.User, u)
		}
		got = append(got, e.Items...)
	}
	if !slices.Equal(got, items) {
		t.Errorf("replica B got %d items, not those published", len(got))
	}
	if e := next(t, atA, events.UserDataChanged); len(e.Items) != len(items) {
		t.Errorf("the publisher got %d items locally, want all %d at once", len(e.Items), len(items))
	}
	// Any echo of A's own notices would have arrived with B's copies.
	none(t, atA, events.UserDataChanged, 500*time.Millisecond)

	if err := b.Publish(context.Background(), events.Event{Kind: events.SessionsChanged}); err != nil {
		t.Fatal(err)
	}
	next(t, atA, events.SessionsChanged)
}

// TestPostgresListenerSurvivesTermination: when PostgreSQL ends the
// listening backend (a restart, an administrator), the bus reconnects and
// delivers later notices.
func TestPostgresListenerSurvivesTermination(t *testing.T) {
	dsn := testdb.NewPostgres(t)
	a, b := openPostgres(t, dsn), openPostgres(t, dsn)
	listening(t, a)
	listening(t, b)
	atB := collect(t, b)
	pid := b.(*events.Postgres).ListenerPID()

	ctx := context.Background()
	admin, err := pgx.Connect(ctx, testdb.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var ok bool
	if err := admin.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, int(pid)).Scan(&ok); err != nil || !ok {
		t.Fatalf("terminate the listener %d: %v %v", pid, ok, err)
	}
	// The reconnection announces itself with a SessionsChanged, so that
	// session lists refresh after notices may have been missed.
	next(t, atB, events.SessionsChanged)
	if n := b.(*events.Postgres).ListenerPID(); n == pid || n == 0 {
		t.Fatalf("listener pid %d after terminating %d", n, pid)
	}
	u := media.NewID()
	if err := a.Publish(ctx, events.Event{Kind: events.UserDataChanged, User: u, Items: []media.ID{media.NewID()}}); err != nil {
		t.Fatal(err)
	}
	if e := next(t, atB, events.UserDataChanged); e.User != u {
		t.Errorf("got %+v", e)
	}
}

// BenchmarkPostgresRoundTrip is the time from Publish on one replica to
// delivery on another: one pg_notify, one notification.
func BenchmarkPostgresRoundTrip(b *testing.B) {
	dsn := testdb.NewPostgres(b)
	open := func() events.Bus {
		p, err := database.NewPostgres(dsn, nil)
		if err != nil {
			b.Fatal(err)
		}
		db, err := p.Open(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		bus := events.Open(db, nil)
		b.Cleanup(func() { bus.Close() })
		<-bus.(*events.Postgres).Listening()
		return bus
	}
	a, other := open(), open()
	got := make(chan struct{}, 1)
	other.Subscribe(func(e events.Event) {
		if e.Kind == events.UserDataChanged {
			got <- struct{}{}
		}
	})
	e := events.Event{Kind: events.UserDataChanged, User: media.NewID(), Items: []media.ID{media.NewID()}}
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if err := a.Publish(ctx, e); err != nil {
			b.Fatal(err)
		}
		<-got
	}
}
