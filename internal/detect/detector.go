package detect

import "math"

// Detector names, as they appear in explanations and in the "detector" label.
const (
	DetSpike    = "spike"       // one sample far outside the expected range
	DetLevel    = "level_shift" // the recent mean moved away from the baseline
	DetVariance = "variance"    // the recent spread grew
	DetGap      = "gap"         // no sample for many typical intervals
	DetRate     = "spike_rate"  // spikes of a routine size came far more often than usual
	DetCusum    = "cusum"       // a small shift of the mean lasted (cusum.go)
)

// Tuning of the baseline. These are design constants, not per-corpus knobs.
const (
	warmup     = 8      // samples before any score
	alphaMin   = 0.01   // slowest baseline adaptation (about 100 samples)
	alphaScale = 0.02   // adaptation of the spread
	alphaShort = 0.2    // the short window of the level-shift statistic
	alphaVar   = 0.1    // the short window of the variance statistic
	alphaSlow  = 0.07   // and its slower window, for spreads that widen gradually
	alphaRho   = 0.02   // adaptation of the residuals' autocorrelation (see statScales)
	youngN     = 300.0  // samples over which the persistence correction fades out
	alphaRhoS  = 0.002  // adaptation of the slower autocorrelation (see floorRaises)
	matureEff  = 100.0  // effective samples over which the tails' persistence floors fade
	clipZ      = 3.0    // residuals beyond this move the baseline no further
	shiftZ     = 4.0    // a level this far out for shiftRuns samples becomes the baseline
	shiftRuns  = 12     // see shiftZ
	relFloor   = 0.0005 // the spread is at least this fraction of the level
	shortClip  = 4.0    // one sample moves the level statistic by at most this residual
	varClip    = 9.0    // and the variance statistic by at most this squared residual
	learnGate  = 3.0    // samples more surprising than this do not teach spread or tails
	gateRun    = 30     // for at most this many samples in a row
	halfScore  = 7.0    // surprise (−log10 p) that maps to score 0.5
	suppressHL = 60.0   // half-life, in samples, of the onset suppression level
	escalate   = 1.5    // a new onset needs this many times the surprise of the last
	escScore   = 1.4    // and this many times its score (see onset)
)

// Derived constants, computed once rather than per sample.
var (
	levNorm        = math.Sqrt(alphaShort / (2 - alphaShort)) // sd of the short mean
	varNorm        = math.Sqrt(2 * alphaVar / (2 - alphaVar)) // sd of the short variance
	slowNorm       = math.Sqrt(2 * alphaSlow / (2 - alphaSlow))
	invLevNorm     = 1 / levNorm
	invVarNorm     = 1 / varNorm
	invSlowNorm    = 1 / slowNorm
	suppDecay      = math.Exp2(-1 / suppressHL)
	inflationFloor = 1 + 2/math.Sqrt(2/alphaMin)
)

// Result is what one sample did to a Detector.
type Result struct {
	Score    float64 // anomaly strength in [0, 1]; 0 while warming up
	Onset    float64 // Score when it is a new high since the last onsets decayed, else 0
	Detector string  // the detector that gave the score, "" when Score is 0
	Expected float64 // the baseline's prediction
	Spread   float64 // the baseline's scale (about one standard deviation)
	Z        float64 // (value - Expected) / Spread
	Skipped  bool    // the sample was not finite, or not after the previous one

	surprise float64 // −log10 of the tail probability behind Score
}

