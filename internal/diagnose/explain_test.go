package diagnose_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/diagnose"
	"github.com/cerebro-aiops/cerebro/internal/signal"
	"github.com/cerebro-aiops/cerebro/internal/topology"
)

// TestUpstreamExplanation checks that the upstream explanation claims a dependency only
// where the service graph has one: one affected service, services the graph does not link,
// and a caller and its dependency each get their own wording.
func TestUpstreamExplanation(t *testing.T) {
	g := topology.New()
	g.Add("checkout", "payments")
	member := func(svc string, after time.Duration) signal.Member {
		return signal.Member{Service: svc, Name: "HighLatency", Kind: signal.KindAlert,
			Status: signal.StatusFiring, StartsAt: t0.Add(after)}
	}
	for _, tc := range []struct {
		name    string
		members []signal.Member
		want    string
	}{
		{"one service", []signal.Member{member("payments", 0)},
			"payments is the only affected service; its first symptom is HighLatency."},
		{"unlinked", []signal.Member{member("search", 0), member("payments", time.Second)},
			"search showed the first symptom; no other affected service calls it"},
		{"dependency", []signal.Member{member("checkout", 0), member("payments", time.Second)},
			"payments is the deepest affected dependency: 1 other affected service(s) call it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hyps := diagnose.Rank(g, &signal.Incident{Members: tc.members}, nil)
			for _, h := range hyps {
				if h.Kind == "upstream" {
					if !strings.HasPrefix(h.Explanation, tc.want) {
						t.Errorf("explanation %q, want it to start %q", h.Explanation, tc.want)
					}
					return
				}
			}
			t.Fatalf("no upstream hypothesis in %+v", hyps)
		})
	}
}

// TestSymptomWithoutService: an incident whose members name no service gets one hypothesis
// pointing at its first member; one with a service gets none of that kind.
func TestSymptomWithoutService(t *testing.T) {
	in := &signal.Incident{Members: []signal.Member{
		{Fingerprint: "b", Source: "grafana", Kind: signal.KindAlert, Name: "Late",
			StartsAt: t0.Add(time.Minute)},
		{Fingerprint: "a", Source: "grafana", Kind: signal.KindAlert, Name: "TestAlert",
			SignalID: 4, StartsAt: t0},
	}}
	hyps := diagnose.Rank(topology.New(), in, nil)
	if len(hyps) != 1 || hyps[0].Kind != "symptom" || hyps[0].Service != "" {
		t.Fatalf("hypotheses %+v, want one symptom without service", hyps)
	}
	h := hyps[0]
	if len(h.Evidence) != 1 || h.Evidence[0].SignalID != 4 ||
		!strings.Contains(h.Explanation, "TestAlert from grafana") {
		t.Errorf("symptom %+v does not point at the first member, TestAlert", h)
	}

	in.Members[0].Service = "checkout"
	for _, h := range diagnose.Rank(topology.New(), in, nil) {
		if h.Kind == "symptom" {
			t.Errorf("symptom hypothesis %+v on an incident that names a service", h)
		}
	}
}
