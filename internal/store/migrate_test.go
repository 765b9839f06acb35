package store

import (
	"context"
	"database/sql"
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