// Detector is the streaming detector of one gauge series: a robust baseline (level,
// spread and, once they help, daily and weekly profiles) and six detectors — spike,
// level shift, variance change (over a short and a slower window), cusum and spike rate
// over its residuals, each scored against a tail learned on the series itself, and gap
// over its sampling interval — combined by taking the most surprising.
//
// The slower variance window is there for spreads that widen gradually: the spread itself
// learns within about 50 samples, and a ten-sample mean of z² against it sees only the
// first part of such a change; one of about 14 samples sees more of it before the spread
// has caught up. It does not replace the short one, which a sudden change of spread
// must reach within a few samples.
//
// The zero value is not ready; use NewDetector. A Detector is not safe for concurrent use.
type Detector struct {
	// Float64 where the value's own magnitude is carried (a level near a Unix timestamp
	// or a large counter rate must resolve changes far below it), float32 for what is
	// measured in spreads or is a scale itself.
	n       uint32
	dt      float32 // typical interval, seconds
	lastT   int64   // Unix ms of the last accepted sample
	level   float64 // robust mean of the deseasonalized value
	fast    float64 // fast mean of the value, for accepting level shifts
	lastV   float64 // the previous value, for the quantum
	mad     float32 // robust mean absolute deviation of the residual
	short   float32 // short mean of the standardized residual
	vshort  float32 // short mean of the squared standardized residual
	vslow   float32 // and its slower mean
	supp    float32 // onset suppression level
	quantum float32 // smallest non-zero change seen: the value's resolution
	rho     float32 // lag-one autocorrelation of the standardized residual, learned in calm
	lastZ   float32 // the previous calm residual, clipped; 0 after a surprising one
	rhoSlow float32 // rho, followed over about 500 calm samples (see floorRaises)
	nEff    float32 // effective samples seen, the sum of (1−ρ)/(1+ρ), up to matureEff
	cusUp   float32 // cumulative sum of the residual beyond cusK, up (cusum.go)
	cusDown float32 // and down
	recUp   record  // the largest recent spikes, up
	recDown record  // and down
	spikes  uint32  // one bit per recent sample: did a spike start there? (density.go)
	// spikeRun counts consecutive samples beyond densZ, saturating.
	spikeRun uint8
	runs     uint8 // consecutive samples with the fast mean far from the level
	gated    uint8 // consecutive samples kept from teaching the baseline, saturating

	tails  [nStats]tail // of each statistic, by the indexes below
	season seasonal
	recur  recur
}

// The statistics that have a tail, in the order in which score weighs them: on a tie of
// surprise, the first names the detector.
const (
	sUp       = iota // the residual z: spikes up
	sDown            // −z: spikes down
	sLevUp           // the short mean of z, standardized: level shifts up
	sLevDown         // and down
	sVari            // the short mean of z², standardized: variance changes
	sVariSlow        // the slower mean of z², standardized
	sCus             // the larger cumulative sum of z beyond cusK (cusum.go)
	sRate            // the spike count (see observeDensity)
	nStats
)

// NewDetector returns a Detector with an empty history.
func NewDetector() *Detector {
	d := &Detector{}
	d.reset()
	return d
}

func (d *Detector) reset() {
	*d = Detector{}
	for i := range d.tails {
		d.tails[i] = newTail()
	}
	d.vshort, d.vslow = 1, 1
}

// snapTails lists the Detector's tails in the snapshot's order.
func (d *Detector) snapTails() []*tail {
	t := &d.tails
	return []*tail{&t[sUp], &t[sDown], &t[sLevUp], &t[sLevDown], &t[sVari], &t[sRate],
		&t[sVariSlow], &t[sCus]}
}

// Step feeds one sample (t in Unix milliseconds) and scores it using only the past.
//
// It runs for every sample of every series, so what several stages need (the seasonal
// reading, the inflation of the spread) is derived once, and what a series past its
// first few hundred samples no longer needs (the corrections of a short history) is
// skipped rather than computed to no effect.
func (d *Detector) Step(t int64, v float64) Result {
	if math.IsNaN(v) || math.IsInf(v, 0) || (d.n > 0 && t <= d.lastT) {
		return Result{Skipped: true}
	}
	dtMs := t - d.lastT
	d.lastT = t
	d.n++
	if d.n == 1 {
		d.level, d.fast, d.lastV = v, v, v
		d.season.init(t)
		return Result{Expected: v}
	}

	gapU := d.observeInterval(float64(dtMs) / 1000)
	d.observeQuantum(v)
	sp := d.season.pos(t)
	sv := d.season.read(sp)
	pred := d.level + sv.at
	base := d.scale()
	spread := base * d.inflation()
	z := (v - pred) / spread

	res := Result{Expected: pred, Spread: spread, Z: z}
	if d.n > warmup {
		u, name := d.score(z, gapU, t)
		res.Score, res.Detector, res.surprise = scoreOf(u), name, u
	}
	d.learn(sp, &sv, v, z, base, spread, res.surprise)
	res.Onset = d.onset(res.Score, res.surprise)
	return res
}

// scale is the baseline's scale before the widening of a short history (see inflation):
// the robust spread of the residuals, floored by a fraction of the level and by the
// values' resolution.
func (d *Detector) scale() float64 {
	s := 1.2533 * float64(d.mad)
	if f := relFloor * math.Abs(d.level); f > s {
		s = f
	}
	if q := float64(d.quantum); q > s {
		s = q
	}
	if s < 1e-9 {
		s = 1e-9
	}
	return s
}

