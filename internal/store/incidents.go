package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// ErrNotFound is returned when a requested record does not exist.
var ErrNotFound = errors.New("not found")

const incidentCols = `id, status, title, services, opened_at, first_signal_at, detected_at,
	diagnosed_at, resolved_at, last_activity, hypotheses`

type scanner interface{ Scan(dest ...any) error }

func scanIncident(row scanner) (signal.Incident, error) {
	var in signal.Incident
	var services, hyps string
	var opened, first, detected, diagnosed, resolved, last int64
	err := row.Scan(&in.ID, &in.Status, &in.Title, &services, &opened, &first, &detected,
		&diagnosed, &resolved, &last, &hyps)
	if err != nil {
		return in, err
	}
	in.OpenedAt, in.FirstSignalAt, in.DetectedAt = fromNano(opened), fromNano(first),
		fromNano(detected)
	in.DiagnosedAt, in.ResolvedAt, in.LastActivity = fromNano(diagnosed), fromNano(resolved),
		fromNano(last)
	if err := json.Unmarshal([]byte(services), &in.Services); err != nil {
		return in, fmt.Errorf("decoding services of incident %d: %w", in.ID, err)
	}
	if err := json.Unmarshal([]byte(hyps), &in.Hypotheses); err != nil {
		return in, fmt.Errorf("decoding hypotheses of incident %d: %w", in.ID, err)
	}
	// An incident of alerts without a service stores null; readers get the empty list the
	// API documents.
	if in.Services == nil {
		in.Services = []string{}
	}
	return in, nil
}

// IncidentFilter selects incidents for listing.
type IncidentFilter struct {
	Status string // "open" means any unresolved status
	Limit  int
}

