package detect

import "math"

const (
	day      = 24 * 3600 * 1000 // ms
	dayBins  = 24
	binMs    = day / dayBins
	seasonOn = 0.6 // the profile is used once it cuts the squared error to this fraction
)

// seasonal is a daily profile: 24 hourly bins of the deviation from the level, aligned
// with the hours of the UTC day, because what makes a daily shape (office hours, batch
// jobs, backups started by cron) keeps the clock's hours, not the series' start.
//
// Each sample teaches the bin of its hour. The profile is read in one of two ways,
// whichever has predicted the recent samples better: linearly interpolated between bin
// centres, for smooth shapes (traffic through the day), or as steps, one value per hour,
// for shapes that switch at the hour (a job that runs from 02:00 to 03:00), where the
// interpolation would be wrong by half the step on both sides of every switch.
//
// It is found automatically: the profile always learns, but the baseline only uses it
// once a full day has been seen and it explains a good part of the variance (its squared
// error is below seasonOn times that of the plain level).
//
// Limits: one period (a day), plus a per-weekday offset (weekly.go) and a week shape of
// four-hour blocks (weekshape.go); a shape within the week finer than four hours shows as
// profile error.
type seasonal struct {
	start   int64
	week    weekly
	bins    [dayBins]float32
	counts  [dayBins]uint16 // samples each bin has learned from, up to maxUint16
	sum     float32         // sum of bins, to keep the profile zero-mean
	errFlat float32         // recent squared deviation from the level alone
	errLin  float32         // recent squared deviation from level + interpolated profile
	errStep float32         // recent squared deviation from level + stepped profile
	active  bool
	steps   bool // read the profile as steps rather than interpolated
	shape   weekShape
}

func (s *seasonal) init(t int64) { s.start, s.shape = t, newWeekShape() }

// spos is a time's place in the day: its hour, the two bin centres around it and the
// weight of the second. Step computes it once per sample, and it is passed by value to
// every profile, so its indexes are bytes: three words to copy rather than seven.
type spos struct {
	f         float64
	t         int64
	h, b0, b1 uint8
	dow       uint8 // day of the week, 0 on Thursdays (the Unix epoch's)
	block     uint8 // four-hour block of the week, for the week shape
}

func (s *seasonal) pos(t int64) spos {
	ms := t % day
	if ms < 0 {
		ms += day
	}
	// Integer arithmetic for the bins: a sample on the hour falls in that hour, and this
	// runs for every sample, with no modulo and only the weight's multiplication in floats.
	h := ms / binMs
	x := ms - binMs/2 // from the first bin's centre
	if x < 0 {
		x += day
	}
	b0 := x / binMs
	b1 := b0 + 1
	if b1 == dayBins {
		b1 = 0
	}
	f := float64(x-b0*binMs) * (1.0 / binMs)
	dow := int((t / day) % 7)
	if dow < 0 {
		dow += 7
	}
	block := dow*shapePerDay + int(ms/shapeMs)
	return spos{h: uint8(h), b0: uint8(b0), b1: uint8(b1), dow: uint8(dow), block: uint8(block),
		f: f, t: t}
}

func (s *seasonal) mean() float64 { return float64(s.sum) * (1.0 / dayBins) }

// reading is the profile read at one time of the day, once per sample: the prediction
// uses it, and the learning that follows needs every reading of it.
type reading struct {
	mean float64 // the mean of the bins, which the profile is taken relative to
	lin  float64 // the zero-mean profile, interpolated between bin centres
	stp  float64 // the zero-mean profile, read as one value per hour
	wk   float64 // the part that depends on the day of the week (see weekAt)
	at   float64 // the seasonal part of the prediction
}

// read reads the profile at p. The seasonal part of the prediction is the profile in its
// chosen reading when active, else 0, plus the weekly part when in use.
func (s *seasonal) read(p spos) reading {
	mean := s.mean()
	r := reading{
		mean: mean,
		stp:  float64(s.bins[p.h]) - mean,
		lin:  (1-p.f)*float64(s.bins[p.b0]) + p.f*float64(s.bins[p.b1]) - mean,
		wk:   s.weekAt(p),
	}
	r.at = r.wk
	if s.active {
		r.at = r.profile(s.steps) + r.wk
	}
	return r
}

// profile is the profile value in the chosen reading, whether or not it is active.
func (r *reading) profile(steps bool) float64 {
	if steps {
		return r.stp
	}
	return r.lin
}

// at is the seasonal part of the prediction at p (see read).
func (s *seasonal) at(p spos) float64 { return s.read(p).at }

// weekAt is the part of the prediction that depends on the day of the week: the week
// shape when in use, which holds the weekday offsets too, else those offsets.
func (s *seasonal) weekAt(p spos) float64 {
	if s.shape.on {
		return s.shape.at(p)
	}
	return s.week.at(p)
}

// learn updates the profile with dev = value − level (v is the value), clipped to within
// four spreads of the profile so that an anomaly does not become part of the daily shape.
// r is the reading at sp before this sample. dtSec is the series' typical interval: each
// bin keeps about three days of memory whatever the rate. n counts the samples learned
// from, this one included.
func (s *seasonal) learn(sp spos, r *reading, v, dev, spread, dtSec float64, n uint32) {
	lin, stp := r.lin, r.stp
	p := r.profile(s.steps)
	wk := r.wk
	s.shape.learn(sp, dev-p, s.week.at(sp), spread, dtSec, s.start)
	s.week.learn(sp, v-p, spread, dtSec, s.start, n)
	dev = within(dev-wk, p-4*spread, p+4*spread)

	// A bin is the plain mean of its samples until it holds three days' worth, then an
	// exponential mean over about three days: a young profile must not start at zero and
	// take days to reach the shape it has already seen.
	gamma := within(dtSec*(1.0/(3*3600)), 1e-4, 0.3)
	if c := s.counts[sp.h]; c < math.MaxUint16 {
		s.counts[sp.h] = c + 1
		gamma = meanRate(float64(c+1), gamma)
	}
	old := float64(s.bins[sp.h])
	nb := float32(old + gamma*(dev+r.mean-old))
	s.bins[sp.h] = nb
	s.sum += nb - float32(old)

	const beta = 0.002
	dl, ds := dev-lin, dev-stp
	s.errFlat += float32(beta * (dev*dev - float64(s.errFlat)))
	s.errLin += float32(beta * (dl*dl - float64(s.errLin)))
	s.errStep += float32(beta * (ds*ds - float64(s.errStep)))
	s.steps = s.errStep < s.errLin
	s.active = sp.t-s.start >= day &&
		(s.errLin < seasonOn*s.errFlat || s.errStep < seasonOn*s.errFlat)
}
