package detect

import (
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// TestNewSeriesDriftWarmup is the false positive of cerebro demo: a brand-new series of
// resident memory, whose noise wanders (AR(1), φ = 0.95 at 2 s scrapes, as the lab makes
// it), fired the variance or level-shift detector in its first minutes, before its tails
// could learn how far such noise strays. Before the fix 36 of 50 seeds fired within five
// minutes; a few may still (the autocorrelation is estimated from a minute of data).
func TestNewSeriesDriftWarmup(t *testing.T) {
	const seeds, allowed = 50, 3
	if fired := driftFirings(t, 300, seeds); fired > allowed {
		t.Errorf("%d of %d brand-new drifting series fired in their first 5 min, want at most %d",
			fired, seeds, allowed)
	}
}

// TestNewSeriesDriftHalfHour follows the same series for their first half hour, past the
// young-series persistence correction (300 samples): once it had faded, the tails, which
// had seen almost none of the noise's rare excursions, still called one a
// one-in-ten-million event, and 38 of 50 seeds fired the variance detector at scores of
// 0.50-0.59. The persistence floors of the level and variance tails (floorRaises) bring it
// to 16; the rest is the open problem in docs/detect.md.
func TestNewSeriesDriftHalfHour(t *testing.T) {
	const seeds, allowed = 50, 20
	if fired := driftFirings(t, 1800, seeds); fired > allowed {
		t.Errorf("%d of %d brand-new drifting series fired in their first 30 min, want at most %d",
			fired, seeds, allowed)
	}
}

// driftFirings feeds seeds brand-new series of wandering resident memory (AR(1),
// φ = 0.95, 2 s scrapes) for historyS seconds each and counts the seeds that paged.
func driftFirings(t *testing.T, historyS float64, seeds uint64) int {
	t.Helper()
	c := labCase{Metric: "process_resident_memory_bytes", IntervalS: 2, HistoryS: historyS,
		Base: 3.4e8, Noise: "ar1", SD: 3.4e6, Phi: 0.95}
	c.Labels = map[string]string{"service": "catalog"}
	fired := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		e := newEngine(t, Config{})
		var out []signal.Signal
		for _, p := range c.generate(seed) {
			out = e.Observe(signal.Series{Labels: c.labels(), Points: []signal.Point{p}}, out)
		}
		for _, s := range out {
			if s.Status == signal.StatusFiring {
				fired++
				after := s.EventTime.Sub(labStart).Round(time.Second)
				t.Logf("seed %d fired at +%v: %s", seed, after, s.Summary)
				break
			}
		}
	}
	return fired
}

// TestMinHistory checks that a brand-new series does not page on a spike before it has
// lived min_history, and that the same spike later does page.
func TestMinHistory(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		spikeAt int // seconds after the series' first sample, at 1 s scrapes
		fire    bool
	}{
		{"young", Config{}, 30, false},
		{"lived", Config{}, 90, true},
		{"off", Config{MinHistory: -1}, 30, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if fired := spikeFires(t, tc.cfg, "http_request_duration_seconds",
				tc.spikeAt); fired != tc.fire {
				t.Errorf("spike at +%ds: fired %v, want %v", tc.spikeAt, fired, tc.fire)
			}
		})
	}
}

// TestMute checks that Prometheus's scrape meta series never page by default (its
// scrape_duration_seconds jittered with the host's load and opened an incident in the
// end-to-end test), that other series with the same spike do, and that an explicit empty
// mute list watches them again.
func TestMute(t *testing.T) {
	for _, tc := range []struct {
		name, metric string
		cfg          Config
		fire         bool
	}{
		{"scrape muted", "scrape_duration_seconds", Config{}, false},
		{"scrape samples muted", "scrape_samples_scraped", Config{}, false},
		{"service series", "http_request_duration_seconds", Config{}, true},
		{"mute off", "scrape_duration_seconds", Config{Mute: []string{}}, true},
		{"own mute", "http_request_duration_seconds",
			Config{Mute: []string{`{service="payments"}`}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if fired := spikeFires(t, tc.cfg, tc.metric, 90); fired != tc.fire {
				t.Errorf("%s: fired %v, want %v", tc.metric, fired, tc.fire)
			}
		})
	}
}

// spikeFires feeds a brand-new series of a small, steady value scraped every second, with
// a fifty-fold spike from spikeAt seconds on, and reports whether it paged.
func spikeFires(t *testing.T, cfg Config, metric string, spikeAt int) bool {
	t.Helper()
	e := newEngine(t, cfg)
	labels := []signal.Label{{Name: "__name__", Value: metric},
		{Name: "service", Value: "payments"}}
	var out []signal.Signal
	for i := range spikeAt + 5 {
		v := 0.010 + 0.0005*float64(i%3)
		if i >= spikeAt {
			v = 0.5
		}
		p := signal.Point{T: labStart.Add(time.Duration(i) * time.Second).UnixMilli(), V: v}
		out = e.Observe(signal.Series{Labels: labels, Points: []signal.Point{p}}, out)
	}
	for _, s := range out {
		if s.Status == signal.StatusFiring {
			return true
		}
	}
	return false
}
