package detect

import "math"

// trend is an exponentially weighted linear regression of value on time: the weighted
// means of t and v and their (co)variances, with a time constant tau. It gives the current
// slope, its standard error and how much of the variance the line explains, for
// time-to-exhaustion forecasts and leak detection.
//
// Memory: about 100 bytes. Work: O(1) per sample.
type trend struct {
	t0       int64   // Unix ms of the first sample; times are seconds since it
	last     float64 // seconds of the last sample
	c        float64 // samples seen
	w2       float64 // sum of the squared (normalized) weights: 1/w2 samples' worth
	mt, mv   float64 // weighted means
	ctt, ctv float64 // weighted (co)variances
	cvv      float64
	lastV    float64 // the previous value, for the differences
	md, mdd  float64 // weighted mean and mean square of the differences of consecutive values
}

// update adds the sample at t (Unix ms), with tau in seconds. Early on the weights are
// those of a plain average, so a young series gets an ordinary least-squares fit.
func (r *trend) update(t int64, v, tau float64) {
	if r.c == 0 {
		*r = trend{t0: t, mv: v, c: 1, w2: 1, lastV: v}
		return
	}
	d := v - r.lastV
	r.lastV = v
	x := float64(t-r.t0) / 1000
	dt := max(x-r.last, 0)
	r.last = x
	r.c++
	a := max(1-math.Exp(-dt/tau), 1/r.c)
	dx, dv := x-r.mt, v-r.mv
	r.mt += a * dx
	r.mv += a * dv
	r.ctt = (1 - a) * (r.ctt + a*dx*dx)
	r.ctv = (1 - a) * (r.ctv + a*dx*dv)
	r.cvv = (1 - a) * (r.cvv + a*dv*dv)
	r.w2 = (1-a)*(1-a)*r.w2 + a*a
	b := max(a, 1/(r.c-1))
	r.md += b * (d - r.md)
	r.mdd += b * (d*d - r.mdd)
}

// persistence is the factor by which autocorrelated noise inflates the variance of the
// slope: (1+ρ)/(1−ρ) for noise with lag-one autocorrelation ρ, estimated without storing
// the residuals as 2f−1, where f is the residual variance over half the variance of the
// differences (1/(1−ρ) for such noise). Memory that wanders (a random walk, an AR(1) drift)
// has smooth differences and large residuals, and a line through a few minutes of it must
// not read as a leak with a t-statistic of 10; white noise gives a factor of 1.
func (r *trend) persistence(resid float64) float64 {
	vd := r.mdd - r.md*r.md
	if vd <= 0 {
		return 1
	}
	return max(1, 2*resid/(vd/2)-1)
}

// fit returns the slope (per second), its standard error, the fitted value at t and the
// fraction of variance the line explains. ok is false until the fit is meaningful.
func (r *trend) fit(t int64) (slope, se, now, r2 float64, ok bool) {
	nEff := 1 / max(r.w2, 1e-12)
	if r.ctt <= 0 || r.cvv <= 0 || nEff < 3 {
		return 0, 0, r.mv, 0, false
	}
	slope = r.ctv / r.ctt
	resid := max(r.cvv-slope*r.ctv, 0)
	se = math.Sqrt(resid * r.persistence(resid) / (r.ctt * max(nEff-2, 1)))
	now = r.mv + slope*(float64(t-r.t0)/1000-r.mt)
	r2 = 1 - resid/r.cvv
	return slope, se, now, r2, true
}

// crossing projects when the line reaches limit, as seconds from now, with an early and a
// late bound from the slope ± 2 standard errors (late is +Inf when the slope could be 0).
func crossing(slope, se, now, limit float64) (mid, early, late float64, ok bool) {
	gap := limit - now
	if slope == 0 || gap/slope <= 0 {
		return 0, 0, 0, false
	}
	s := math.Abs(slope)
	mid = math.Abs(gap) / s
	early = math.Abs(gap) / (s + 2*se)
	late = math.Inf(1)
	if s > 2*se {
		late = math.Abs(gap) / (s - 2*se)
	}
	return mid, early, late, true
}
