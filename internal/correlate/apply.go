package correlate

import (
	"fmt"

	"github.com/cerebro-aiops/cerebro/internal/signal"
	"github.com/cerebro-aiops/cerebro/internal/store"
)

// apply runs one signal through the identity lifecycle. Source time orders history: an
// observation older than the identity's current state is recorded on the incident's
// timeline but does not change the state.
func (e *Engine) apply(tx *store.Tx, s *signal.Signal, touched map[int64]bool) error {
	if s.Kind == signal.KindChange {
		return e.noteChange(tx, s, touched)
	}
	st, seen, err := tx.Identity(s.Fingerprint)
	if err != nil {
		return err
	}
	if seen && s.EventTime.Before(st.EventTime) {
		return e.late(tx, s, st, touched)
	}
	if seen && s.EventTime.Equal(st.EventTime) && s.Status == st.Status {
		e.m.signals.WithLabelValues("duplicate").Inc()
		return nil
	}

	switch s.Status {
	case signal.StatusFiring:
		return e.firing(tx, s, st, seen, touched)
	case signal.StatusResolved:
		return e.resolved(tx, s, st, seen, touched)
	case signal.StatusAcknowledged:
		return e.acknowledged(tx, s, st, seen, touched)
	}
	// An unknown status is stored in the log and counted, but never changes state.
	e.m.signals.WithLabelValues("unknown_status").Inc()
	return nil
}

func (e *Engine) firing(tx *store.Tx, s *signal.Signal, st store.IdentityState, seen bool,
	touched map[int64]bool) error {
	active := st.Status == signal.StatusFiring || st.Status == signal.StatusAcknowledged
	if seen && active && st.IncidentID != 0 && s.StartsAt.Equal(st.StartsAt) {
		// The same episode seen again with a newer time: nothing really changed.
		st.EventTime = s.EventTime
		e.m.signals.WithLabelValues("refresh").Inc()
		return tx.PutIdentity(st)
	}

	in, opened, err := e.join(tx, s)
	if err != nil {
		return err
	}
	if err := e.addMember(tx, &in, s); err != nil {
		return err
	}
	if opened {
		if err := e.noteOpened(tx, &in, s); err != nil {
			return err
		}
	}
	touched[in.ID] = true
	e.m.signals.WithLabelValues("firing").Inc()
	return tx.PutIdentity(store.IdentityState{Fingerprint: s.Fingerprint,
		Status: signal.StatusFiring, EventTime: s.EventTime, StartsAt: s.StartsAt,
		IncidentID: in.ID})
}

func (e *Engine) resolved(tx *store.Tx, s *signal.Signal, st store.IdentityState, seen bool,
	touched map[int64]bool) error {
	// The last episode's incident is kept, so that late observations of that episode
	// still land in its history.
	next := store.IdentityState{Fingerprint: s.Fingerprint, Status: signal.StatusResolved,
		EventTime: s.EventTime, StartsAt: s.StartsAt, IncidentID: st.IncidentID}
	if !seen || st.IncidentID == 0 || st.Status == signal.StatusResolved {
		// A resolve with no open episode opens nothing, but it is remembered so that a
		// stale firing copy arriving later is recognized as older.
		e.m.signals.WithLabelValues("resolved_without_incident").Inc()
		return tx.PutIdentity(next)
	}

	in, err := tx.IncidentHeader(st.IncidentID)
	if err != nil {
		return err
	}
	if err := e.resolveMember(tx, &in, s); err != nil {
		return err
	}
	touched[in.ID] = true
	e.m.signals.WithLabelValues("resolved").Inc()
	return tx.PutIdentity(next)
}

func (e *Engine) acknowledged(tx *store.Tx, s *signal.Signal, st store.IdentityState,
	seen bool, touched map[int64]bool) error {
	if !seen || st.IncidentID == 0 || st.Status == signal.StatusResolved {
		e.m.signals.WithLabelValues("ack_without_incident").Inc()
		return nil
	}
	name, err := describeIn(tx, st.IncidentID, s)
	if err != nil {
		return err
	}
	err = tx.AddEntry(st.IncidentID, e.entry(s, "acknowledged", "acknowledged: "+name))
	if err != nil {
		return err
	}
	touched[st.IncidentID] = true
	st.Status, st.EventTime = signal.StatusAcknowledged, s.EventTime
	e.m.signals.WithLabelValues("acknowledged").Inc()
	return tx.PutIdentity(st)
}

// late records an out-of-order observation in history without touching current state.
func (e *Engine) late(tx *store.Tx, s *signal.Signal, st store.IdentityState,
	touched map[int64]bool) error {
	e.m.signals.WithLabelValues("late").Inc()
	if st.IncidentID == 0 {
		return nil
	}
	name, err := describeIn(tx, st.IncidentID, s)
	if err != nil {
		return err
	}
	text := fmt.Sprintf("late %s observation recorded (current state %s unchanged): %s",
		s.Status, st.Status, name)
	touched[st.IncidentID] = true
	return tx.AddEntry(st.IncidentID, e.entry(s, "late", text))
}

// noteChange marks active incidents near the changed service for re-diagnosis.
func (e *Engine) noteChange(tx *store.Tx, s *signal.Signal, touched map[int64]bool) error {
	e.m.signals.WithLabelValues("change").Inc()
	active, err := tx.Candidates(s.EventTime.Add(-e.cfg.Window), "", "")
	if err != nil {
		return err
	}
	for _, in := range active {
		if e.distance(in.Services, s.Service) >= 0 {
			touched[in.ID] = true
		}
	}
	return nil
}

// entry is a timeline row about s, at the source's time of the event and recorded now.
func (e *Engine) entry(s *signal.Signal, typ, text string) signal.Entry {
	return signal.Entry{At: s.EventTime, RecordedAt: e.now().UTC(), Type: typ, Text: text,
		SignalID: s.ID}
}