// observeQuantum learns the resolution of the values: a series of small integers (tweets
// per bucket, errors per scrape) cannot vary by less than one, and a change of one unit
// must not be read as a billion standard deviations when the series was flat.
func (d *Detector) observeQuantum(v float64) {
	dv := math.Abs(v - d.lastV)
	d.lastV = v
	if dv > 0 && (d.quantum == 0 || dv < float64(d.quantum)) {
		d.quantum = float32(dv)
	}
}

// observeInterval learns the typical sampling interval and returns the gap surprise.
func (d *Detector) observeInterval(dt float64) float64 {
	if d.dt == 0 {
		d.dt = float32(dt)
		return 0
	}
	typ := float64(d.dt)
	u := 0.0
	// The first test spares the division for the ordinary interval.
	if dt > 9*typ && d.n > warmup {
		if ratio := dt / typ; ratio > 10 {
			u = 3 * (math.Log10(ratio) - 1)
			// The short statistics describe a past that the gap has cut off.
			d.short, d.vshort, d.vslow, d.runs = 0, 1, 1, 0
			d.cusUp, d.cusDown = 0, 0
		}
	}
	// Learn the interval from clipped intervals, so that one gap barely moves it.
	if dt != typ {
		d.dt = float32(typ + 0.05*(within(dt, 0.5*typ, 2*typ)-typ))
	}
	return u
}

// score turns the residual statistics into one surprise and names the detector behind it.
func (d *Detector) score(z, gapU float64, t int64) (float64, string) {
	// The short statistics including this sample. Each sample's part is clipped: a single
	// spike is the spike detector's business, and must not also read as a level shift
	// or a variance change.
	short := 0.8*float64(d.short) + 0.2*clamp(z, shortClip)
	levS, varS, slowS := d.statScales()
	lev := short * levS
	z2 := z * z
	if z2 > varClip {
		z2 = varClip
	}
	x := [nStats]float64{
		sUp: z, sDown: -z, sLevUp: lev, sLevDown: -lev,
		sVari:     (0.9*float64(d.vshort) + 0.1*z2 - 1) * varS,
		sVariSlow: ((1-alphaSlow)*float64(d.vslow) + alphaSlow*z2 - 1) * slowS,
		sCus:      cusumStat(d.cusumNext(z)),
		sRate:     d.observeDensity(z),
	}

	spike := d.recUp.limit(d.tails[sUp].surprise(z), z)
	if dn := d.recDown.limit(d.tails[sDown].surprise(-z), -z); dn > spike {
		spike = dn
	}
	d.recUp.see(z, float64(d.tails[sUp].q))
	d.recDown.see(-z, float64(d.tails[sDown].q))
	if spike >= learnGate && d.recur.observe(t, float64(d.dt)) {
		// The same spike came at this time on earlier days: routine, not news.
		spike = learnGate
	}
	best, name := 0.0, ""
	if spike > 0 {
		best, name = spike, DetSpike
	}
	// A young series of autocorrelated residuals judges the level and variance statistics
	// against raised floors (floorRaises), on copies of their tails.
	raise, raised := d.floorRaises(levS, varS, slowS)
	// The other statistics need their surprise only when it beats the best so far, which
	// tail.beats tells without the division; in the order of the statistics, so that on
	// a tie the first wins.
	for i := sLevUp; i < nStats; i++ {
		t := &d.tails[i]
		if raised && i <= sCus {
			c := *t
			c.raiseFloors(raise[i-sLevUp])
			t = &c
		}
		if t.beats(x[i], best) {
			if u := t.surprise(x[i]); u > best {
				best, name = u, statNames[i]
			}
		}
	}
	if gapU > best {
		best, name = gapU, DetGap
	}
	return best, name
}

// statNames are the detectors that the statistics' surprises are reported as.
var statNames = [nStats]string{
	sUp: DetSpike, sDown: DetSpike, sLevUp: DetLevel, sLevDown: DetLevel,
	sVari: DetVariance, sVariSlow: DetVariance, sCus: DetCusum, sRate: DetRate,
}

