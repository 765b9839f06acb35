package detect

import "math"

// Layout of the week shape: six four-hour blocks per UTC day, 42 in a week.
const (
	shapePerDay = 6
	shapeBlocks = 7 * shapePerDay
	shapeMs     = day / shapePerDay
	shapeWeeks  = 3 // memory of a block, in weeks, once it has seen that many
	shapeClip   = 8 // a sample teaches its block at most this many spreads from it
)

// weekShape is the hour-of-the-week shape of a series: an offset per four-hour block of
// the week over the level and the daily profile. A city's taxi rides keep a Friday-night
// peak and a late Sunday morning that neither a daily profile nor a day's offset can
// hold, and without it that shape stays in the residuals as a day-to-day spread large
// enough to hide a holiday. When in use it replaces the weekday offsets, whose part it
// holds as well; counting both would predict a quiet weekend twice.
//
// A block learns only from its past weeks: the residuals of the current pass through a
// block are summed and folded into it when the block ends, as the plain mean of its
// first weeks, then an exponential mean over about shapeWeeks weeks. Read within the
// pass it is learning from, a block would follow the day's own deviation like a short
// level and look predictive on series that have no weekly shape at all. Like the other
// profiles it is used only once two weeks have been seen and it cuts the recent squared
// residual to seasonOn of what the weekday offsets leave.
//
// Memory: 42 two-byte offsets and 42 one-byte counts, 17 bytes besides. Work: O(1).
type weekShape struct {
	bins   [shapeBlocks]bf16
	weeks  [shapeBlocks]uint8 // passes each block has learned from, saturating
	cur    int8               // block of the pass being summed, -1 before any
	on     bool
	n      uint16  // samples in the current pass
	sum    float32 // and the sum of their residuals
	errOff float32 // recent squared residual without the shape
	errOn  float32 // and with it
}

// newWeekShape returns a shape that has seen nothing.
func newWeekShape() weekShape { return weekShape{cur: -1} }

// at is the shape's offset at p when in use, else 0.
func (w *weekShape) at(p spos) float64 {
	if !w.on {
		return 0
	}
	return w.bins[p.block].float()
}

// learn adds x, the residual left by the level and the daily profile, to the current
// pass. From its second week on, a block learns x clipped to shapeClip spreads around its
// offset, so that an anomaly does not become the week's habit; the first pass is taken
// whole, or a weekend far below the weekdays would take weeks to be learned. wk is what
// the weekday offsets predict: the shape is used only once it does clearly better.
func (w *weekShape) learn(p spos, x, wk, spread, dtSec float64, start int64) {
	b := p.block
	if int(w.cur) != int(b) {
		w.fold()
		w.cur, w.sum, w.n = int8(b), 0, 0
	}
	old, r := w.bins[b].float(), x
	if w.weeks[b] > 0 {
		r = within(x, old-shapeClip*spread, old+shapeClip*spread)
	}
	if w.n < 65535 { // a pass of more samples learns from its first 65535
		w.sum += float32(r)
		w.n++
	}

	// The comparison starts once the block has two weeks behind it: a block that has
	// seen one pass predicts little, and would make every shape look useless. Its memory
	// is at least a week, or a shape that shows once a week would be forgotten by the
	// next time it comes.
	if w.weeks[b] >= 2 {
		beta := min(0.002, dtSec*(1.0/(7*86400)))
		e, f := r-old, r-wk
		w.errOff += float32(beta * (f*f - float64(w.errOff)))
		w.errOn += float32(beta * (e*e - float64(w.errOn)))
	}
	// Hysteresis: a shape in use is dropped only once it no longer helps at all, so one
	// anomalous evening in a block does not switch the shape off for every other block.
	ratio := float32(seasonOn)
	if w.on {
		ratio = 1
	}
	w.on = p.t-start >= 14*day && w.errOn < ratio*w.errOff
}

// fold makes the mean of the finished pass part of its block.
func (w *weekShape) fold() {
	if w.cur < 0 || w.n == 0 {
		return
	}
	c := w.weeks[w.cur]
	gamma := max(1.0/shapeWeeks, 1/float64(c+1))
	m := float64(w.sum) / float64(w.n)
	old := w.bins[w.cur].float()
	w.bins[w.cur] = toBF16(old + gamma*(m-old))
	w.weeks[w.cur] = min(c+1, 255)
}

// bf16 is a float32 cut to its upper 16 bits (bfloat16): the full exponent range with a
// relative precision of 2^-8. An offset needs no more: one rounded by 0.4% of itself
// moves the prediction by far less than the spread that the offset is measured in.
type bf16 uint16

// toBF16 rounds x to the nearest bf16 (ties away from zero; x is finite).
func toBF16(x float64) bf16 {
	return bf16((math.Float32bits(float32(x)) + 0x8000) >> 16)
}

func (b bf16) float() float64 { return float64(math.Float32frombits(uint32(b) << 16)) }
