package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the SQLite-backed store. Writes go through one connection, because SQLite has
// one writer; reads use a small pool of their own so a long write never blocks the API.
type Store struct {
	w *sql.DB
	r *sql.DB
}

// Open opens (creating if needed) the store in dir and applies pending migrations.
func Open(ctx context.Context, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("creating data dir %q: %w", dir, err)
	}
	dsn := "file:" + filepath.Join(dir, "cerebro.db") +
		"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)"
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening store in %q: %w", dir, err)
	}
	w.SetMaxOpenConns(1)
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(ON)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("opening store reader in %q: %w", dir, err)
	}
	r.SetMaxOpenConns(4)
	return &Store{w: w, r: r}, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	goose.SetBaseFS(migrations)
	goose.SetLogger(goose.NopLogger())
	if err := goose.SetDialect("sqlite3"); err != nil {
		return fmt.Errorf("setting migration dialect: %w", err)
	}
	if err := goose.UpContext(ctx, db, "migrations"); err != nil {
		return fmt.Errorf("migrating store: %w", err)
	}
	return nil
}

// Close closes both connection pools. It is safe to call more than once.
func (s *Store) Close() error {
	err := s.w.Close()
	if rerr := s.r.Close(); err == nil {
		err = rerr
	}
	return err
}

// Ping checks the store answers, for readiness.
func (s *Store) Ping(ctx context.Context) error {
	return s.r.PingContext(ctx)
}

// unixNano stores times as integers; zero time stays 0 so that "unset" survives.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
