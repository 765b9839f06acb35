package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// Tx is one write transaction. Correlate and diagnose make all the changes one signal
// causes, and the cursor advance, inside one Tx so a crash leaves either all or none.
type Tx struct {
	ctx   context.Context
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

// Update runs fn in a write transaction and commits it when fn returns nil.
func (s *Store) Update(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	defer sqlTx.Rollback()
	if err := fn(&Tx{ctx: ctx, tx: sqlTx}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("committing transaction: %w", err)
	}
	return nil
}

// IdentityState is the current state of one signal identity, by source time.
type IdentityState struct {
	Fingerprint string
	Status      signal.Status
	EventTime   time.Time
	StartsAt    time.Time
	IncidentID  int64 // the incident its current episode belongs to, or 0
}

// Identity reads an identity's state; ok is false when it was never seen.
func (t *Tx) Identity(fp string) (st IdentityState, ok bool, err error) {
	var ev, start int64
	err = t.queryRow(`SELECT status, event_time, starts_at, incident_id
		FROM identities WHERE fingerprint = ?`, fp).Scan(&st.Status, &ev, &start, &st.IncidentID)
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("reading identity %q: %w", fp, err)
	}
	st.Fingerprint, st.EventTime, st.StartsAt = fp, fromNano(ev), fromNano(start)
	return st, true, nil
}

// PutIdentity writes an identity's state.
func (t *Tx) PutIdentity(st IdentityState) error {
	_, err := t.exec(`INSERT INTO identities
		(fingerprint, status, event_time, starts_at, incident_id) VALUES (?,?,?,?,?)
		ON CONFLICT (fingerprint) DO UPDATE SET status = excluded.status,
		event_time = excluded.event_time, starts_at = excluded.starts_at,
		incident_id = excluded.incident_id`,
		st.Fingerprint, string(st.Status), unixNano(st.EventTime), unixNano(st.StartsAt),
		st.IncidentID)
	if err != nil {
		return fmt.Errorf("writing identity %q: %w", st.Fingerprint, err)
	}
	return nil
}

// Candidate is an unresolved incident that a firing signal may join, read without its
// members, timeline or hypotheses so that the cost of reading it does not grow with its size.
type Candidate struct {
	signal.Incident
	SameGroup bool // one of its members came from the asked source group
}

// candidatesQuery lists the incidents a signal may join. The status test is spelled as
// IN rather than != 'resolved' so that SQLite can use incidents_status; the EXISTS uses
// members_group, so neither grows with history or with incident size.
const candidatesQuery = `SELECT id, status, title, services, opened_at, first_signal_at,
	detected_at, resolved_at, last_activity,
	? != '' AND EXISTS (SELECT 1 FROM members m WHERE m.incident_id = incidents.id
		AND m.grp = ? AND m.source = ?)
	FROM incidents WHERE status IN ('open', 'diagnosed') AND last_activity >= ?
	ORDER BY last_activity DESC`

