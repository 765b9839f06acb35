package detect

import (
	"strconv"
	"testing"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// BenchmarkObserve measures one sample per Observe call over 10k warmed-up series.
func BenchmarkObserve(b *testing.B) {
	e, _ := New(Config{}, nil, nil)
	const n = 10000
	labels := make([][]signal.Label, n)
	for i := range labels {
		labels[i] = labelsOf("http_request_duration_seconds", "job", "api",
			"pod", "api-"+strconv.Itoa(i))
	}
	pts := make([]signal.Point, 1)
	step := func(r int) {
		for i, ls := range labels {
			pts[0] = signal.Point{T: int64(r+1) * 15000, V: float64(100 + i%50 + r%3)}
			e.Observe(signal.Series{Labels: ls, Points: pts}, nil)
		}
	}
	for r := 0; r < 10; r++ {
		step(r)
	}
	b.ResetTimer()
	for r := 0; r < b.N/n+1; r++ {
		step(10 + r)
	}
}

// BenchmarkDetectorStep measures the detectors alone, without the engine around them.
func BenchmarkDetectorStep(b *testing.B) {
	d := NewDetector()
	for i := 0; i < b.N; i++ {
		d.Step(int64(i+1)*15000, float64(100+i%7))
	}
}

// BenchmarkDetectorStepYoung measures the detectors of series in their first 30 samples,
// as `cerebro bench detect` sees them: the corrections of a short history (the widened
// spread, the persistence factors, plain means) are all in force. The values are noisy
// rather than periodic, as that bench's are.
func BenchmarkDetectorStepYoung(b *testing.B) {
	d := NewDetector()
	x := uint64(0x9E3779B97F4A7C15)
	for i := 0; i < b.N; i++ {
		if i%30 == 0 {
			d.reset()
		}
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		noise := float64(x>>11)/float64(1<<53) - 0.5
		d.Step(int64(i+1)*15000, 100+5*noise)
	}
}

// BenchmarkDetectorStepMany steps 256 noisy series in turn, as the engine does: the
// branch predictor then sees a different series' state every sample, which a single
// series hides. The series start again every 1000 samples each.
func BenchmarkDetectorStepMany(b *testing.B) {
	const n = 256
	ds := make([]Detector, n)
	x := uint64(0x9E3779B97F4A7C15)
	for i := 0; i < b.N; i++ {
		k, r := i%n, i/n
		if k == 0 && r%1000 == 0 {
			for j := range ds {
				ds[j].reset()
			}
		}
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		noise := float64(x>>11)/float64(1<<53) - 0.5
		ds[k].Step(int64(r+1)*15000, float64(100+k%50)+5*noise)
	}
}

// BenchmarkKeyMatches measures the identity check every sample makes, on a typical
// label set.
func BenchmarkKeyMatches(b *testing.B) {
	ls := labelsOf("http_request_duration_seconds", "instance", "10.0.3.17", "job", "api",
		"pod", "api-123456")
	key := keyOf(ls)
	for i := 0; i < b.N; i++ {
		if !keyMatches(key, ls) {
			b.Fatal("no match")
		}
	}
}
