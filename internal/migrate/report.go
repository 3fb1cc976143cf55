package migrate

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// TableReport is what happened to one table.
type TableReport struct {
	Table     string  `json:"table"`
	Read      int64   `json:"read"`      // source rows
	Copied    int64   `json:"copied"`    // rows written (would be, in a dry run)
	Converted int64   `json:"converted"` // rows with a value changed by a documented rule
	Rounded   int64   `json:"rounded"`   // rows with a date rounded to microseconds
	Rejected  int64   `json:"rejected"`  // rows set aside, see the rejects file
	Seconds   float64 `json:"seconds"`
	Resumed   bool    `json:"resumed,omitempty"`

	SourceRows     int64  `json:"source_rows,omitempty"` // verified: source rows less rejects
	TargetRows     int64  `json:"target_rows,omitempty"`
	SourceChecksum string `json:"source_checksum,omitempty"`
	TargetChecksum string `json:"target_checksum,omitempty"`
	Match          *bool  `json:"match,omitempty"`
}

// Reject is a row set aside, with why.
type Reject struct {
	Table  string          `json:"table"`
	Row    int64           `json:"row"` // position in the table's source order, from 1
	Reason string          `json:"reason"`
	Values json.RawMessage `json:"values"`
}

// Report is a whole run's outcome, printed as a table and, on request, as JSON.
type Report struct {
	Direction string             `json:"direction"`
	Source    string             `json:"source"`
	Target    string             `json:"target"`
	Backup    string             `json:"backup,omitempty"`
	DryRun    bool               `json:"dry_run,omitempty"`
	Tables    []*TableReport     `json:"tables"`
	Rejects   []Reject           `json:"-"`
	Phases    map[string]float64 `json:"phase_seconds"`
	Verified  *bool              `json:"verified,omitempty"`
	Sequences map[string]int64   `json:"sequences,omitempty"`
}

// Totals sums the tables.
func (r *Report) Totals() TableReport {
	var t TableReport
	for _, x := range r.Tables {
		t.Read += x.Read
		t.Copied += x.Copied
		t.Converted += x.Converted
		t.Rounded += x.Rounded
		t.Rejected += x.Rejected
	}
	return t
}

// Print writes the final table.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "\n%-30s %10s %10s %10s %9s %9s  %s\n", "table", "read", "copied", "converted", "rounded", "rejected", "verified")
	for _, t := range r.Tables {
		v := ""
		if t.Match != nil {
			v = "ok " + t.TargetChecksum[:12]
			if !*t.Match {
				v = fmt.Sprintf("MISMATCH rows %d/%d checksum %s/%s", t.SourceRows, t.TargetRows, t.SourceChecksum[:12], t.TargetChecksum[:12])
			}
		}
		fmt.Fprintf(w, "%-30s %10d %10d %10d %9d %9d  %s\n", t.Table, t.Read, t.Copied, t.Converted, t.Rounded, t.Rejected, v)
	}
	tot := r.Totals()
	fmt.Fprintf(w, "%-30s %10d %10d %10d %9d %9d\n", "total", tot.Read, tot.Copied, tot.Converted, tot.Rounded, tot.Rejected)
	var phases []string
	for _, p := range []string{"check", "backup", "schema", "copy", "indexes", "sequences", "verify", "total"} {
		if s, ok := r.Phases[p]; ok {
			phases = append(phases, fmt.Sprintf("%s %.2fs", p, s))
		}
	}
	fmt.Fprintf(w, "time: %s\n", strings.Join(phases, ", "))
	if s := r.Phases["copy"]; s > 0 {
		fmt.Fprintf(w, "copy rate: %.0f rows/s\n", float64(tot.Copied)/s)
	}
}

// WriteJSON writes the report as JSON to path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// WriteRejects writes the rejected rows, one JSON object a line.
func (r *Report) WriteRejects(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, rj := range r.Rejects {
		if err := enc.Encode(rj); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// Progress receives per-table progress.
type Progress interface {
	Start(table string, total int64)
	Advance(table string, done int64)
	Done(t *TableReport)
}

// NewProgress returns a progress printer: a line rewritten in place with
// rate and ETA on a terminal, a log line per batch elsewhere.
func NewProgress(w io.Writer, terminal bool) Progress {
	return &printer{w: w, tty: terminal}
}

// printer keeps each table's start and size apart: tables are copied two
// at a time, and one's Start must not reset the other's rate and ETA.
type printer struct {
	mu     sync.Mutex
	w      io.Writer
	tty    bool
	tables map[string]*tableProgress
	last   time.Time
}

type tableProgress struct {
	start time.Time
	total int64
}

func (p *printer) Start(table string, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tables == nil {
		p.tables = map[string]*tableProgress{}
	}
	p.tables[table] = &tableProgress{start: time.Now(), total: total}
	if !p.tty {
		fmt.Fprintf(p.w, "copying %s: %d rows\n", table, total)
	}
}

func (p *printer) Advance(table string, done int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.tables[table]
	if t == nil {
		return
	}
	el := time.Since(t.start).Seconds()
	rate := float64(done) / max(el, 1e-9)
	eta := time.Duration(float64(max(t.total-done, 0)) / max(rate, 1e-9) * float64(time.Second)).Round(time.Second)
	if p.tty {
		if time.Since(p.last) < 100*time.Millisecond && done < t.total {
			return
		}
		p.last = time.Now()
		fmt.Fprintf(p.w, "\r%-30s %10d/%-10d %9.0f rows/s  ETA %-8s", table, done, t.total, rate, eta)
		return
	}
	fmt.Fprintf(p.w, "copied %s: %d/%d rows, %.0f rows/s, ETA %s\n", table, done, t.total, rate, eta)
}

func (p *printer) Done(t *TableReport) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprintf(p.w, "\r%-30s %10d rows  %.2fs%-30s\n", t.Table, t.Copied, t.Seconds, "")
		return
	}
	fmt.Fprintf(p.w, "done %s: %d copied, %d converted, %d rounded, %d rejected in %.2fs\n", t.Table, t.Copied, t.Converted, t.Rounded, t.Rejected, t.Seconds)
}

type noProgress struct{}

func (noProgress) Start(string, int64)   {}
func (noProgress) Advance(string, int64) {}
func (noProgress) Done(*TableReport)     {}
