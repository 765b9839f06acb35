package detect

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// TestResolveStale checks that a series that stops sending while firing gets its episode
// resolved once it has been silent for stale_after, once, with the firing's identity, and
// that a series still sending keeps firing.
func TestResolveStale(t *testing.T) {
	e := newEngine(t, Config{StaleAfter: 10 * time.Minute})
	clock := withClock(e)
	rng := rand.New(rand.NewPCG(7, 8))
	gone := labelsOf("http_request_duration_seconds", "service", "api", "pod", "gone")
	alive := labelsOf("http_request_duration_seconds", "service", "api", "pod", "alive")
	var fired []signal.Signal
	for i := range 400 {
		at := labStart.Add(time.Duration(i) * 5 * time.Second)
		clock.t = at
		v := 0.1 + 0.005*rng.NormFloat64()
		if i >= 390 {
			v += 1 // both series fire and stay out
		}
		for _, ls := range [][]signal.Label{gone, alive} {
			fired = e.Observe(signal.Series{Labels: ls,
				Points: []signal.Point{{T: at.UnixMilli(), V: v}}}, fired)
		}
	}
	var firing signal.Signal
	for _, s := range fired {
		if s.Labels["pod"] == "gone" && s.Status == signal.StatusFiring {
			firing = s
		}
	}
	if firing.Fingerprint == "" {
		t.Fatal("the series never fired: the test tests nothing")
	}

	// alive keeps sending; gone does not.
	last := clock.t
	for i := 1; i <= 130; i++ {
		clock.t = last.Add(time.Duration(i) * 5 * time.Second)
		e.Observe(signal.Series{Labels: alive,
			Points: []signal.Point{{T: clock.t.UnixMilli(), V: 1.1}}}, nil)
		out := e.ResolveStale(nil)
		silent := clock.t.Sub(last)
		switch {
		case silent <= 10*time.Minute && len(out) > 0:
			t.Fatalf("resolved after %s of silence, before stale_after: %v", silent,
				summaries(out))
		case silent > 10*time.Minute+5*time.Second && len(out) > 0:
			t.Fatalf("resolved again after %s: %v", silent, summaries(out))
		case silent > 10*time.Minute && silent <= 10*time.Minute+5*time.Second:
			if len(out) != 1 {
				t.Fatalf("%d signals after %s of silence, want 1 resolve: %v", len(out),
					silent, summaries(out))
			}
			r := out[0]
			if r.Status != signal.StatusResolved || r.Fingerprint != firing.Fingerprint ||
				r.Labels["pod"] != "gone" || r.Annotations["resolved_by"] != "stale" {
				t.Errorf("resolve %+v does not match firing %+v", r, firing)
			}
		}
	}
}
