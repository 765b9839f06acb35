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

// density counts the spikes that started among the last 32 samples. A series with
// routine spikes (a load balancer's retries, a disk's flushes) teaches the spike
// detector that their size is ordinary; what is news then is that they come far more
// often, or bunch together, which no single sample shows. Only the first sample of a
// run beyond densZ counts, so a level shift, which keeps every sample far out until the
// baseline accepts it, is one spike here, not thirty.
//
// Memory: 21 bytes. Work: O(1), a popcount.
type density struct {
	hits uint32 // one bit per recent sample: did a spike start there?
	run  uint8  // consecutive samples beyond densZ, saturating
	tail tail
}

// observe records the sample of residual z and returns the spike-count statistic of the
// last 32 samples including it.
func (s *density) observe(z float64) float64 {
	s.hits <<= 1
	if z < densZ && z > -densZ {
		s.run = 0
	} else {
		if s.run == 0 {
			s.hits |= 1
		}
		s.run = min(s.run+1, 255)
	}
	return s.stat()
}

// stat is the standardized spike count of the last 32 samples.
func (s *density) stat() float64 {
	return (float64(bits.OnesCount32(s.hits)) - densMean) / densSD
}
