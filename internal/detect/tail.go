package detect

import "math"

// tailProb is the exceedance probability at which a tail's threshold sits.
const tailProb = 0.02

// tail learns the upper tail of one statistic online, as a peaks-over-threshold model with
// an exponential excess (a generalized Pareto with shape 0): a threshold q at the 98th
// percentile, tracked by stochastic approximation, and the mean excess e over it. The
// surprise of x is -log10 P(X > x) under that model. Because every series learns its own
// tail, a series with heavy-tailed noise needs a larger deviation to reach the same
// surprise as a Gaussian one; that is what keeps ordinary noise quiet.
//
// Memory: two float32. Work: O(1).
type tail struct {
	q, e float32
}

// tailBase is the surprise at the tail's threshold, −log10(tailProb).
var tailBase = -math.Log10(tailProb)

// newTail starts from a standard normal statistic: its 98th percentile and the mean
// excess over it, so a new series scores like a Gaussian until it has taught otherwise.
func newTail() tail { return tail{q: 2.054, e: 0.42} }

// surprise is -log10 of the modelled probability of exceeding x, at least 0.
func (t *tail) surprise(x float64) float64 {
	u := tailBase + math.Log10E*(x-float64(t.q))/float64(t.e)
	return max(u, 0)
}

// update learns from x. eta is the quantile step size: large on a new series, small later.
// The excess is clipped at six mean excesses so that one huge anomaly cannot flatten the
// tail for the rest of the series' life.
func (t *tail) update(x, eta float64) {
	q, e := float64(t.q), float64(t.e)
	if x > q {
		e += 0.05 * (min(x-q, 6*e) - e)
		q += eta * e * (1 - tailProb)
	} else {
		q -= eta * e * tailProb
	}
	// A floor on both keeps a series that is flat most of the time from calling every
	// small step a one-in-a-billion event.
	t.q, t.e = float32(max(q, 1)), float32(max(e, 0.1))
}