// learnTails teaches each tail its statistic x, with quantile step eta.
func (d *Detector) learnTails(x *[nStats]float64, eta float64) {
	for i := range d.tails {
		t := &d.tails[i]
		if x[i] > float64(t.q) {
			t.learnExcess(x[i], eta)
		} else {
			t.descend(eta)
		}
	}
}

// scoreOf maps a surprise (−log10 of a tail probability) onto [0, 1]: u²/(u²+c²), so
// score 0.5 is a one-in-ten-million event under the series' own tail.
func scoreOf(u float64) float64 {
	if u <= 0 {
		return 0
	}
	return u * u / (u*u + halfScore*halfScore)
}

// learn updates the baseline and the tails with the sample, robustly: a residual beyond
// clipZ moves them as if it were at clipZ, so an anomaly does not teach the baseline that
// it is normal, until it has lasted long enough to be a level shift.
//
// A sample whose surprise passes learnGate teaches neither the spread nor the tails: the
// anomaly must not widen the very yardstick it is measured with, or a sustained shift
// would talk itself back to normal within a few samples.
//
// The gate spares the first surprising sample after a quiet one, so that isolated
// outliers still teach the tails how heavy they are, and it holds for at most gateRun
// samples in a row: behaviour that lasts that long is the series' new normal (a variance
// change, a new regime), and must be learned.
//
// base is the spread before the widening of a short history.
func (d *Detector) learn(sp spos, sv *reading, v, z, base, spread, surprise float64) {
	quiet := surprise < learnGate || d.gated == 0 || d.gated >= gateRun
	if surprise < learnGate {
		d.gated = 0
	} else if d.gated < math.MaxUint8 {
		d.gated++
	}
	// The weights of the plain means that turn exponential, max(1/n, floor): one
	// division for the three while any of them is still 1/n.
	alpha, aScale, aRho := alphaMin, alphaScale, alphaRho
	if d.n < 1/alphaMin {
		inv := 1 / float64(d.n)
		alpha, aScale, aRho = max(inv, alphaMin), max(inv, alphaScale), max(inv, alphaRho)
	}
	resid := v - d.level - sv.at
	if d.n > warmup {
		resid = clamp(z, clipZ) * base
	}
	d.level += alpha * resid
	d.season.learn(sp, sv, v, v-d.level, base, float64(d.dt), d.n-1)
	if quiet {
		d.mad = float32(float64(d.mad) + aScale*(math.Abs(resid)-float64(d.mad)))
	}

	if quiet {
		zc := clamp(z, shortClip)
		d.rho += float32(aRho * (zc*float64(d.lastZ) - float64(d.rho)))
		d.lastZ = float32(zc)
		if d.nEff < matureEff {
			d.rhoSlow += float32(meanRate(float64(d.n), alphaRhoS) * float64(d.rho-d.rhoSlow))
		}
	} else {
		d.lastZ = 0
	}
	if d.nEff < matureEff {
		r := within(float64(d.rho), 0, 0.98)
		d.nEff += float32((1 - r) / (1 + r))
	}
	d.updateStats(z, quiet)
	d.acceptShift(sp, v, spread)
}

// meanRate is the weight of a new sample in a mean of n samples that turns exponential
// once that weight falls to floor: max(1/n, floor), without the division once it is
// floor, as it is for every established series.
func meanRate(n, floor float64) float64 {
	if n*floor >= 1 {
		return floor
	}
	return max(1/n, floor)
}

// statScales returns the factors that standardize the level, variance and slow variance
// statistics: 1/(sd of the statistic × its persistence factor). Multiplying by them
// spares the divisions on every established series, whose factors are constants.
//
// The persistence factor is how much wider than for independent residuals the statistic
// swings when the residuals are autocorrelated (lag-one ρ): for an exponential mean with
// weight a of AR(1) noise the factor on its standard deviation is
// sqrt((1+ρ(1−a))/(1−ρ(1−a))), and squares of Gaussian AR(1) noise have autocorrelation
// ρ². Memory that wanders swings these statistics far more than white noise does, and a
// brand-new series fired on them in its first minutes, before its tails had learned so
// (cerebro demo). The correction fades out over youngN samples: by then the tails have
// learned the statistics' real spread themselves, and a noisy ρ only blurs them.
func (d *Detector) statScales() (lev, vari, slow float64) {
	levS, varS, slowS := invLevNorm, invVarNorm, invSlowNorm
	if d.n >= youngN {
		return levS, varS, slowS // the correction has faded out
	}
	r := within(float64(d.rho), 0, 0.98)
	if r == 0 {
		return levS, varS, slowS // nothing to correct
	}

	// The three (1+k)/(1−k) and the three reciprocals of the factors take one division
	// each, as products over the others: a young series takes this path on every sample.
	w := 1 - float64(d.n)*(1.0/youngN)
	k1, k2, k3 := r*(1-alphaShort), r*r*(1-alphaVar), r*r*(1-alphaSlow)
	a1, a2, a3 := 1-k1, 1-k2, 1-k3
	inv := 1 / (a1 * a2 * a3)
	f1 := 1 + w*(math.Sqrt((1+k1)*a2*a3*inv)-1)
	f2 := 1 + w*(math.Sqrt((1+k2)*a1*a3*inv)-1)
	f3 := 1 + w*(math.Sqrt((1+k3)*a1*a2*inv)-1)
	invF := 1 / (f1 * f2 * f3)
	return levS * f2 * f3 * invF, varS * f1 * f3 * invF, slowS * f1 * f2 * invF
}

