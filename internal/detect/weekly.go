package detect

import "math"

// weekly is a day-of-the-week offset on top of the daily profile, so that a quiet
// weekend (or a busy Monday) is expected rather than read as a level shift every week.
//
// The offsets are measured against a reference level that moves over about a week, not
// against the baseline: the baseline follows a two-day weekend within hours, and the
// offsets it left over would be too small to show. Each of the seven UTC weekdays is the
// plain mean of its deviations for its first three weeks, then an exponential mean over
// about three weeks. Like the daily profile it always learns and is used only once two
// full weeks have been seen and it cuts the squared deviation from the reference to
// seasonOn of it.
//
// Limits: an offset per day, not a shape per day: a weekend whose hours differ from the
// weekdays' in shape, not only in level, still shows as profile error.
type weekly struct {
	ref    float64 // the value less its daily profile, averaged over about a week
	days   [7]float32
	sum    float32
	errRef float32 // recent squared deviation from the reference
	errWk  float32 // the same with the weekday offset
	counts [7]uint16
	on     bool
}

// at is the weekday offset at p when in use, else 0.
func (w *weekly) at(p spos) float64 {
	if !w.on {
		return 0
	}
	return w.offset(p)
}

func (w *weekly) offset(p spos) float64 { return float64(w.days[p.dow]) - w.mean() }

func (w *weekly) mean() float64 { return float64(w.sum) * (1.0 / 7) }

// learn teaches the weekday of p from x, the value less its daily profile. Deviations are
// clipped to eight spreads around the weekday's offset so that one anomaly does not
// become a weekday's habit. n counts the samples learned from, this one included: the
// Detector's count less its first sample, which only sets the level.
func (w *weekly) learn(p spos, x, spread, dtSec float64, start int64, n uint32) {
	w.ref += meanRate(float64(n), min(1, dtSec*(1.0/(7*86400)))) * (x - w.ref)
	mean := w.mean()
	old := float64(w.days[p.dow])
	off := old - mean
	r := within(x-w.ref, off-8*spread, off+8*spread)

	gamma := within(dtSec*(1.0/(3*86400)), 1e-5, 0.3)
	if c := w.counts[p.dow]; c < math.MaxUint16 {
		w.counts[p.dow] = c + 1
		gamma = meanRate(float64(c+1), gamma)
	}
	nd := float32(old + gamma*(r+mean-old))
	w.days[p.dow] = nd
	w.sum += nd - float32(old)

	const beta = 0.002
	e := r - off
	w.errRef += float32(beta * (r*r - float64(w.errRef)))
	w.errWk += float32(beta * (e*e - float64(w.errWk)))
	w.on = p.t-start >= 14*day && w.errWk < seasonOn*w.errRef
}
