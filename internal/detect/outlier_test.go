package detect

import (
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
	for _, after := range []int{120, 240, 900} {
		e := newEngine(t, Config{})
		withClock(e)
		ls := labelsOf("orders_per_second", "service", "shop")
		rng := rand.New(rand.NewPCG(3, 4))
		const glitch = 2000
		spike := glitch + after
		out := feed(e, ls, labStart, 15*time.Second, spike+40, func(i int) float64 {
			switch i {
			case glitch:
				return 1e12
			case spike:
				return 20000
			}
			return 100 + 5*rng.NormFloat64()
		})
		at := labStart.Add(time.Duration(spike) * 15 * time.Second)
		paged := false
		for _, s := range out {
			if s.Status == signal.StatusFiring && s.EventTime.Equal(at) {
				paged = true
			}
		}
		if !paged {
			t.Errorf("spike %d samples after the glitch did not page", after)
		}
	}
}