// floorRaises returns by how much the floors of the level (up, down), variance (short,
// slow) and cusum tails are raised, and whether they are: not once the series has seen matureEff
// effective samples, nor over residuals without autocorrelation. levS, varS and slowS
// are the statistics' scales from statScales.
//
// The floors say that a couple of standard deviations of a statistic is not rare; over
// autocorrelated noise a statistic's standard deviation is its persistence factor (see
// statScales) times that over independent noise, so the floors are raised by the part of
// that factor not yet divided out of the statistic. Once the young-series correction had
// faded (youngN), a brand-new series of wandering memory (AR(1), φ = 0.95 at 2 s scrapes)
// paged on its tails' inexperience in its first half hour for 38 of 50 seeds, 16 with the
// raise: the tails learn how far such noise strays only from its rare excursions.
//
// The autocorrelation is the smaller of rho and its slower follower, so that the
// excursion being judged, which raises rho while it builds up, cannot explain itself
// away. The raise fades out as the series accumulates matureEff effective samples (30 to
// 40 minutes for that series): held longer, or for good, it also hid the modest real
// excursions of autocorrelated series (docs/detect.md, the round of the floors).
func (d *Detector) floorRaises(levS, varS, slowS float64) (g [5]float64, ok bool) {
	w := 1 - float64(d.nEff)*(1/matureEff)
	if w <= 0 {
		return g, false
	}
	r := within(min(float64(d.rho), float64(d.rhoSlow)), 0, 0.98)
	if r == 0 {
		return g, false
	}
	// A raise is the faded-in full factor over the factor already applied, which is the
	// statistic's unit scale over its scale.
	lev := (1 + w*(persistFactor(r, alphaShort)-1)) * levS * levNorm
	g[0], g[1] = lev, lev
	g[2] = (1 + w*(persistFactor(r*r, alphaVar)-1)) * varS * varNorm
	g[3] = (1 + w*(persistFactor(r*r, alphaSlow)-1)) * slowS * slowNorm
	// The cusum is a sum, not a mean: its swing widens by the long-run factor, that of
	// a mean with weight 0, and no young-series correction has divided any of it out.
	g[4] = 1 + w*(persistFactor(r, 0)-1)
	return g, true
}

// persistFactor is how much wider than for independent residuals an exponential mean
// with weight a swings over AR(1) noise of lag-one autocorrelation rho.
func persistFactor(rho, a float64) float64 {
	k := rho * (1 - a)
	return math.Sqrt((1 + k) / (1 - k))
}

// inflation is the small-history widening factor of spread: 1 + 2/sqrt(n) with n the
// effective number of samples, n(1−ρ)/(1+ρ), as autocorrelated samples tell less each.
// With n samples the scale itself is uncertain by about 1/sqrt(n), and a new series must
// not fire on noise it has simply not seen yet.
func (d *Detector) inflation() float64 {
	r := within(float64(d.rho), 0, 0.98)
	m, k := float64(d.n)*(1-r), 1+r // nEff = m/k
	if m >= 2/alphaMin*k {
		return inflationFloor
	}
	if m <= k {
		return 3 // nEff at most 1
	}
	return 1 + 2*math.Sqrt(k/m)
}

// The quantile step of the tails, 0.5/(1+n·tailProb), is etaMin from etaMinN samples on.
const (
	etaMin  = 0.05
	etaMinN = (0.5/etaMin - 1) / tailProb
)

