package detect

import "math"

// The checks of a restored record. The decoder already refuses a non-finite float and a
// flag byte other than 0 or 1; these refuse the values that no sequence of samples
// produces, so that a record damaged in ways the checksum cannot see (a version 9 or 10
// snapshot has none) either restores a state Step could have reached or is counted as
// impossible. The one field that indexes an array, the week shape's current block, is
// checked here and nowhere else: Step sets it only from a sample's time, so it cannot
// drift out of range at run time. Every other index Step uses is computed from the
// sample's time (spos), or is a loop over a fixed-size array.
//
// Field by field, in visitFields' order (a field not named is free beyond finiteness:
// any value of it is a state some series could be in, or only weighs a score):
//
//   - n: 0 only on a fresh Detector, every field as reset leaves it, since the first
//     sample sets the rest; otherwise it bounds the counts below, which each sample after
//     the first raises by at most one.
//   - lastT and the season's start: start <= lastT once a sample was seen, and lastT is
//     not after the series' prevT (every sample Step sees went through prevT first).
//   - dt, mad, quantum, vshort, vslow, supp, nEff, cusUp, cusDown, the error means of the
//     profiles: not negative (intervals, spreads and means of squares or of sums floored
//     at 0); nEff at most matureEff+1, the most one sample adds past it.
//   - lastZ: within shortClip, as it is stored clipped.
//   - runs: below shiftRuns, at which the run ends and restarts from 0.
//   - recUp, recDown: lo <= hi.
//   - tails: q, e and xi at least their floors (qFloor, eFloor, 0.05), which Step divides
//     by and takes logarithms of.
//   - the daily bins and weekday offsets: the counts sum to at most n−1, and a bin or day
//     that counted no sample is still 0.
//   - the week shape: cur is −1 (no pass yet, then n and sum are 0) or a block below
//     shapeBlocks; every offset is a finite bf16, and 0 for a block with no week learned;
//     the passes learned (weeks) and the samples of the current pass sum to at most n−1.
//   - recur slots: an unused slot is 0, a used one has a minute below 1440 and at most
//     recurMaxHits hits.
//   - prevT: not negative (the engine refuses negative times); calm of an episode below
//     math.MaxUint16, where calmFor saturates.
//   - trends: the sample counts c are whole and not negative.

// valid reports whether a decoded series record passes the checks above.
func (st *series) valid() bool {
	d := &st.det
	if d.n == 0 {
		fresh := NewDetector()
		return *d == *fresh && st.episodeValid()
	}
	return d.baseValid() && d.tailsValid() && d.seasonValid() && d.recurValid() &&
		d.lastT <= st.prevT && st.episodeValid()
}

func (st *series) episodeValid() bool {
	return st.prevT >= 0 && st.anomaly.calm < math.MaxUint16
}

// baseValid checks the baseline's and the short statistics' fields.
func (d *Detector) baseValid() bool {
	for _, f := range []float32{d.dt, d.mad, d.quantum, d.vshort, d.vslow, d.supp, d.nEff,
		d.cusUp, d.cusDown} {
		if f < 0 {
			return false
		}
	}
	return d.nEff <= matureEff+1 && math.Abs(float64(d.lastZ)) <= shortClip &&
		d.runs < shiftRuns && d.recUp.lo <= d.recUp.hi && d.recDown.lo <= d.recDown.hi &&
		d.season.start <= d.lastT
}

func (d *Detector) tailsValid() bool {
	for _, t := range d.tails {
		if float64(t.q) < qFloor || float64(t.e) < eFloor || t.xi < 0.05 {
			return false
		}
	}
	return true
}

// seasonValid checks the daily profile, the weekday offsets and the week shape against
// the n−1 samples they can have learned from.
func (d *Detector) seasonValid() bool {
	s, most := &d.season, uint64(d.n-1)
	for _, f := range []float32{s.errFlat, s.errLin, s.errStep, s.week.errRef,
		s.week.errWk, s.shape.errOff, s.shape.errOn} {
		if f < 0 {
			return false
		}
	}
	return countsValid(s.counts[:], s.bins[:], most) &&
		countsValid(s.week.counts[:], s.week.days[:], most) && s.shape.valid(most)
}

// countsValid reports whether counts sum to at most most, and every value whose count is
// 0 is 0.
func countsValid(counts []uint16, vals []float32, most uint64) bool {
	var sum uint64
	for i, c := range counts {
		if c == 0 && vals[i] != 0 {
			return false
		}
		sum += uint64(c)
	}
	return sum <= most
}

// valid checks a week shape that can have learned from most samples.
func (w *weekShape) valid(most uint64) bool {
	if w.cur < -1 || int(w.cur) >= shapeBlocks || w.cur == -1 && (w.n != 0 || w.sum != 0) {
		return false
	}
	sum := uint64(w.n)
	for i, b := range w.bins {
		f := b.float()
		if math.IsNaN(f) || math.IsInf(f, 0) || w.weeks[i] == 0 && b != 0 {
			return false
		}
		sum += uint64(w.weeks[i])
	}
	return sum <= most
}

func (d *Detector) recurValid() bool {
	for _, sl := range d.recur.slots {
		if sl.hits() == 0 && sl != 0 || sl.tod() >= 1440 || sl.hits() > recurMaxHits {
			return false
		}
	}
	return true
}

// valid checks restored trends: see the checks above.
func (ts *trends) valid() bool {
	for _, r := range []*trend{&ts.leakTrend, &ts.fcTrend} {
		if r.c < 0 || r.c != math.Trunc(r.c) {
			return false
		}
	}
	return ts.leak.calm < math.MaxUint16 && ts.forecast.calm < math.MaxUint16
}