// Incidents lists incidents, newest first, without members and timeline.
func (s *Store) Incidents(ctx context.Context, f IncidentFilter) ([]signal.Incident, error) {
	q := "SELECT " + incidentCols + " FROM incidents"
	var args []any
	switch f.Status {
	case "":
	case "open":
		q += " WHERE status != 'resolved'"
	default:
		q += " WHERE status = ?"
		args = append(args, f.Status)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("listing incidents: %w", err)
	}
	defer rows.Close()
	out := []signal.Incident{}
	for rows.Next() {
		in, err := scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("scanning incident: %w", err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// Incident reads one incident with its members and timeline.
func (s *Store) Incident(ctx context.Context, id int64) (signal.Incident, error) {
	return readIncident(ctx, s.r, id)
}

type rowQuerier interface {
	querier
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func readIncident(ctx context.Context, db rowQuerier, id int64) (signal.Incident, error) {
	in, err := readHeader(ctx, db, id)
	if err != nil {
		return in, err
	}
	if in.Members, err = readMembers(ctx, db, id); err != nil {
		return in, err
	}
	in.Timeline, err = readTimeline(ctx, db, id)
	return in, err
}

// IncidentHeader reads one incident's own fields, without members or timeline, whose
// size grows with the incident.
func (s *Store) IncidentHeader(ctx context.Context, id int64) (signal.Incident, error) {
	return readHeader(ctx, s.r, id)
}

func readHeader(ctx context.Context, db rowQuerier, id int64) (signal.Incident, error) {
	row := db.QueryRowContext(ctx, "SELECT "+incidentCols+" FROM incidents WHERE id = ?", id)
	in, err := scanIncident(row)
	if errors.Is(err, sql.ErrNoRows) {
		return in, fmt.Errorf("reading incident %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return in, fmt.Errorf("reading incident %d: %w", id, err)
	}
	return in, nil
}

const memberCols = `fingerprint, signal_id, first_signal_id, source, kind, name, service, grp,
	status, score, starts_at, ends_at`

// onsetQuery reads a service's first member, in member order, through members_onset.
const onsetQuery = `SELECT ` + memberCols + ` FROM members
	WHERE incident_id = ? AND service = ? ORDER BY starts_at, fingerprint LIMIT 1`

// strongestQuery reads the first of the highest-scored members that have a service,
// through members_score.
const strongestQuery = `SELECT ` + memberCols + ` FROM members
	WHERE incident_id = ? AND score > 0 AND service != ''
	ORDER BY score DESC, starts_at, fingerprint LIMIT 1`

// KeyMembers reads the members that diagnosis ranks by: the first member of each of
// services (the incident's services), or the first member of all when there are none, and
// the strongest anomaly, in member order. Ranking
// these gives the same hypotheses as ranking all members, and each is found through an
// index, so diagnosing a flood of thousands of members costs what a small incident does.
func (s *Store) KeyMembers(ctx context.Context, id int64, services []string) (
	[]signal.Member, error) {
	var out []signal.Member
	if len(services) == 0 {
		services = []string{""} // onsetQuery then reads the first service-less member
	}
	for _, svc := range services {
		first, err := scanMembers(ctx, s.r, id, onsetQuery, id, svc)
		if err != nil {
			return nil, err
		}
		out = append(out, first...)
	}
	strongest, err := scanMembers(ctx, s.r, id, strongestQuery, id)
	if err != nil {
		return nil, err
	}
	for _, m := range strongest {
		same := func(o signal.Member) bool { return o.Fingerprint == m.Fingerprint }
		if !slices.ContainsFunc(out, same) {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b signal.Member) int {
		if c := a.StartsAt.Compare(b.StartsAt); c != 0 {
			return c
		}
		return strings.Compare(a.Fingerprint, b.Fingerprint)
	})
	return out, nil
}

func readMembers(ctx context.Context, db querier, id int64) ([]signal.Member, error) {
	return scanMembers(ctx, db, id, `SELECT `+memberCols+` FROM members
		WHERE incident_id = ? ORDER BY starts_at, fingerprint`, id)
}

func scanMembers(ctx context.Context, db querier, id int64, q string, args ...any) (
	[]signal.Member, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reading members of incident %d: %w", id, err)
	}
	defer rows.Close()
	var out []signal.Member
	for rows.Next() {
		var m signal.Member
		var start, end int64
		err := rows.Scan(&m.Fingerprint, &m.SignalID, &m.FirstSignalID, &m.Source, &m.Kind,
			&m.Name, &m.Service, &m.Group, &m.Status, &m.Score, &start, &end)
		if err != nil {
			return nil, fmt.Errorf("scanning member of incident %d: %w", id, err)
		}
		m.StartsAt, m.EndsAt = fromNano(start), fromNano(end)
		out = append(out, m)
	}
	return out, rows.Err()
}

// timelineQuery lists an incident's timeline in the order CEREBRO wrote it, through
// timeline_order. Ordering by at used to interleave two clocks: a source's times for its
// signals and the server's for opened and diagnosed, so an incident from a source whose
// clock runs ahead listed its opening before the alert that opened it.
const timelineQuery = `SELECT at, recorded_at, type, text, signal_id FROM timeline
	WHERE incident_id = ? ORDER BY id`

func readTimeline(ctx context.Context, db querier, id int64) ([]signal.Entry, error) {
	rows, err := db.QueryContext(ctx, timelineQuery, id)
	if err != nil {
		return nil, fmt.Errorf("reading timeline of incident %d: %w", id, err)
	}
	defer rows.Close()
	var out []signal.Entry
	for rows.Next() {
		var e signal.Entry
		var at, rec int64
		if err := rows.Scan(&at, &rec, &e.Type, &e.Text, &e.SignalID); err != nil {
			return nil, fmt.Errorf("scanning timeline of incident %d: %w", id, err)
		}
		e.At, e.RecordedAt = fromNano(at), fromNano(rec)
		out = append(out, e)
	}
	return out, rows.Err()
}

// PruneIncidents deletes resolved incidents resolved before cutoff, with their members
// and timelines.
func (s *Store) PruneIncidents(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := s.Update(ctx, func(tx *Tx) error {
		c := cutoff.UnixNano()
		sub := "SELECT id FROM incidents WHERE status = 'resolved' AND resolved_at < ?"
		for _, q := range []string{
			"DELETE FROM members WHERE incident_id IN (" + sub + ")",
			"DELETE FROM timeline WHERE incident_id IN (" + sub + ")",
		} {
			if _, err := tx.tx.ExecContext(ctx, q, c); err != nil {
				return err
			}
		}
		res, err := tx.tx.ExecContext(ctx,
			"DELETE FROM incidents WHERE status = 'resolved' AND resolved_at < ?", c)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("pruning incidents before %s: %w", cutoff.Format(time.RFC3339), err)
	}
	return n, nil
}