// updateStats updates the short statistics and their tails. During warmup the spread is
// still being learned and the residuals mean little, so the statistics start after it.
func (d *Detector) updateStats(z float64, quiet bool) {
	if d.n <= warmup {
		return
	}
	d.short = float32(0.8*float64(d.short) + 0.2*clamp(z, shortClip))
	z2 := z * z
	if z2 > varClip {
		z2 = varClip
	}
	d.vshort = float32(0.9*float64(d.vshort) + 0.1*z2)
	d.vslow = float32((1-alphaSlow)*float64(d.vslow) + alphaSlow*z2)
	up, down := d.cusumNext(z)
	d.cusUp, d.cusDown = float32(up), float32(down)
	if !quiet {
		return
	}
	eta := etaMin
	if d.n < etaMinN {
		eta = max(0.5/(1+float64(d.n)*tailProb), etaMin)
	}
	levS, varS, slowS := d.statScales()
	x := [nStats]float64{
		sUp: z, sDown: -z,
		sLevUp:    float64(d.short) * levS,
		sVari:     (float64(d.vshort) - 1) * varS,
		sVariSlow: (float64(d.vslow) - 1) * slowS,
		sCus:      cusumStat(up, down),
		sRate:     d.densityStat(),
	}
	x[sLevDown] = -x[sLevUp]
	d.learnTails(&x, eta)
}

// acceptShift makes a sustained new level the baseline: after shiftRuns samples with the
// fast mean more than shiftZ spreads away, the level jumps there. Without it a level shift
// would stay anomalous for hundreds of samples.
//
// Only samples that agree with the new level count towards the run, so a ramp, whose
// fast mean always lags behind it, is never taken for a new flat level.
func (d *Detector) acceptShift(sp spos, v, spread float64) {
	d.fast += 0.3 * (v - d.fast)
	if math.Abs(d.fast-d.level) <= shiftZ*spread || math.Abs(v-d.fast) > 2*spread {
		d.runs = 0
		return
	}
	d.runs++
	if d.runs >= shiftRuns {
		d.level = d.fast - d.season.at(sp)
		d.short, d.runs, d.cusUp, d.cusDown = 0, 0, 0, 0
	}
}

// onset returns score when the sample's surprise rises well above the level of earlier
// onsets (escalate times it), else 0: one anomaly episode yields one onset, not one per
// sample, and a growing anomaly is reported again only each time it has become far rarer
// than what was already reported. The level holds while the surprise stays above half of
// it (the episode goes on) and decays only in calm, like the firing/resolved hysteresis of
// the Engine, but free of any threshold.
//
// A new onset must also have escScore times the score of the last. Past a score of
// 1/escScore (0.71, one in 10^11) nothing is reported again until the level has decayed:
// the score has saturated, and a surprise climbing from 10^-20 to 10^-60 is the tail's
// extrapolation of the same anomaly, not news. Such re-reports were false positives on NAB
// (a deterministic daily wave's one miss reported four times in five samples), and they
// raised the level so far that the next, separate anomaly of the series went unreported
// (ec2_disk_write_bytes_c0d644).
func (d *Detector) onset(score, u float64) float64 {
	s := float64(d.supp)
	if u > escalate*s && score > escScore*scoreOf(s) {
		d.supp = float32(u)
		return score
	}
	if u < 0.5*s {
		d.supp = float32(s * suppDecay)
	}
	return 0
}

// DefaultSensitivity is the sensitivity used when none is configured. It was fixed from
// first principles before any evaluation: the firing threshold it gives (score 0.5) is a
// one-in-ten-million event under the series' own learned tail.
const DefaultSensitivity = 0.5

// Threshold is the score at or above which a series with the given sensitivity fires:
// 1 − sensitivity.
func Threshold(sensitivity float64) float64 { return 1 - sensitivity }

// clamp limits x to [-limit, limit].
func clamp(x, limit float64) float64 { return within(x, -limit, limit) }

// within limits x to [lo, hi], as max(lo, min(hi, x)) does for lo <= hi. It is written
// with branches because the builtins' handling of NaN and signed zeros costs three times
// the instructions, on the hot path of every sample: x is never NaN here, and the
// branches go the same way for most samples.
func within(x, lo, hi float64) float64 {
	if x > hi {
		return hi
	}
	if x < lo {
		return lo
	}
	return x
}
