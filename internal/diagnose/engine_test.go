package diagnose_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/diagnose"
	"github.com/cerebro-aiops/cerebro/internal/signal"
	"github.com/cerebro-aiops/cerebro/internal/store"
	"github.com/cerebro-aiops/cerebro/internal/topology"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// stored writes an incident with members to a fresh store and reads it back twice: with
// all members, and with the key members that Diagnose ranks by.
func stored(t *testing.T, in signal.Incident, members []signal.Member) (full,
	key signal.Incident) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	in.Status, in.Title = signal.IncidentOpen, "t"
	in.OpenedAt, in.FirstSignalAt, in.DetectedAt, in.LastActivity = t0, t0, t0, t0
	var id int64
	err = st.Update(ctx, func(tx *store.Tx) error {
		if id, err = tx.CreateIncident(in); err != nil {
			return err
		}
		for _, m := range members {
			if err := tx.PutMember(id, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	if full, err = st.Incident(ctx, id); err != nil {
		t.Fatal(err)
	}
	key = full
	if key.Members, err = st.KeyMembers(ctx, id, full.Services); err != nil {
		t.Fatal(err)
	}
	return full, key
}

// TestKeyMembersRankLikeAll checks that ranking an incident by the store's key members,
// as Diagnose does, gives the same hypotheses as ranking every member. Ties in start time
// and in score are where a shortcut would pick a different member.
func TestKeyMembersRankLikeAll(t *testing.T) {
	g := topology.New()
	g.Add("frontend", "checkout")
	g.Add("checkout", "payments")
	services := []string{"checkout", "frontend", "payments"}
	var members []signal.Member
	for i := range 300 {
		m := signal.Member{Fingerprint: fmt.Sprintf("fp%03d", 299-i), SignalID: int64(i + 1),
			Source: "detect", Kind: signal.KindAnomaly, Name: "m",
			Service: services[i%3], Status: signal.StatusFiring,
			Score: float64(i%7) / 7, StartsAt: t0.Add(time.Duration(i/10) * time.Second)}
		if i%50 == 0 {
			m.Service = ""
			m.Score = 1
		}
		members = append(members, m)
	}

	full, key := stored(t, signal.Incident{Services: services}, members)
	if len(key.Members) >= len(full.Members) {
		t.Fatalf("%d key members of %d: nothing was left out", len(key.Members),
			len(full.Members))
	}
	want := diagnose.Rank(g, &full, nil)
	got := diagnose.Rank(g, &key, nil)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ranking by key members:\n%+v\nwant, ranking by all:\n%+v", got, want)
	}
}

// TestKeyMembersWithoutServices: for an incident that names no service, the key members
// still hold its first member, so the symptom hypothesis ranks as it would from all members.
func TestKeyMembersWithoutServices(t *testing.T) {
	var members []signal.Member
	for i := range 50 {
		members = append(members, signal.Member{Fingerprint: fmt.Sprintf("fp%02d", 49-i),
			SignalID: int64(i + 1), Source: "grafana", Kind: signal.KindAlert,
			Name: fmt.Sprintf("a%d", i), Status: signal.StatusFiring,
			StartsAt: t0.Add(time.Duration(50-i/2) * time.Second)})
	}

	full, key := stored(t, signal.Incident{}, members)
	want := diagnose.Rank(topology.New(), &full, nil)
	got := diagnose.Rank(topology.New(), &key, nil)
	if len(want) != 1 || !reflect.DeepEqual(got, want) {
		t.Errorf("ranking by key members:\n%+v\nwant one symptom, ranking by all:\n%+v",
			got, want)
	}
}
