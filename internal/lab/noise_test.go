package lab

import (
	"math"
	"testing"
	"time"
)

// nominal is each service's noise-free request rate and median latency at a daily factor
// of 1, computed from the topology by hand so the test does not reuse the model's code.
var nominal = map[string]struct{ rate, latency float64 }{
	"frontend":  {120, 0.020 + 1.5*0.015 + 0.2*(0.025+0.060+0.010+2*0.003)},
	"catalog":   {180, 0.015},
	"checkout":  {24, 0.025 + 0.060 + 0.010 + 2*0.003},
	"payments":  {24, 0.060},
	"inventory": {24, 0.010 + 2*0.003},
	"db":        {48, 0.003},
}

// TestNoiseAndDailyShape runs two compressed days without faults and checks that every
// ten-second window stays within the bounds the noise model promises, and that the daily
// shape shows.
func TestNoiseAndDailyShape(t *testing.T) {
	const day = 10 * time.Minute
	tl := newTestLab(t, Config{Seed: 42, Shape: Shape{DayLength: day}})
	amp := DefaultShape().DayAmplitude
	meanFactor := math.Exp(latencySigma * latencySigma / 2) // mean over median

	var peak, trough []float64
	prev := tl.scrapeAll(t)
	for i := 0; i < int(2*day/(10*time.Second)); i++ {
		for range 10 {
			tl.clock.Advance(time.Second)
			tl.scrapeAll(t)
		}
		cur := tl.scrapeAll(t)
		mid := tl.clock.Now().Add(-5 * time.Second)
		frac := float64(mid.Sub(start)%day) / float64(day)
		daily := 1 - amp*math.Cos(2*math.Pi*frac)

		for name, want := range nominal {
			w := between(prev[name], cur[name], 10*time.Second)
			checkWindow(t, name, mid, w, want.rate*daily,
				want.latency*(1+loadSensitivity*(daily-1))*meanFactor)
		}
		switch r := between(prev["frontend"], cur["frontend"], 10*time.Second).rate; {
		case frac > 0.4 && frac < 0.6:
			peak = append(peak, r)
		case frac < 0.1 || frac > 0.9:
			trough = append(trough, r)
		}
		prev = cur
	}

	if p, tr := mean(peak), mean(trough); p < 1.5*tr {
		t.Errorf("frontend rate at peak %.1f/s vs trough %.1f/s: want the day to show", p, tr)
	}
}

// checkWindow checks one ten-second window against its noise-free expectation. Averaging
// ten draws shrinks each noise by about three, so the bounds hold with a wide margin while
// still catching a model that drifts or an unclamped noise.
func checkWindow(t *testing.T, name string, at time.Time, w window, rate, latency float64) {
	t.Helper()
	if r := w.rate / rate; r < 0.85 || r > 1.15 {
		t.Errorf("%s at %s: rate %.1f/s is %.2fx the expected %.1f/s", name,
			at.Format(time.TimeOnly), w.rate, r, rate)
	}
	if r := w.avgLatency / latency; r < 0.85 || r > 1.15 {
		t.Errorf("%s at %s: latency %.4fs is %.2fx the expected %.4fs", name,
			at.Format(time.TimeOnly), w.avgLatency, r, latency)
	}
	if w.errRatio > 0.012 {
		t.Errorf("%s at %s: error ratio %.4f without a fault", name, at.Format(time.TimeOnly),
			w.errRatio)
	}
	spec := specOf(name)
	if r := w.memory / spec.MemoryBytes; r < 1-3.01*0.01 || r > 1+3.01*0.01 {
		t.Errorf("%s at %s: memory %.3fx of normal, beyond three sigmas", name,
			at.Format(time.TimeOnly), r)
	}
	if cpu := spec.BaseCPU + rate*spec.CPUPerRequest; w.cpu < 0.85*cpu || w.cpu > 1.15*cpu {
		t.Errorf("%s at %s: cpu %.3f cores, expected %.3f", name, at.Format(time.TimeOnly),
			w.cpu, cpu)
	}
}

func specOf(name string) Service {
	for _, s := range DefaultTopology() {
		if s.Name == name {
			return s
		}
	}
	panic("no service " + name)
}

func mean(xs []float64) float64 {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}
