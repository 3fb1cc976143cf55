package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/schema"
	"github.com/jellyha/jellyha/internal/store"
)

// Options configure a run.
type Options struct {
	Source, Target string
	// BatchSize is how many source rows each committed batch covers: an
	// interrupted run resumes from the last committed batch.
	BatchSize int
	DryRun    bool
	// Strict makes any rejected row fatal: nothing is written.
	Strict bool
	// VerifyOnly compares an existing source and target, copying nothing.
	VerifyOnly bool
	// IgnoreRunning goes on although another process has the source open.
	IgnoreRunning bool
	// Backup is where the source's consistent copy goes; default: beside it.
	Backup   string
	Log      *slog.Logger
	Progress Progress
}

// DefaultBatchSize balances commit overhead against work redone on resume.
const DefaultBatchSize = 10000

var errFoundReject = errors.New("found a row to reject")

// ErrRejected is returned, with a complete report, when rows were set aside.
var ErrRejected = errors.New("some rows were rejected")

func (o *Options) defaults() {
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Progress == nil {
		o.Progress = noProgress{}
	}
}

// keySet holds canonical keys: parent keys for foreign-key checks, and keys
// of the table being copied for uniqueness.
type keySet map[string]struct{}

type forward struct {
	o      Options
	rep    *Report
	src    *sql.DB // the backup (or, for a dry run, the source), read-only
	target *database.DB
	mu     sync.Mutex // guards rep.Rejects while tables copy in parallel
	// rowCounts are the source tables' sizes, to start the largest first.
	rowCounts map[string]int64
	fp        string
	tables    []*Table
	// parents: "Table(col,...)" -> keys present in the target.
	parents map[string]keySet
	state   map[string]*importState
}

type importState struct {
	rowsRead, copied, converted, rounded, rejected int64
	done                                           bool
}

