package detect

import "math"

// tailProb is the exceedance probability at which a tail's threshold sits.
const tailProb = 0.02

// tailBase is the surprise at the tail's threshold, −log10(tailProb).
var tailBase = -math.Log10(tailProb)

// tail learns the upper tail of one statistic online, peaks-over-threshold style: a
// threshold q at the 98th percentile, tracked by stochastic approximation, and two models
// of the excess over it; the Pareto one is used once it has predicted the recent excesses
// clearly better (see paretoSwitch):
//
//   - exponential, with mean excess e (a generalized Pareto of shape 0): light tails, as
//     Gaussian-like noise has;
//   - Pareto, with Hill index xi (the mean of ln(x/q)): heavy tails, as bursty series have,
//     where an excess a thousand times the usual one is still routine.
//
// The surprise of x is −log10 P(X > x) under the chosen model. Because every series learns
// its own tail, a series with heavy-tailed noise needs a far larger deviation to reach the
// same surprise as a Gaussian one: that is what keeps ordinary noise quiet.
//
// Memory: four float32. Work: O(1); logarithms only for samples above q.
type tail struct {
	q, e float32
	xi   float32 // Hill index of the Pareto model
	ll   float32 // recent mean log-likelihood advantage of the exponential model
}

// newTail starts from a standard normal statistic (its 98th percentile, the mean excess
// and Hill index over it) and from the exponential model, so a new series scores like a
// Gaussian one until it has taught otherwise.
func newTail() tail { return tail{q: 2.054, e: 0.42, xi: 0.18, ll: 1} }

// surprise is −log10 of the modelled probability of exceeding x, at least 0: under the
// Pareto model where heavy, else under the exponential one. The parts are apart so that
// the common ones inline where a loop over the tails needs them.
func (t *tail) surprise(x float64) float64 {
	if t.heavy(x) {
		return t.paretoSurprise(x)
	}
	return t.expSurprise(x)
}

// beats reports whether the surprise of x may exceed b >= 0, deciding in the statistic's
// domain, by one multiplication, what expSurprise would take a division for: most
// samples' statistics are far from the largest surprise among them. A heavy x is not
// decided here and reports true.
func (t *tail) beats(x, b float64) bool {
	if t.heavy(x) {
		return true
	}
	// tailBase + log10(e)·(x−q)/e > b, with e > 0 (at least eFloor).
	return math.Log10E*(x-float64(t.q)) > (b-tailBase)*float64(t.e)
}

// heavy reports whether x is scored by the Pareto model: above q, once that model won.
func (t *tail) heavy(x float64) bool { return x > float64(t.q) && t.ll < paretoSwitch }

// expSurprise is the surprise of x under the exponential model.
func (t *tail) expSurprise(x float64) float64 {
	u := tailBase + math.Log10E*(x-float64(t.q))/float64(t.e)
	if u < 0 {
		return 0
	}
	return u
}

// paretoSurprise is the surprise of x above the threshold under the Pareto model.
func (t *tail) paretoSurprise(x float64) float64 {
	return tailBase + math.Log10(x/float64(t.q))/float64(t.xi)
}

// Learning from x: eta is the quantile step size, large on a new series, small later.
// Most samples are below the threshold and only move it down a little (descend); the
// excesses, one in fifty, go to learnExcess. Detector.learnTails makes that choice for
// every statistic.

// descend lowers the threshold after a sample below it.
func (t *tail) descend(eta float64) {
	q := float64(t.q) - eta*float64(t.e)*tailProb
	if q < qFloor {
		q = qFloor
	}
	t.q = float32(q)
}

// learnExcess learns from x above the threshold. The exponential excess is clipped at six
// mean excesses so that one huge anomaly cannot flatten that model for the rest of the
// series' life; the likelihood race between the models sees the excess unclipped.
func (t *tail) learnExcess(x, eta float64) {
	q, e, xi := float64(t.q), float64(t.e), float64(t.xi)
	// The log-likelihoods of the excess y under the two models, −ln e − y/e and
	// −ln ξ − ln q − (1/ξ+1)·ln(x/q), differ by ln(ξq/e) − y/e + (1/ξ+1)·ln(x/q): two
	// logarithms rather than four.
	y, lr := x-q, math.Log(x/q)
	adv := math.Log(xi*q/e) - min(y/e, 100) + (1/xi+1)*lr
	t.ll += float32(0.1 * (min(max(adv, -20), 20) - float64(t.ll)))

	e += 0.05 * (min(y, 6*e) - e)
	xi += 0.05 * (min(lr, 6*xi) - xi)
	q += eta * e * (1 - tailProb)
	// Floors keep a series that is flat most of the time from calling every small step a
	// one-in-a-billion event.
	t.q, t.e, t.xi = float32(max(q, qFloor)), float32(max(e, eFloor)), float32(max(xi, 0.05))
}

// paretoSwitch is how much better, in mean log-likelihood per excess, the Pareto model
// must have done before it is used: heavy tails must be clearly shown, not suspected.
const paretoSwitch = -3

// Floors of the threshold and of the mean excess, in standard deviations: even a series
// whose noise is bounded or quantized (counts that cannot go below zero) is not allowed to
// treat a deviation of a couple of spreads as a rare event.
const qFloor, eFloor = 2.0, 0.3

// raiseFloors raises the floors of the threshold and of the mean excess g times, for a
// statistic whose noise swings g times wider than its normalization assumes (see
// Detector.floorRaises); g ≤ 1 changes nothing.
func (t *tail) raiseFloors(g float64) {
	if g <= 1 {
		return
	}
	t.q = float32(max(float64(t.q), qFloor*g))
	t.e = float32(max(float64(t.e), eFloor*g))
}
