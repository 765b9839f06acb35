package correlate_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/correlate"
	"github.com/cerebro-aiops/cerebro/internal/signal"
	"github.com/cerebro-aiops/cerebro/internal/store"
	"github.com/cerebro-aiops/cerebro/internal/topology"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fixture is a store and an engine that reads it, driven by Step.
type fixture struct {
	st  *store.Store
	eng *correlate.Engine
	seq int
}

func newFixture(tb testing.TB) *fixture {
	st, err := store.Open(context.Background(), tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	eng := correlate.New(st, topology.New(), correlate.Config{Window: time.Hour, Hops: 2},
		nil, nil, slog.New(slog.DiscardHandler), nil)
	return &fixture{st: st, eng: eng}
}

// fire appends n firing alerts of one Alertmanager group, each a new identity.
func (f *fixture) fire(tb testing.TB, group string, n int) {
	sigs := make([]signal.Signal, n)
	for i := range sigs {
		f.seq++
		at := t0.Add(time.Duration(f.seq) * time.Millisecond)
		sigs[i] = signal.Signal{Kind: signal.KindAlert, Source: "alertmanager",
			Fingerprint: fmt.Sprintf("%s-%d", group, f.seq), Name: "Flood",
			Service: "svc-" + group, Status: signal.StatusFiring, Group: group,
			StartsAt: at, EventTime: at, ReceivedAt: at}
	}
	if _, err := f.st.AppendSignals(context.Background(), sigs); err != nil {
		tb.Fatal(err)
	}
}

// drain applies the whole log.
func (f *fixture) drain(tb testing.TB) {
	for {
		n, err := f.eng.Step(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// BenchmarkCorrelateLargeGroup times one more alert joining an Alertmanager group that
// already has size members. Before the fix the cost grew with size; it should not.
func BenchmarkCorrelateLargeGroup(b *testing.B) {
	for _, size := range []int{100, 1000, 4000} {
		b.Run(fmt.Sprintf("members=%d", size), func(b *testing.B) {
			f := newFixture(b)
			f.fire(b, "many", size)
			f.drain(b)
			for b.Loop() {
				f.fire(b, "many", 1)
				f.drain(b)
			}
		})
	}
}

// TestLargeGroupOneIncident drives a group of a thousand through the lifecycle: every
// member joins one incident, an unrelated alert opens its own, and the group's incident
// resolves only with its last member.
func TestLargeGroupOneIncident(t *testing.T) {
	const size = 1000
	f := newFixture(t)
	f.fire(t, "many", size)
	f.fire(t, "other", 1)
	f.drain(t)

	ctx := context.Background()
	list, err := f.st.Incidents(ctx, store.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("%d incidents, want 2", len(list))
	}
	group, other := list[1], list[0]
	if in, _ := f.st.Incident(ctx, group.ID); len(in.Members) != size {
		t.Errorf("group incident has %d members, want %d", len(in.Members), size)
	}
	if in, _ := f.st.Incident(ctx, other.ID); len(in.Members) != 1 {
		t.Errorf("unrelated incident has %d members, want 1", len(in.Members))
	}

	f.resolve(t, "many", 1, size-1)
	f.drain(t)
	if in, _ := f.st.IncidentHeader(ctx, group.ID); in.Status == signal.IncidentResolved {
		t.Fatalf("incident resolved with one member still firing")
	}
	f.resolve(t, "many", size, size)
	f.drain(t)
	if in, _ := f.st.IncidentHeader(ctx, group.ID); in.Status != signal.IncidentResolved {
		t.Errorf("incident %s after every member resolved, want resolved", in.Status)
	}
}

// resolve appends resolves for the group's members from..to, numbered as fire numbered
// them.
func (f *fixture) resolve(tb testing.TB, group string, from, to int) {
	var sigs []signal.Signal
	for i := from; i <= to; i++ {
		at := t0.Add(time.Minute + time.Duration(i)*time.Millisecond)
		sigs = append(sigs, signal.Signal{Kind: signal.KindAlert, Source: "alertmanager",
			Fingerprint: fmt.Sprintf("%s-%d", group, i), Name: "Flood",
			Service: "svc-" + group, Status: signal.StatusResolved, Group: group,
			StartsAt: t0.Add(time.Duration(i) * time.Millisecond), EventTime: at,
			ReceivedAt: at})
	}
	if _, err := f.st.AppendSignals(context.Background(), sigs); err != nil {
		tb.Fatal(err)
	}
}