// ToPostgres moves a Jellyfin jellyfin.db into PostgreSQL.
func ToPostgres(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	start := time.Now()
	rep := &Report{Direction: "sqlite-to-postgres", Source: o.Source, Target: database.Mask(o.Target), DryRun: o.DryRun, Phases: map[string]float64{}}
	phase := func(name string, since time.Time) { rep.Phases[name] = time.Since(since).Seconds() }

	t0 := time.Now()
	srcStatus, err := checkSource(ctx, o.Source)
	if err != nil {
		return nil, err
	}
	o.Log.Info("source", "path", o.Source, "jellyfin", srcStatus.Jellyfin, "jellyha", srcStatus.JellyhaVersion)
	if busy, err := inUse(o.Source); err != nil {
		return nil, fmt.Errorf("source: check whether it is in use: %w", err)
	} else if busy && !o.IgnoreRunning {
		return nil, fmt.Errorf("source %s is open in another process, probably a running Jellyfin: stop it first (or pass --ignore-running to copy what is there now)", o.Source)
	}
	fp, err := fingerprint(o.Source)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	p, err := database.NewPostgres(o.Target, o.Log)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	target, err := p.Open(ctx)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	defer target.Close()
	phase("check", t0)

	f := &forward{o: o, rep: rep, target: target, fp: fp, parents: map[string]keySet{}, state: map[string]*importState{},
		rowCounts: map[string]int64{}}
	t0 = time.Now()
	// meta is the schema the target must have. A target whose Jellyfin
	// schema this run creates has exactly it, read back; any other (dry run,
	// resumed import, --strict before writing) gets it built aside, in a
	// scratch schema that is rolled back.
	var meta *schema.Schema
	fresh := false
	if !o.DryRun && !o.VerifyOnly && !o.Strict {
		st, err := target.Migrate(ctx)
		if err != nil {
			return nil, fmt.Errorf("target schema: %w", err)
		}
		fresh = slices.Contains(st.Applied, schema.CreateJellyfinStep)
		if fresh {
			if meta, err = schema.Inspect(ctx, target.Read, schema.PostgreSQL); err != nil {
				return nil, err
			}
		}
	}
	if meta == nil {
		if meta, err = schema.ExpectedPostgres(ctx, target.Write); err != nil {
			return nil, fmt.Errorf("target schema: %w", err)
		}
	}
	if f.tables, err = Tables(meta); err != nil {
		return nil, err
	}
	if srcStatus.JellyhaVersion > 0 {
		own, err := Own(meta)
		if err != nil {
			return nil, err
		}
		f.tables = append(f.tables, own...)
	}

	if o.Strict && !o.DryRun && !o.VerifyOnly {
		// Before anything is written: a dry pass over the source itself.
		src, err := openSQLiteRO(o.Source)
		if err != nil {
			return nil, err
		}
		dry := &forward{o: f.o, target: f.target, fp: f.fp, tables: f.tables, src: src,
			rep: &Report{}, parents: map[string]keySet{}, state: map[string]*importState{},
			rowCounts: map[string]int64{}}
		dry.o.DryRun = true
		err = dry.copyAll(ctx)
		src.Close()
		if errors.Is(err, errFoundReject) {
			r := dry.rep.Rejects[0]
			rep.Rejects = dry.rep.Rejects
			return rep, fmt.Errorf("--strict: %s row %d would be rejected (%s); nothing was copied", r.Table, r.Row, r.Reason)
		} else if err != nil {
			return nil, err
		}
	}
	if !o.DryRun && !o.VerifyOnly && !fresh {
		// The tables, keys and checks come from meta, never from a live
		// schema that an interrupted run may have left without its foreign
		// keys.
		if _, err = target.Migrate(ctx); err != nil {
			return nil, fmt.Errorf("target schema: %w", err)
		}
	}
	phase("schema", t0)

	if o.VerifyOnly {
		src, err := openSQLiteRO(o.Source)
		if err != nil {
			return nil, err
		}
		defer src.Close()
		f.src = src
		if err := f.loadRejects(ctx); err != nil {
			return nil, err
		}
		for _, t := range f.tables {
			rep.Tables = append(rep.Tables, &TableReport{Table: t.Name})
		}
		t0 = time.Now()
		err = f.verify(ctx)
		phase("verify", t0)
		phase("total", start)
		return rep, err
	}

	if !o.DryRun {
		if err := f.checkTarget(ctx); err != nil {
			return nil, err
		}
		t0 = time.Now()
		rep.Backup = o.Backup
		if rep.Backup == "" {
			rep.Backup = fmt.Sprintf("%s.%s.jellyha-backup", o.Source, time.Now().UTC().Format("20060102T150405Z"))
		}
		if err := backup(ctx, o.Source, rep.Backup); err != nil {
			return nil, err
		}
		o.Log.Info("backed up the source", "backup", rep.Backup)
		phase("backup", t0)
	}

	// Read from the backup: a consistent snapshot that no Jellyfin started
	// meanwhile can change. A dry run reads the source itself.
	readFrom := rep.Backup
	if o.DryRun {
		readFrom = o.Source
	}
	src, err := openSQLiteRO(readFrom)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	f.src = src

	t0 = time.Now()
	if !o.DryRun {
		if err := f.secondaries(ctx, false); err != nil {
			return rep, err
		}
	}
	if err := f.copyAll(ctx); err != nil {
		return rep, err
	}
	if o.DryRun {
		phase("copy", t0)
		phase("total", start)
		return rep, rejectedErr(rep)
	}
	phase("copy", t0)
	t0 = time.Now()
	if err := f.secondaries(ctx, true); err != nil {
		return rep, err
	}
	// Dropping and recreating indexes and keys must leave the schema exactly
	// as the migrations made it: prove it.
	live, err := schema.Inspect(ctx, target.Read, schema.PostgreSQL)
	if err != nil {
		return rep, err
	}
	if diffs := schema.Diff(meta, live); len(diffs) > 0 {
		return rep, fmt.Errorf("target schema differs after the copy: %s", strings.Join(diffs, "; "))
	}
	// No ANALYZE here: it would add a second to the moderate library's run,
	// and PostgreSQL's autovacuum analyses the freshly loaded tables within
	// its next round (a minute by default).
	phase("indexes", t0)
	// The users came with their setup done: no startup wizard for anyone.
	if _, err := target.Write.ExecContext(ctx, `INSERT INTO jellyha_settings (key, value)
SELECT 'StartupWizardCompleted', 'true' WHERE EXISTS (SELECT 1 FROM "Users") ON CONFLICT (key) DO NOTHING`); err != nil {
		return rep, err
	}
	if srcStatus.JellyhaVersion > 0 {
		if err := carrySettings(ctx, f.src, target.Write, `INSERT INTO jellyha_settings (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value`); err != nil {
			return rep, err
		}
	}
	// Replicas already running on the target cache item lists until this
	// counter moves; the copy wrote items without moving it.
	if err := store.New(target).ItemsChanged(ctx); err != nil {
		return rep, err
	}
	t0 = time.Now()
	if rep.Sequences, err = f.resetSequences(ctx); err != nil {
		return rep, err
	}
	phase("sequences", t0)
	t0 = time.Now()
	err = f.verify(ctx)
	phase("verify", t0)
	phase("total", start)
	if err != nil {
		return rep, err
	}
	return rep, rejectedErr(rep)
}

