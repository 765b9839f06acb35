package detect

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// TestForecast checks time-to-exhaustion on generated fills with a known answer: the
// projected crossing must be within 10% of the true remaining time, and a stationary
// series must raise no forecast at all.
func TestForecast(t *testing.T) {
	tests := []struct {
		name     string
		metric   string
		start    float64
		perSec   float64 // fill speed
		noise    float64
		limit    float64
		wantFire bool
	}{
		{"linear disk fill", "node_filesystem_used_ratio", 0.40, 0.6 / 7200, 0, 1, true},
		{"noisy disk fill", "node_filesystem_used_ratio", 0.40, 0.6 / 7200, 0.01, 1, true},
		{"noisy pool fill", "db_pool_utilization", 0.2, 0.8 / 10800, 0.02, 1, true},
		{"free bytes running out", "node_filesystem_avail_bytes", 5e10, -5e10 / 9000, 2e8, 0, true},
		{"stationary ratio", "node_filesystem_used_ratio", 0.6, 0, 0.02, 1, false},
		{"stationary free bytes", "node_filesystem_avail_bytes", 5e10, 0, 3e8, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 5; seed++ {
				checkForecast(t, tt.metric, tt.start, tt.perSec, tt.noise, tt.limit,
					tt.wantFire, seed)
			}
		})
	}
}

func checkForecast(t *testing.T, metric string, start, perSec, noise, limit float64,
	wantFire bool, seed uint64) {
	t.Helper()
	e := newEngine(t, Config{})
	rng := rand.New(rand.NewPCG(seed, 9))
	ls := labelsOf(metric, "instance", "db-1", "service", "db")
	step := 15 * time.Second
	n := int((3 * time.Hour) / step)
	out := feed(e, ls, labStart, step, n, func(i int) float64 {
		return start + perSec*float64(i)*step.Seconds() + noise*rng.NormFloat64()
	})
	var fc *signal.Signal
	for i := range out {
		if out[i].Kind == signal.KindForecast && out[i].Status == signal.StatusFiring {
			fc = &out[i]
			break
		}
	}
	if !wantFire {
		if fc != nil {
			t.Fatalf("seed %d: forecast on a stationary series: %s", seed, fc.Summary)
		}
		return
	}
	if fc == nil {
		t.Fatalf("seed %d: no forecast", seed)
	}
	trueAt := labStart.Add(time.Duration((limit - start) / perSec * float64(time.Second)))
	projected, err := time.Parse(time.RFC3339, fc.Annotations["projected_at"])
	if err != nil {
		t.Fatal(err)
	}
	remaining := trueAt.Sub(fc.EventTime)
	errAt := math.Abs(projected.Sub(trueAt).Seconds())
	if errAt > 0.1*remaining.Seconds() {
		t.Fatalf("seed %d: projected %v, true %v: off by %.0fs of %v remaining (%s)", seed,
			projected, trueAt, errAt, remaining, fc.Summary)
	}
	if fc.Labels["detector"] != "forecast" || fc.Annotations["earliest"] == "" {
		t.Fatalf("seed %d: forecast lacks its uncertainty: %+v", seed, fc)
	}
}
