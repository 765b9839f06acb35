package detect

import "math"

// recMem is the memory, in samples, of a spike record.
const recMem = 1000.0

// recCap is the most surprise a spike no larger than the record can have: a size seen
// within the last recMem samples is no rarer than about one in recMem.
var recCap = math.Log10(recMem)

// record is the largest recent value of a spike statistic, decaying towards its tail's
// threshold with a time constant of recMem samples. It bounds the surprise of a spike
// that is no larger than one the series showed recently. The tails extrapolate from the
// excesses over their 98th percentile, and in bursty series (tweet counts, disk writes)
// they still called bursts of a size seen a few hundred samples earlier one in 10^6 or
// rarer; what the series itself has just shown is better evidence than that
// extrapolation.
//
// Memory: 4 bytes. Work: O(1).
type record float32

// limit returns the surprise u of the value x, capped at recCap if x is within the record.
func (r record) limit(u, x float64) float64 {
	if x <= float64(r) && u > recCap {
		return recCap
	}
	return u
}

// see decays the record one sample towards the threshold q and raises it to x.
func (r *record) see(x, q float64) {
	v := q + (float64(*r)-q)*(1-1/recMem)
	if x > v {
		v = x // a branch: the builtin max costs three times as much, for every sample
	}
	*r = record(v)
}
