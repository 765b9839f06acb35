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
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
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
