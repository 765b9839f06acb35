package detect

import "math/bits"

// Tuning of the spike-rate statistic.
const (
	densZ = 4.0 // a sample this many spreads from the baseline is a spike
	// The count is standardized as if spikes started at 1% of the samples, independently
	// (mean 0.32, sd 0.56 in 32 samples), so that a new series, whose tail is that of a
	// standard normal, reads three spikes in 32 samples as about one in 10^4.6.
	densMean, densSD = 0.32, 0.56
)

// observeDensity records the sample of residual z and returns the spike-rate statistic:
// the standardized count of the spikes that started among the last 32 samples, including
// this one. A series with routine spikes (a load balancer's retries, a disk's flushes)
// teaches the spike detector that their size is ordinary; what is news then is that they
// come far more often, or bunch together, which no single sample shows. Only the first
// sample of a run beyond densZ counts, so a level shift, which keeps every sample far out
// until the baseline accepts it, is one spike here, not thirty.
//
// Its state is two fields of the Detector, spikes (one bit per recent sample: did a
// spike start there?) and spikeRun, rather than a struct of their own, whose padding
// would cost the Detector eight bytes; its tail is Detector.rate.
//
// Memory: 5 bytes and a tail. Work: O(1), a popcount.
func (d *Detector) observeDensity(z float64) float64 {
	d.spikes <<= 1
	if z < densZ && z > -densZ {
		d.spikeRun = 0
	} else {
		if d.spikeRun == 0 {
			d.spikes |= 1
		}
		d.spikeRun = min(d.spikeRun+1, 255)
	}
	return d.densityStat()
}

// densityStat is the standardized spike count of the last 32 samples.
func (d *Detector) densityStat() float64 {
	return (float64(bits.OnesCount32(d.spikes)) - densMean) * (1 / densSD)
}
