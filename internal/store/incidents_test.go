package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// openStore opens a store in a temporary folder, closed when the test ends.
func openStore(t *testing.T) *Store {
	t.Helper()
	st, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestIncidentServicesNeverNull checks that an incident of alerts without a service reads
// back with an empty services list, as the API documents it, not JSON null.
func TestIncidentServicesNeverNull(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var id int64
	err := st.Update(ctx, func(tx *Tx) error {
		var err error
		id, err = tx.CreateIncident(signal.Incident{Status: signal.IncidentOpen, Title: "T2",
			OpenedAt: t0, FirstSignalAt: t0, DetectedAt: t0, LastActivity: t0})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	in, err := st.Incident(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"services":[]`) {
		t.Errorf(`incident JSON lacks "services":[]: %s`, b)
	}
}

// TestMemberKeepsFirstSignal: a member's latest signal follows its resolve and a second
// firing in the same incident, while its first signal stays the one that brought it in,
// and pruning keeps that signal for the evidence that cites it.
func TestMemberKeepsFirstSignal(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sigs := make([]signal.Signal, 3)
	for i := range sigs {
		at := t0.Add(time.Duration(i) * time.Minute)
		sigs[i] = signal.Signal{Kind: signal.KindAlert, Source: "pagerduty", Fingerprint: "fp",
			Status: signal.StatusFiring, StartsAt: at, EventTime: at, ReceivedAt: at}
	}
	if _, err := st.AppendSignals(ctx, sigs); err != nil {
		t.Fatal(err)
	}

	m := signal.Member{Fingerprint: "fp", SignalID: sigs[0].ID, Source: "pagerduty",
		Kind: signal.KindAlert, Status: signal.StatusFiring, StartsAt: t0}
	var id int64
	err := st.Update(ctx, func(tx *Tx) error {
		var err error
		if id, err = tx.CreateIncident(signal.Incident{Status: signal.IncidentOpen,
			Title: "t", OpenedAt: t0, FirstSignalAt: t0, DetectedAt: t0,
			LastActivity: t0}); err != nil {
			return err
		}
		if err := tx.PutMember(id, m); err != nil {
			return err
		}
		if err := tx.ResolveMember(id, "fp", t0.Add(time.Minute), sigs[1].ID); err != nil {
			return err
		}
		m.SignalID, m.StartsAt = sigs[2].ID, sigs[2].StartsAt
		if err := tx.PutMember(id, m); err != nil {
			return err
		}
		return tx.SetCursor("correlate", sigs[2].ID+1)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.PruneSignals(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	in, err := st.Incident(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got := in.Members[0]
	if got.SignalID != sigs[2].ID || got.FirstSignalID != sigs[0].ID {
		t.Errorf("member signal %d, first %d; want %d, %d", got.SignalID, got.FirstSignalID,
			sigs[2].ID, sigs[0].ID)
	}
	if _, err := st.Signal(ctx, sigs[0].ID); err != nil {
		t.Errorf("first signal pruned: %v", err)
	}
	if _, err := st.Signal(ctx, sigs[1].ID); err == nil {
		t.Errorf("signal %d, cited by nothing, survived pruning", sigs[1].ID)
	}
}
