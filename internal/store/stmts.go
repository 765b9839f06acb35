package store

import (
	"context"
	"database/sql"
)

// prepared returns q prepared on the transaction, preparing it on first use. Correlate
// runs the same few statements for every signal of a batch, and preparing them anew each
// time took about 40% of its CPU. The statements close with the transaction.
func (t *Tx) prepared(q string) (*sql.Stmt, error) {
	if st, ok := t.stmts[q]; ok {
		return st, nil
	}
	st, err := t.tx.PrepareContext(t.ctx, q)
	if err != nil {
		return nil, err
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[q] = st
	return st, nil
}

func (t *Tx) exec(q string, args ...any) (sql.Result, error) {
	st, err := t.prepared(q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(t.ctx, args...)
}

func (t *Tx) query(q string, args ...any) (*sql.Rows, error) {
	st, err := t.prepared(q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(t.ctx, args...)
}

// queryRow falls back to an unprepared query when preparing fails, so that the error
// reaches the caller's Scan as it would without the cache.
func (t *Tx) queryRow(q string, args ...any) *sql.Row {
	st, err := t.prepared(q)
	if err != nil {
		return t.tx.QueryRowContext(t.ctx, q, args...)
	}
	return st.QueryRowContext(t.ctx, args...)
}

// txQuerier lets the readers shared with Store run on a transaction's prepared
// statements.
type txQuerier struct{ t *Tx }

func (q txQuerier) QueryContext(_ context.Context, s string, args ...any) (*sql.Rows, error) {
	return q.t.query(s, args...)
}

func (q txQuerier) QueryRowContext(_ context.Context, s string, args ...any) *sql.Row {
	return q.t.queryRow(s, args...)
}
