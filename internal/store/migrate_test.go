package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"
)

// openAt creates a store in dir migrated only up to version, runs seed on it and closes
// it, as a store written by an older CEREBRO would be found.
func openAt(t *testing.T, dir string, version int64, seed ...string) {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "cerebro.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	goose.SetBaseFS(migrations)
	goose.SetLogger(goose.NopLogger())
	if err := goose.SetDialect("sqlite3"); err != nil {
		t.Fatal(err)
	}
	if err := goose.UpToContext(ctx, db, "migrations", version); err != nil {
		t.Fatal(err)
	}
	for _, q := range seed {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("seeding %q: %v", q, err)
		}
	}
}

// TestMigrationKeepsMemberSignal: members stored before first_signal_id existed read back
// with their signal as the first one, so their evidence still cites a stored signal.
func TestMigrationKeepsMemberSignal(t *testing.T) {
	dir := t.TempDir()
	openAt(t, dir, 2,
		`INSERT INTO incidents (status, title, opened_at, first_signal_at, detected_at,
			last_activity) VALUES ('open', 'old', 1, 1, 1, 1)`,
		`INSERT INTO members (incident_id, fingerprint, signal_id, source, kind, name,
			service, status, starts_at) VALUES (1, 'fp', 42, 'pagerduty', 'alert', 'deploy',
			'db', 'resolved', 1)`)

	ctx := context.Background()
	st, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	in, err := st.Incident(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Members) != 1 {
		t.Fatalf("%d members, want 1", len(in.Members))
	}
	if m := in.Members[0]; m.SignalID != 42 || m.FirstSignalID != 42 {
		t.Errorf("member signal %d, first %d after migration; want 42 and 42", m.SignalID,
			m.FirstSignalID)
	}
}

// TestMigrationEstimatesRecordedAt: timeline rows written before recorded_at existed get
// the receive time of their signal, the server time they already had (opened, diagnosed),
// or, for incident_resolved, that of the resolve written with it.
func TestMigrationEstimatesRecordedAt(t *testing.T) {
	dir := t.TempDir()
	sig := `INSERT INTO signals (id, dedup_key, fingerprint, source, kind, status,
		event_time, received_at, body) VALUES (%d, '%d', 'fp', 'pagerduty', 'alert', 's',
		%d, %d, '{}')`
	row := `INSERT INTO timeline (incident_id, at, type, text, signal_id)
		VALUES (1, %d, '%s', '', %d)`
	openAt(t, dir, 3,
		fmt.Sprintf(sig, 7, 7, 100, 1000), fmt.Sprintf(sig, 8, 8, 200, 2000),
		fmt.Sprintf(row, 100, "firing", 7), fmt.Sprintf(row, 1001, "opened", 7),
		fmt.Sprintf(row, 200, "resolved", 8), fmt.Sprintf(row, 200, "incident_resolved", 0),
		fmt.Sprintf(row, 2002, "diagnosed", 0), fmt.Sprintf(row, 300, "late", 99))

	ctx := context.Background()
	st, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := readTimeline(ctx, st.r, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"firing": 1000, "opened": 1001, "resolved": 2000,
		"incident_resolved": 2000, "diagnosed": 2002, "late": 300}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for _, e := range got {
		if rec := e.RecordedAt.UnixNano(); rec != want[e.Type] {
			t.Errorf("%s row recorded at %d, want %d", e.Type, rec, want[e.Type])
		}
	}
}