// Candidates lists unresolved incidents active at or after since, most recently active
// first. SameGroup reports whether a member shares group and source; an empty group never
// matches.
func (t *Tx) Candidates(since time.Time, source, group string) ([]Candidate, error) {
	rows, err := t.query(candidatesQuery, group, group, source,
		unixNano(since))
	if err != nil {
		return nil, fmt.Errorf("listing active incidents: %w", err)
	}
	defer rows.Close()
	var out []Candidate
	for rows.Next() {
		c, err := scanCandidate(rows)
		if err != nil {
			return nil, fmt.Errorf("scanning active incident: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func scanCandidate(row scanner) (Candidate, error) {
	var c Candidate
	in := &c.Incident
	var services string
	var opened, first, detected, resolved, last int64
	err := row.Scan(&in.ID, &in.Status, &in.Title, &services, &opened, &first, &detected,
		&resolved, &last, &c.SameGroup)
	if err != nil {
		return c, err
	}
	in.OpenedAt, in.FirstSignalAt, in.DetectedAt = fromNano(opened), fromNano(first),
		fromNano(detected)
	in.ResolvedAt, in.LastActivity = fromNano(resolved), fromNano(last)
	if err := json.Unmarshal([]byte(services), &in.Services); err != nil {
		return c, fmt.Errorf("decoding services of incident %d: %w", in.ID, err)
	}
	return c, nil
}

// IncidentHeader reads an incident's own fields, without members or timeline, inside the
// transaction.
func (t *Tx) IncidentHeader(id int64) (signal.Incident, error) {
	return readHeader(t.ctx, txQuerier{t}, id)
}

// Incident reads one incident with members and timeline inside the transaction.
func (t *Tx) Incident(id int64) (signal.Incident, error) {
	return readIncident(t.ctx, txQuerier{t}, id)
}

// CreateIncident inserts a new incident and returns its id.
func (t *Tx) CreateIncident(in signal.Incident) (int64, error) {
	services, _ := json.Marshal(in.Services)
	res, err := t.exec(`INSERT INTO incidents (status, title, services,
		opened_at, first_signal_at, detected_at, last_activity) VALUES (?,?,?,?,?,?,?)`,
		string(in.Status), in.Title, string(services), unixNano(in.OpenedAt),
		unixNano(in.FirstSignalAt), unixNano(in.DetectedAt), unixNano(in.LastActivity))
	if err != nil {
		return 0, fmt.Errorf("creating incident %q: %w", in.Title, err)
	}
	return res.LastInsertId()
}

// SaveIncident writes an incident's own fields (not members or timeline).
func (t *Tx) SaveIncident(in signal.Incident) error {
	services, _ := json.Marshal(in.Services)
	hyps, _ := json.Marshal(in.Hypotheses)
	if in.Hypotheses == nil {
		hyps = []byte("[]")
	}
	_, err := t.exec(`UPDATE incidents SET status = ?, title = ?,
		services = ?, first_signal_at = ?, diagnosed_at = ?, resolved_at = ?,
		last_activity = ?, hypotheses = ? WHERE id = ?`,
		string(in.Status), in.Title, string(services), unixNano(in.FirstSignalAt),
		unixNano(in.DiagnosedAt), unixNano(in.ResolvedAt), unixNano(in.LastActivity),
		string(hyps), in.ID)
	if err != nil {
		return fmt.Errorf("saving incident %d: %w", in.ID, err)
	}
	return nil
}

// SaveGrouping writes the fields correlate owns: status, title, services, first signal,
// resolve and last activity times. It leaves hypotheses and the diagnosis time alone, so
// correlate need not read them, and need not re-encode them for every signal.
func (t *Tx) SaveGrouping(in signal.Incident) error {
	services, _ := json.Marshal(in.Services)
	_, err := t.exec(`UPDATE incidents SET status = ?, title = ?,
		services = ?, first_signal_at = ?, resolved_at = ?, last_activity = ? WHERE id = ?`,
		string(in.Status), in.Title, string(services), unixNano(in.FirstSignalAt),
		unixNano(in.ResolvedAt), unixNano(in.LastActivity), in.ID)
	if err != nil {
		return fmt.Errorf("saving grouping of incident %d: %w", in.ID, err)
	}
	return nil
}

// putMemberQuery keeps first_signal_id on conflict: a member that fires again in the same
// incident is still the one its first signal brought in, and diagnosis cites that signal.
const putMemberQuery = `INSERT INTO members (incident_id, fingerprint, signal_id,
	first_signal_id, source, kind, name, service, grp, status, score, starts_at, ends_at)
	VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
	ON CONFLICT (incident_id, fingerprint) DO UPDATE SET signal_id = excluded.signal_id,
	status = excluded.status, score = MAX(score, excluded.score),
	starts_at = excluded.starts_at, ends_at = excluded.ends_at`

// PutMember inserts or updates a member of an incident. A new member's first signal is
// m.FirstSignalID, or m.SignalID when that is 0; an existing member keeps its own.
func (t *Tx) PutMember(incidentID int64, m signal.Member) error {
	first := m.FirstSignalID
	if first == 0 {
		first = m.SignalID
	}
	_, err := t.exec(putMemberQuery, incidentID, m.Fingerprint, m.SignalID, first,
		m.Source, string(m.Kind), m.Name, m.Service, m.Group, string(m.Status), m.Score,
		unixNano(m.StartsAt), unixNano(m.EndsAt))
	if err != nil {
		return fmt.Errorf("writing member %q of incident %d: %w", m.Fingerprint, incidentID, err)
	}
	return nil
}

// ResolveMember marks one member resolved at endsAt by the signal signalID. A fingerprint
// that is not a member changes nothing.
func (t *Tx) ResolveMember(incidentID int64, fp string, endsAt time.Time,
	signalID int64) error {
	_, err := t.exec(`UPDATE members SET status = 'resolved', ends_at = ?,
		signal_id = ? WHERE incident_id = ? AND fingerprint = ?`,
		unixNano(endsAt), signalID, incidentID, fp)
	if err != nil {
		return fmt.Errorf("resolving member %q of incident %d: %w", fp, incidentID, err)
	}
	return nil
}

// firstSignalQuery reads a member's first signal through the primary keys of both tables.
const firstSignalQuery = `SELECT s.id, s.body FROM members m
	JOIN signals s ON s.id = m.first_signal_id
	WHERE m.incident_id = ? AND m.fingerprint = ?`

// FirstSignal reads the signal that brought member fp into the incident; ok is false when
// fp is not a member or its first signal is gone.
func (t *Tx) FirstSignal(incidentID int64, fp string) (s signal.Signal, ok bool, err error) {
	sigs, err := querySignals(t.ctx, txQuerier{t}, firstSignalQuery, incidentID, fp)
	if err != nil {
		return s, false, fmt.Errorf("reading first signal of member %q of incident %d: %w",
			fp, incidentID, err)
	}
	if len(sigs) == 0 {
		return s, false, nil
	}
	return sigs[0], true, nil
}

// openMemberQuery finds one unresolved member through members_status. Since 'resolved'
// sorts after the other statuses, the first index entry answers while any member is open.
const openMemberQuery = `SELECT EXISTS (SELECT 1 FROM members
	WHERE incident_id = ? AND status != 'resolved')`

// HasOpenMembers reports whether any member of the incident has not resolved.
func (t *Tx) HasOpenMembers(incidentID int64) (bool, error) {
	var open bool
	err := t.queryRow(openMemberQuery, incidentID).Scan(&open)
	if err != nil {
		return false, fmt.Errorf("counting open members of incident %d: %w", incidentID, err)
	}
	return open, nil
}

// AddEntry appends a timeline entry to an incident. Every entry needs RecordedAt, the
// writer's clock, which readers take as CEREBRO's time of the row.
func (t *Tx) AddEntry(incidentID int64, e signal.Entry) error {
	if e.RecordedAt.IsZero() {
		return fmt.Errorf("adding %s entry to incident %d: no recorded time", e.Type,
			incidentID)
	}
	_, err := t.exec(`INSERT INTO timeline (incident_id, at, recorded_at, type, text,
		signal_id) VALUES (?,?,?,?,?,?)`, incidentID, unixNano(e.At), unixNano(e.RecordedAt),
		e.Type, e.Text, e.SignalID)
	if err != nil {
		return fmt.Errorf("adding timeline entry to incident %d: %w", incidentID, err)
	}
	return nil
}

// Cursor reads a consumer's position in the signal log (0 when new).
func (t *Tx) Cursor(name string) (int64, error) {
	var seq int64
	err := t.queryRow("SELECT seq FROM cursors WHERE name = ?", name).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading cursor %q: %w", name, err)
	}
	return seq, nil
}

// SetCursor records a consumer's position in the signal log.
func (t *Tx) SetCursor(name string, seq int64) error {
	_, err := t.exec(`INSERT INTO cursors (name, seq) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET seq = excluded.seq`, name, seq)
	if err != nil {
		return fmt.Errorf("writing cursor %q: %w", name, err)
	}
	return nil
}

// Cursor reads a consumer's position outside a transaction.
func (s *Store) Cursor(ctx context.Context, name string) (int64, error) {
	var seq int64
	err := s.Update(ctx, func(tx *Tx) error {
		var err error
		seq, err = tx.Cursor(name)
		return err
	})
	return seq, err
}
