package detect

import "math"

// recMem is the memory, in samples, of a spike record.
const recMem = 1000.0

// recCap is the most surprise a spike no larger than the record can have: a size seen
// within the last recMem samples is no rarer than about one in recMem.
var recCap = math.Log10(recMem)

// recLead is how far, as a multiple of the runner-up, the largest recent spike may stand
// and still bound the surprise of the spikes below it.
const recLead = 10.0

// record is the two largest recent values of a spike statistic, each decaying towards
// its tail's threshold with a time constant of recMem samples. It bounds the surprise of
// a spike that is no larger than one the series showed recently. The tails extrapolate
// from the excesses over their 98th percentile, and in bursty series (tweet counts, disk
// writes) they still called bursts of a size seen a few hundred samples earlier one in
// 10^6 or rarer; what the series itself has just shown is better evidence than that
// extrapolation.
//
// The runner-up is there for the isolated extreme: one glitch of 1e12 on a series of
// 100 ± 5 made every spike for the next three days (some 17,000 samples to decay) look
// routine, and a real one of 20,000 did not page (TestOutlierDoesNotBlind). A largest
// value more than recLead times the runner-up is one sample beyond anything else the
// series showed, and bounds nothing above recLead times the runner-up. Bursts that
// recur, which is what the record is for, are each other's runners-up: on NAB no onset
// changed for any recLead from 5 to 50.
//
// Limits: a glitch of two samples in a row is its own runner-up, and caps every smaller
// spike in its direction until it has decayed.
//
// Memory: 8 bytes. Work: O(1).
type record struct{ hi, lo float32 }

// limit returns the surprise u of the value x, capped at recCap if x is within the record.
func (r record) limit(u, x float64) float64 {
	if u > recCap && x <= float64(r.hi) && x <= recLead*max(float64(r.lo), qFloor) {
		return recCap
	}
	return u
}

// see decays the record one sample towards the threshold q and enters x into it.
func (r *record) see(x, q float64) {
	hi := q + (float64(r.hi)-q)*(1-1/recMem)
	lo := q + (float64(r.lo)-q)*(1-1/recMem)
	// Branches: the builtin max costs three times as much, for every sample.
	if x > lo {
		if x > hi {
			lo, hi = hi, x
		} else {
			lo = x
		}
	}
	r.hi, r.lo = float32(hi), float32(lo)
}
