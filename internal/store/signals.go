package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// DedupKey is what makes two deliveries the same observation: the identity, the status it
// reports and the source times. An HA pair of Alertmanagers, a retry, or a repeat
// notification all produce the same key and are stored once.
func DedupKey(s *signal.Signal) string {
	h := sha256.New()
	h.Write([]byte(s.Fingerprint))
	h.Write([]byte{0})
	h.Write([]byte(s.Status))
	var b [8]byte
	for _, t := range []time.Time{s.EventTime, s.StartsAt} {
		binary.BigEndian.PutUint64(b[:], uint64(unixNano(t)))
		h.Write(b[:])
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// AppendSignals stores signals in one transaction, skipping those already stored, and
// returns how many were new. It sets ID on the new ones. When it returns nil every signal
// is durable.
func (s *Store) AppendSignals(ctx context.Context, sigs []signal.Signal) (int, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("beginning signal append: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO signals
		(dedup_key, fingerprint, source, native_id, kind, status, service, name,
		 event_time, received_at, body) VALUES (?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return 0, fmt.Errorf("preparing signal append: %w", err)
	}
	defer stmt.Close()

	n := 0
	for i := range sigs {
		sg := &sigs[i]
		body, err := json.Marshal(sg)
		if err != nil {
			return 0, fmt.Errorf("encoding signal %q: %w", sg.Fingerprint, err)
		}
		res, err := stmt.ExecContext(ctx, DedupKey(sg), sg.Fingerprint, sg.Source, sg.NativeID,
			string(sg.Kind), string(sg.Status), sg.Service, sg.Name,
			unixNano(sg.EventTime), unixNano(sg.ReceivedAt), string(body))
		if err != nil {
			return 0, fmt.Errorf("appending signal %q: %w", sg.Fingerprint, err)
		}
		if k, _ := res.RowsAffected(); k == 1 {
			sg.ID, _ = res.LastInsertId()
			n++
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("committing signal append: %w", err)
	}
	return n, nil
}

// SignalFilter selects signals for listing. Zero fields do not filter.
type SignalFilter struct {
	Source  string
	Kind    string
	Service string
	Since   time.Time
	Limit   int
}

// Signals lists stored signals, newest first.
func (s *Store) Signals(ctx context.Context, f SignalFilter) ([]signal.Signal, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.Source != "" {
		add("source = ?", f.Source)
	}
	if f.Kind != "" {
		add("kind = ?", f.Kind)
	}
	if f.Service != "" {
		add("service = ?", f.Service)
	}
	if !f.Since.IsZero() {
		add("event_time >= ?", f.Since.UnixNano())
	}
	q := "SELECT id, body FROM signals"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit)
	return querySignals(ctx, s.r, q, args...)
}

// SignalsAfter reads the log in order: up to limit signals with id > seq. It runs inside
// the transaction because the writer pool has a single connection, which the transaction
// holds.
func (t *Tx) SignalsAfter(seq int64, limit int) ([]signal.Signal, error) {
	return querySignals(t.ctx, txQuerier{t},
		"SELECT id, body FROM signals WHERE id > ? ORDER BY id LIMIT ?", seq, limit)
}

// Changes lists change signals for the given services with event times in [from, to].
func (s *Store) Changes(ctx context.Context, services []string, from, to time.Time) (
	[]signal.Signal, error) {
	if len(services) == 0 {
		return nil, nil
	}
	q := "SELECT id, body FROM signals WHERE kind = 'change' AND event_time BETWEEN ? AND ?" +
		" AND service IN (?" + strings.Repeat(",?", len(services)-1) + ") ORDER BY event_time"
	args := []any{from.UnixNano(), to.UnixNano()}
	for _, sv := range services {
		args = append(args, sv)
	}
	return querySignals(ctx, s.r, q, args...)
}

// Signal reads one signal by id.
func (s *Store) Signal(ctx context.Context, id int64) (signal.Signal, error) {
	out, err := querySignals(ctx, s.r, "SELECT id, body FROM signals WHERE id = ?", id)
	if err != nil {
		return signal.Signal{}, err
	}
	if len(out) == 0 {
		return signal.Signal{}, fmt.Errorf("reading signal %d: %w", id, ErrNotFound)
	}
	return out[0], nil
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func querySignals(ctx context.Context, db querier, q string, args ...any) (
	[]signal.Signal, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("querying signals: %w", err)
	}
	defer rows.Close()
	var out []signal.Signal
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, fmt.Errorf("scanning signal: %w", err)
		}
		var sg signal.Signal
		if err := json.Unmarshal([]byte(body), &sg); err != nil {
			return nil, fmt.Errorf("decoding stored signal %d: %w", id, err)
		}
		sg.ID = id
		out = append(out, sg)
	}
	return out, rows.Err()
}

// PruneSignals deletes signals received before cutoff that no incident references and
// that are past every cursor, and returns how many went.
func (s *Store) PruneSignals(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM signals WHERE received_at < ?
		AND id < (SELECT COALESCE(MIN(seq), 0) FROM cursors)
		AND id NOT IN (SELECT signal_id FROM members)
		AND id NOT IN (SELECT first_signal_id FROM members)
		AND id NOT IN (SELECT signal_id FROM timeline)`, cutoff.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("pruning signals before %s: %w", cutoff.Format(time.RFC3339), err)
	}
	return res.RowsAffected()
}
