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
	lastD    float64 // the previous difference
	mdd1     float64 // weighted mean of the products of consecutive differences
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
	if r.c > 2 {
		r.mdd1 += max(a, 1/(r.c-2)) * (d*r.lastD - r.mdd1)
	}
	r.lastD = d
}

// persistence is the factor by which autocorrelated noise inflates the variance of the
// slope: (1+ρ)/(1−ρ) for noise with lag-one autocorrelation ρ. Memory that wanders (a
// random walk, an AR(1) drift) must not read as a leak with a t-statistic of 10 because
// a line fits a few minutes of it; white noise gives a factor of 1.
//
// ρ is read from the differences of consecutive values, whose lag-one autocorrelation
// is −(1−ρ)/2 for AR(1) noise: −½ for white noise, 0 for a random walk, which gets the
// largest factor, nEff, that of a slope known from one sample. An earlier estimate, from
// the residual variance against that of the differences, also read a line's misfit as
// persistence: a leak that began after a flat stretch bends the weighted line, and its
// slope's standard error grew with the leak's own speed, so faster leaks were named
// later (13 minutes for 10% per 5 minutes, against 7 for 3%).
func (r *trend) persistence(nEff float64) float64 {
	vd := r.mdd - r.md*r.md
	if vd <= 0 || r.c < 4 {
		return 1
	}
	rd := (r.mdd1 - r.md*r.md) / vd   // lag-one autocorrelation of the differences
	rd += 2 / math.Sqrt(max(nEff, 1)) // two sampling errors, towards persistence
	if rd >= 0 {
		return max(1, nEff)
	}
	rd = max(rd, -0.5)
	return within((1+rd)/-rd, 1, max(1, nEff))
}

// restoreLag starts the lagged differences of a trend restored from a snapshot that did
// not keep them: as if consecutive differences were uncorrelated, the reading of a random
// walk, which gives the slope its widest standard error until the window has relearned
// them. A leak then waits for the drift test or a few minutes, and wandering memory is
// not called one meanwhile.
func (r *trend) restoreLag() {
	r.lastD, r.mdd1 = 0, r.md*r.md
}

// driftT is the t-statistic of the mean difference of consecutive values: growth judged
// as a random walk's drift. Unlike the line's slope, whose standard error the persistence
// factor widens, it is not fooled by a line that bends: a leak that starts after a flat
// stretch (a deploy) leaves the weighted line a misfit that reads as persistent noise,
// and a smooth leak was then not called one for as long as the flat stretch weighed in
// the window. Wandering memory has differences of mean zero, so it is no drift either;
// a single step is one large difference, worth a t of about √2 at most.
func (r *trend) driftT() float64 {
	if r.c < 3 {
		return 0
	}
	vd := r.mdd - r.md*r.md
	if vd <= 0 {
		if r.md > 0 {
			return math.Inf(1) // steps of exactly the same size: a noiseless ramp
		}
		return 0
	}
	return r.md / math.Sqrt(vd*r.w2)
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
	se = math.Sqrt(resid * r.persistence(nEff) / (r.ctt * max(nEff-2, 1)))
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
