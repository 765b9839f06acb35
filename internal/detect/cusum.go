package detect

// The cusum statistic is Page's cumulative sum of the residual beyond an allowance, one
// sum per direction: S ← max(0, S + z − k), and −z for the other. The level-shift
// statistic is an exponential mean over about nine samples, which forgets a shift of one
// or two spreads as fast as it sees it; a sum keeps the evidence until the shift ends, so
// a small shift that lasts (nyc_taxi's holiday, a disk's writes rising for a few hours)
// becomes rarer with every sample instead of hovering at the same modest surprise.
// Residuals are clipped at clipZ, as the baseline clips them, so one spike is the spike
// detector's business.
//
// The statistic judged is the larger sum over cusNorm. Over Gaussian noise a sum with
// allowance k has an exponential tail of mean excess 1/(2k), half a spread here; over
// cusNorm the tails' floors (a threshold of at least 2, a mean excess of at least 0.3)
// hold it to at least 6.7 spreads summed and 1 per factor of e, so a couple of spreads
// for a handful of samples stays routine. cusNorm was checked against NAB (docs/detect.md).
const (
	cusK    = 1.0      // the allowance, in spreads: residuals within it only drain the sum
	cusNorm = 10.0 / 3 // the sum's unit for its tail
)

// cusumNext returns the two sums after the residual z, without storing them.
func (d *Detector) cusumNext(z float64) (up, down float64) {
	zc := clamp(z, clipZ)
	up = float64(d.cusUp) + zc - cusK
	if up < 0 {
		up = 0
	}
	down = float64(d.cusDown) - zc - cusK
	if down < 0 {
		down = 0
	}
	return up, down
}

// cusumStat is the statistic that the cusum tail judges: the larger sum, in cusNorm.
func cusumStat(up, down float64) float64 { return max(up, down) * (1 / cusNorm) }