func rejectedErr(rep *Report) error {
	if n := rep.Totals().Rejected; n > 0 {
		return fmt.Errorf("%w: %d rows", ErrRejected, n)
	}
	return nil
}

// checkTarget refuses a target holding data, unless it holds this source's
// interrupted import, which is then resumed.
func (f *forward) checkTarget(ctx context.Context) error {
	rows, err := f.target.Read.QueryContext(ctx, `SELECT table_name, source, rows_read, copied, converted, rounded, rejected, done FROM jellyha_import`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name, source string
		s := &importState{}
		if err := rows.Scan(&name, &source, &s.rowsRead, &s.copied, &s.converted, &s.rounded, &s.rejected, &s.done); err != nil {
			return err
		}
		if source != f.fp {
			return fmt.Errorf("target holds an import of another source (or of this file before it changed): %s; use an empty database", source)
		}
		f.state[name] = s
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(f.state) > 0 {
		f.o.Log.Info("resuming an interrupted import", "tables_started", len(f.state))
		// The rows set aside before the interruption count as much as
		// those set aside now.
		return f.loadRejects(ctx)
	}
	for _, t := range f.tables {
		var n int64
		q := `SELECT COUNT(*) FROM "` + t.Name + `"`
		if t.Name == "BaseItems" {
			q += ` WHERE "Id" <> '00000000-0000-0000-0000-000000000001'`
		}
		if err := f.target.Read.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("target already holds data (%d rows in %s); migrate into an empty database", n, t.Name)
		}
	}
	return nil
}

func parentKey(table string, cols []string) string {
	return table + "(" + strings.Join(cols, ",") + ")"
}

