package detect

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// TestOutlierDoesNotBlind: on a series of about 100 ± 5, one absurd value (a glitch of
// 1e12) became the spike record, and a real spike of 20,000 an hour later, thousands of
// standard deviations out, was capped at the record's surprise and did not page: the
// record would have taken some 17,000 samples (three days at 15 s scrapes) to decay
// below it.
func TestOutlierDoesNotBlind(t *testing.T) {
	tests := []struct{ glitch, spike float64 }{
		{1e12, 20000},
		{-1e12, -20000},
		{1e6, 2000},
	}
	for _, tt := range tests {
		for _, after := range []int{120, 240, 900} {
			name := fmt.Sprintf("%g then %g after %d", tt.glitch, tt.spike, after)
			t.Run(name, func(t *testing.T) {
				if !pagesAfterGlitch(t, tt.glitch, tt.spike, after) {
					t.Error("the spike did not page")
				}
			})
		}
	}
}

// pagesAfterGlitch feeds 2000 samples of 100 ± 5 at 15 s, the glitch, and the spike after
// more samples, and reports whether the spike's sample fired.
func pagesAfterGlitch(t *testing.T, glitch, spike float64, after int) bool {
	e := newEngine(t, Config{})
	withClock(e)
	ls := labelsOf("orders_per_second", "service", "shop")
	rng := rand.New(rand.NewPCG(3, 4))
	const at = 2000
	out := feed(e, ls, labStart, 15*time.Second, at+after+40, func(i int) float64 {
		switch i {
		case at:
			return glitch
		case at + after:
			return spike
		}
		return 100 + 5*rng.NormFloat64()
	})
	when := labStart.Add(time.Duration(at+after) * 15 * time.Second)
	for _, s := range out {
		if s.Status == signal.StatusFiring && s.EventTime.Equal(when) {
			return true
		}
	}
	return false
}