// secondaries drops (before the copy) or recreates (after it) the target's
// non-unique indexes and foreign keys. An index built once over the loaded
// rows costs a fraction of updating it row by row, and the copy checks every
// foreign key itself; the keys are then validated by PostgreSQL when they are
// added back. Both directions are idempotent, so an interrupted run that is
// resumed ends with every index and key in place.
func (f *forward) secondaries(ctx context.Context, create bool) error {
	all := schema.PostgresSecondaries()
	stmt := func(s schema.Secondary) string {
		if create {
			return s.Create
		}
		return s.Drop
	}
	conns := make([]*pgx.Conn, workers)
	for i := range conns {
		c, err := f.connect(ctx)
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		conns[i] = c
	}
	// Indexes in parallel; foreign keys one at a time, since adding two that
	// reference one table would queue on its lock anyway.
	var idx, fks []schema.Secondary
	for _, s := range all {
		if s.Index {
			idx = append(idx, s)
		} else {
			fks = append(fks, s)
		}
	}
	err := onWorkers(func(w int) error {
		for i := w; i < len(idx); i += workers {
			if _, err := conns[w].Exec(ctx, stmt(idx[i])); err != nil {
				return fmt.Errorf("%s: %w", idx[i].Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, s := range fks {
		if _, err := conns[0].Exec(ctx, stmt(s)); err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
	}
	return nil
}

// onWorkers runs fn(0) ... fn(workers-1) at once and returns the first error.
func onWorkers(fn func(w int) error) error {
	errs := make(chan error, workers)
	for w := range workers {
		go func() { errs <- fn(w) }()
	}
	var first error
	for range workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// workers is how many tables are copied at once: a reader and a COPY per
// table keep both cores and the server busy.
const workers = 2

func (f *forward) copyAll(ctx context.Context) error {
	// Every referenced key set exists before the copy starts, so the map is
	// only read while workers run; each set is filled by its own table alone
	// and read by children only once that table is done.
	for _, t := range f.tables {
		for _, fk := range t.FKs {
			f.parents[parentKey(fk.Parent, fk.ParentKey)] = keySet{}
		}
		if f.state[t.Name] == nil {
			f.state[t.Name] = &importState{}
		}
		f.rep.Tables = append(f.rep.Tables, &TableReport{Table: t.Name})
	}
	reports := f.rep.Tables[len(f.rep.Tables)-len(f.tables):]

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		i   int
		err error
	}
	done := make([]bool, len(f.tables))
	running := make([]bool, len(f.tables))
	results := make(chan result)
	ready := func(i int) bool {
		for _, fk := range f.tables[i].FKs {
			for j, p := range f.tables {
				if p.Name == fk.Parent && j != i && !done[j] {
					return false
				}
			}
		}
		return true
	}
	// Longest first: among the tables whose parents are done, start the
	// largest, so the big ones are not left for the end with one worker idle.
	for _, t := range f.tables {
		var n int64
		if err := f.src.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+t.Name+`"`).Scan(&n); err != nil {
			return err
		}
		f.rowCounts[t.Name] = n
	}
	bySize := make([]int, len(f.tables))
	for i := range bySize {
		bySize[i] = i
	}
	slices.SortStableFunc(bySize, func(a, b int) int {
		return int(f.rowCounts[f.tables[b].Name] - f.rowCounts[f.tables[a].Name])
	})
	active, finished := 0, 0
	var firstErr error
	for finished < len(f.tables) {
		for _, i := range bySize {
			if active >= workers || firstErr != nil {
				break
			}
			if done[i] || running[i] || !ready(i) {
				continue
			}
			running[i] = true
			active++
			go func() {
				err := f.copyTable(ctx, f.tables[i], reports[i])
				if err != nil {
					err = fmt.Errorf("%s: %w", f.tables[i].Name, err)
				}
				results <- result{i, err}
			}()
		}
		if active == 0 {
			break
		}
		r := <-results
		active--
		finished++
		done[r.i] = true
		if r.err != nil && firstErr == nil {
			firstErr = r.err
			cancel()
		}
	}
	// Tables finish in any order; the report lists rejects in table order.
	order := map[string]int{}
	for i, t := range f.tables {
		order[t.Name] = i
	}
	slices.SortStableFunc(f.rep.Rejects, func(a, b Reject) int {
		if a.Table != b.Table {
			return order[a.Table] - order[b.Table]
		}
		return int(a.Row - b.Row)
	})
	return firstErr
}

// connect opens a native connection for COPY.
func (f *forward) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg := f.target.PgxConfig()
	cfg.RuntimeParams["application_name"] = "jellyha-migrate"
	// Each batch commits with its progress row, so a commit lost in a crash
	// is redone on resume: no need to wait for the WAL flush.
	cfg.RuntimeParams["synchronous_commit"] = "off"
	return pgx.ConnectConfig(ctx, cfg)
}

// loadKeys adds the given columns of a target table, as canonical keys, to set.
func loadKeys(ctx context.Context, conn *pgx.Conn, table string, cols []string, set keySet) error {
	if conn == nil {
		return nil
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = `"` + c + `"`
	}
	rows, err := conn.Query(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM "`+table+`"`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var buf []byte
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return err
		}
		buf = buf[:0]
		for _, v := range vals {
			buf = appendCanonical(buf, normalizePG(v))
		}
		set[string(buf)] = struct{}{}
	}
	return rows.Err()
}

// batch is one committed unit: converted rows, rejects, and the source
// position and counts it brings the table to.
type batch struct {
	rows                       [][]any
	rejects                    []Reject
	rowsRead                   int64
	copied, converted, rounded int64
	final                      bool
}

type provided struct {
	name string
	cols []int
}

func (f *forward) copyTable(ctx context.Context, t *Table, tr *TableReport) error {
	started := time.Now()
	st := f.state[t.Name]
	tr.Resumed = st.rowsRead > 0

	var conn *pgx.Conn
	if !f.o.DryRun {
		var err error
		if conn, err = f.connect(ctx); err != nil {
			return err
		}
		defer func() { conn.Close(context.Background()) }()
	}

	// The parent keys this table provides, and the keys it must keep unique.
	var provides []provided
	for spec := range f.parents {
		tbl, colsPart, _ := strings.Cut(spec, "(")
		if tbl != t.Name {
			continue
		}
		var idx []int
		for c := range strings.SplitSeq(strings.TrimSuffix(colsPart, ")"), ",") {
			idx = append(idx, t.column(c))
		}
		provides = append(provides, provided{spec, idx})
	}
	names := func(cols []int) []string {
		out := make([]string, len(cols))
		for i, c := range cols {
			out[i] = t.Columns[c].Name
		}
		return out
	}
	if st.done || st.rowsRead > 0 {
		for _, p := range provides {
			if err := loadKeys(ctx, conn, t.Name, names(p.cols), f.parents[p.name]); err != nil {
				return err
			}
		}
	}
	if st.done {
		tr.Read, tr.Copied, tr.Converted, tr.Rounded, tr.Rejected = st.rowsRead, st.copied, st.converted, st.rounded, st.rejected
		f.o.Progress.Done(tr)
		return nil
	}
	uniq := make([]keySet, len(t.Keys))
	for i, k := range t.Keys {
		uniq[i] = keySet{}
		if st.rowsRead > 0 { // nothing copied yet: BaseItems' seeded placeholder goes
			if err := loadKeys(ctx, conn, t.Name, names(k), uniq[i]); err != nil {
				return err
			}
		}
	}

	f.o.Progress.Start(t.Name, f.rowCounts[t.Name])

	// The reader converts and checks rows while the writer copies the
	// previous batch: SQLite and PostgreSQL work at the same time.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *batch, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- f.readTable(ctx, t, st.rowsRead, uniq, provides, batches)
	}()
	colNames := names(allColumns(t))
	for b := range batches {
		if err := f.writeBatch(ctx, &conn, t, colNames, b); err != nil {
			cancel()
			for range batches { //nolint:revive // drain so the reader ends
			}
			return err
		}
		st.rowsRead, st.copied, st.converted, st.rounded = b.rowsRead, st.copied+b.copied, st.converted+b.converted, st.rounded+b.rounded
		st.rejected += int64(len(b.rejects))
		f.mu.Lock()
		f.rep.Rejects = append(f.rep.Rejects, b.rejects...)
		f.mu.Unlock()
		f.o.Progress.Advance(t.Name, b.rowsRead)
	}
	if err := <-readErr; err != nil {
		return err
	}
	tr.Read, tr.Copied, tr.Converted, tr.Rounded, tr.Rejected = st.rowsRead, st.copied, st.converted, st.rounded, st.rejected
	tr.Seconds = time.Since(started).Seconds()
	f.o.Progress.Done(tr)
	return nil
}

func allColumns(t *Table) []int {
	out := make([]int, len(t.Columns))
	for i := range out {
		out[i] = i
	}
	return out
}

// readTable reads a table from offset on, converts and checks each row, and
// sends the batches; the last one is marked final (and may be empty).
func (f *forward) readTable(ctx context.Context, t *Table, offset int64, uniq []keySet, provides []provided, out chan<- *batch) error {
	srcCols, err := sourceColumns(ctx, f.src, t.Name)
	if err != nil {
		return err
	}
	query, names, err := sourceQuery(t, srcCols)
	if err != nil {
		return err
	}
	rc, err := newRowConverter(t, names)
	if err != nil {
		return err
	}
	num := offset
	var kbuf []byte
	b := &batch{}
	send := func(final bool) error {
		b.rowsRead, b.final = num, final
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
		b = &batch{}
		return nil
	}
	err = eachSourceRow(ctx, f.src, t, query, offset, func(raw []any) error {
		num++
		vals, ch, reason := rc.convert(raw)
		if reason == "" {
			reason = f.checkRow(t, vals, uniq, &kbuf)
		}
		if reason != "" {
			b.rejects = append(b.rejects, Reject{Table: t.Name, Row: num, Reason: reason, Values: []byte(rawJSON(names, raw))})
			if f.o.Strict && f.o.DryRun {
				// A strict pre-check needs only to know there is one.
				f.mu.Lock()
				f.rep.Rejects = append(f.rep.Rejects, b.rejects...)
				f.mu.Unlock()
				return errFoundReject
			}
		} else {
			for i, k := range t.Keys {
				if key, ok := keyOf(vals, k, &kbuf); ok {
					uniq[i][key] = struct{}{}
				}
			}
			for _, p := range provides {
				if key, ok := keyOf(vals, p.cols, &kbuf); ok {
					f.parents[p.name][key] = struct{}{}
				}
			}
			b.rows = append(b.rows, vals)
			b.copied++
			if ch&converted != 0 {
				b.converted++
			}
			if ch&rounded != 0 {
				b.rounded++
			}
		}
		if len(b.rows)+len(b.rejects) >= f.o.BatchSize {
			return send(false)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return send(true)
}

// keyOf returns the canonical key of the given columns, and false when one
// is NULL (PostgreSQL does not check such keys).
func keyOf(vals []any, cols []int, buf *[]byte) (string, bool) {
	b := (*buf)[:0]
	for _, c := range cols {
		if vals[c] == nil {
			return "", false
		}
		b = appendCanonical(b, vals[c])
	}
	*buf = b
	return string(b), true
}

// checkRow applies the target's foreign keys and unique keys to a converted
// row, as PostgreSQL would, and returns why it would be refused.
func (f *forward) checkRow(t *Table, vals []any, uniq []keySet, buf *[]byte) string {
	for _, fk := range t.FKs {
		key, ok := keyOf(vals, fk.Columns, buf)
		if !ok {
			continue
		}
		if _, found := f.parents[parentKey(fk.Parent, fk.ParentKey)][key]; !found {
			names := make([]string, len(fk.Columns))
			for i, c := range fk.Columns {
				names[i] = t.Columns[c].Name
			}
			return fmt.Sprintf("%s refers to a %s row that does not exist (or was rejected)", strings.Join(names, ", "), fk.Parent)
		}
	}
	for i, k := range t.Keys {
		key, ok := keyOf(vals, k, buf)
		if !ok {
			continue
		}
		if _, dup := uniq[i][key]; dup {
			names := make([]string, len(k))
			for j, c := range k {
				names[j] = t.Columns[c].Name
			}
			what := "unique key"
			if i == 0 {
				what = "primary key"
			}
			return fmt.Sprintf("duplicate %s (%s) once GUIDs and values are normalised", what, strings.Join(names, ", "))
		}
	}
	return ""
}

// writeBatch commits one batch: its rows by COPY, its rejects and the
// table's progress, in one transaction, so an interruption at any moment
// leaves either the whole batch or none of it. Transient failures (the
// server restarting, the connection cut) are retried on a new connection.
func (f *forward) writeBatch(ctx context.Context, conn **pgx.Conn, t *Table, cols []string, b *batch) error {
	if f.o.DryRun {
		return nil
	}
	var err error
	for attempt := 0; attempt <= 3; attempt++ {
		if attempt > 0 {
			f.o.Log.Warn("batch failed, retrying on a new connection", "table", t.Name, "attempt", attempt, "err", err)
			select {
			case <-time.After(time.Duration(attempt*attempt) * 500 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
			(*conn).Close(context.Background())
			if *conn, err = f.connect(ctx); err != nil {
				continue
			}
		}
		err = f.tryBatch(ctx, *conn, t, cols, b)
		if err == nil || ctx.Err() != nil || (!database.IsTransient(err) && !(*conn).IsClosed()) {
			return err
		}
	}
	return err
}

func (f *forward) tryBatch(ctx context.Context, conn *pgx.Conn, t *Table, cols []string, b *batch) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	if t.Name == "BaseItems" && f.state[t.Name].rowsRead == 0 {
		// The schema's migration seeded the placeholder item; the source
		// has its own, copied with the rest.
		if _, err := tx.Exec(ctx, `DELETE FROM "BaseItems" WHERE "Id" = '00000000-0000-0000-0000-000000000001'`); err != nil {
			return err
		}
	}
	if len(b.rows) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.Name}, cols, pgx.CopyFromRows(b.rows)); err != nil {
			return err
		}
	}
	for _, r := range b.rejects {
		if _, err := tx.Exec(ctx, `INSERT INTO jellyha_import_rejects (table_name, row_number, reason, row_json) VALUES ($1, $2, $3, $4)`,
			r.Table, r.Row, r.Reason, string(r.Values)); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, `INSERT INTO jellyha_import (table_name, source, rows_read, copied, converted, rounded, rejected, done)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (table_name) DO UPDATE SET rows_read = excluded.rows_read, copied = jellyha_import.copied + excluded.copied,
  converted = jellyha_import.converted + excluded.converted, rounded = jellyha_import.rounded + excluded.rounded,
  rejected = jellyha_import.rejected + excluded.rejected, done = excluded.done`,
		t.Name, f.fp, b.rowsRead, b.copied, b.converted, b.rounded, int64(len(b.rejects)), b.final)
	if err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// resetSequences sets each identity sequence past both the highest id copied
// and SQLite's own high-water mark (sqlite_sequence), so that the next insert
// gets a fresh id, as it would have in Jellyfin.
func (f *forward) resetSequences(ctx context.Context) (map[string]int64, error) {
	seqs := map[string]int64{}
	hw, err := highWaterMarks(ctx, f.src)
	if err != nil {
		return nil, err
	}
	conn, err := f.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	for _, t := range f.tables {
		if !t.Identity {
			continue
		}
		var next int64
		err := conn.QueryRow(ctx, `SELECT setval(pg_get_serial_sequence('"`+t.Name+`"', 'Id'), GREATEST(COALESCE(MAX("Id"), 0), $1::bigint, 1), GREATEST(COALESCE(MAX("Id"), 0), $1::bigint) > 0) FROM "`+t.Name+`"`, hw[t.Name]).Scan(&next)
		if err != nil {
			return nil, fmt.Errorf("reset the %s identity: %w", t.Name, err)
		}
		seqs[t.Name] = next
	}
	return seqs, nil
}

// highWaterMarks reads SQLite's AUTOINCREMENT counters: ids once handed out
// and deleted since must not be handed out again.
func highWaterMarks(ctx context.Context, src *sql.DB) (map[string]int64, error) {
	hw := map[string]int64{}
	var exists int
	if err := src.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_sequence'`).Scan(&exists); err != nil || exists == 0 {
		return hw, err
	}
	rows, err := src.QueryContext(ctx, `SELECT name, seq FROM sqlite_sequence`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		var s int64
		if err := rows.Scan(&n, &s); err != nil {
			return nil, err
		}
		hw[n] = s
	}
	return hw, rows.Err()
}

// loadRejects reads the rejects an earlier run recorded in the target.
func (f *forward) loadRejects(ctx context.Context) error {
	rows, err := f.target.Read.QueryContext(ctx, `SELECT table_name, row_number, reason, row_json FROM jellyha_import_rejects ORDER BY table_name, row_number`)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Reject
		var js string
		if err := rows.Scan(&r.Table, &r.Row, &r.Reason, &js); err != nil {
			return err
		}
		r.Values = []byte(js)
		f.rep.Rejects = append(f.rep.Rejects, r)
	}
	return rows.Err()
}

// carrySettings copies jellyha's settings (the server's id, by which the
// apps know it, its name, the startup wizard's state...) from one database
// to the other, the source's value replacing the target's. ItemsVersion is
// left: it counts item changes for the caches of the replicas running on
// each database, not a setting.
func carrySettings(ctx context.Context, from, to *sql.DB, upsert string) error {
	rows, err := from.QueryContext(ctx, `SELECT key, value FROM jellyha_settings WHERE key <> 'ItemsVersion' ORDER BY key`)
	if err != nil {
		return fmt.Errorf("migrate: read the source's settings: %w", err)
	}
	defer rows.Close()
	var kv [][2]string
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return fmt.Errorf("migrate: read the source's settings: %w", err)
		}
		kv = append(kv, [2]string{k, v})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrate: read the source's settings: %w", err)
	}
	tx, err := to.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for _, p := range kv {
		if _, err := tx.ExecContext(ctx, upsert, p[0], p[1]); err != nil {
			return fmt.Errorf("migrate: write setting %s: %w", p[0], err)
		}
	}
	return tx.Commit()
}
