package lab

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// Shape holds the knobs of the simulated traffic that are not per service.
type Shape struct {
	// DayLength is the period of the daily traffic shape; a short one (10m) lets a short
	// run show a full day.
	DayLength time.Duration `yaml:"day_length"`
	// DayStart is an instant at which a day starts, at the trough of traffic; default the
	// Unix epoch, so days start at midnight UTC. Tests set it to place the peak.
	DayStart time.Time `yaml:"day_start"`
	// DayAmplitude is how far traffic swings around its mean over a day (0.3 = ±30%).
	DayAmplitude float64 `yaml:"day_amplitude"`
	// Noise is the relative standard deviation of each kind of noise. Noise is clamped at
	// three standard deviations, so it never pages on its own at a sane threshold.
	Noise Noise `yaml:"noise"`
	// FaultRamp is the time constant with which a fault's errors and latency rise;
	// Recovery the one with which they fade after rollback.
	FaultRamp time.Duration `yaml:"fault_ramp"`
	Recovery  time.Duration `yaml:"recovery"`
}

// Noise is the relative standard deviation of the noise on each kind of metric.
type Noise struct {
	Rate    float64 `yaml:"rate"`
	Latency float64 `yaml:"latency"`
	Errors  float64 `yaml:"errors"`
	CPU     float64 `yaml:"cpu"`
	Memory  float64 `yaml:"memory"`
}

// DefaultShape is a 24-hour day swinging ±30%, with a few percent of noise.
func DefaultShape() Shape {
	return Shape{
		DayLength: 24 * time.Hour, DayAmplitude: 0.3,
		Noise:     Noise{Rate: 0.04, Latency: 0.05, Errors: 0.25, CPU: 0.06, Memory: 0.01},
		FaultRamp: 15 * time.Second, Recovery: 4 * time.Second,
	}
}

// The constants of the model that nobody needs to tune.
const (
	latencySigma    = 0.5  // log-normal spread of request latency
	loadSensitivity = 0.3  // how much own latency follows load
	errorPropagate  = 0.3  // share of a callee's failures its caller cannot hide
	memoryPhi       = 0.95 // memory noise is autocorrelated: RSS drifts, it does not jump
	maxNoiseSigmas  = 3    // noise is clamped here
	maxStep         = time.Second
	maxSteps        = 600 // a long gap between reads is integrated in at most this many steps
)

// bucketBounds are the latency histogram buckets, in seconds.
var bucketBounds = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// serviceState is one service's running state: versions, the fault acting on it, the
// counters integrated so far and the instant values of the last step.
type serviceState struct {
	spec      Service
	version   string
	previous  string
	startedAt time.Time
	fault     *injection // the latest injection; it may be rolled back and fading

	requests, errors, durationSum, cpuSeconds float64
	buckets                                   []float64
	calls                                     []float64 // per spec.Calls

	rate, latency, errRatio, cpu, memory float64
	memNoise                             float64 // AR(1) state, in sigmas
}

// world is the simulation. All fields are guarded by mu.
type world struct {
	mu         sync.Mutex
	shape      Shape
	services   []*serviceState
	order      []int // callers before callees
	index      map[string]int
	rng        *rand.Rand
	last       time.Time
	injections []*injection
}

func newWorld(specs []Service, shape Shape, seed uint64, now time.Time) (*world, error) {
	ord, err := order(specs)
	if err != nil {
		return nil, fmt.Errorf("checking topology: %w", err)
	}
	w := &world{
		shape: shape, order: ord, index: make(map[string]int, len(specs)),
		rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), last: now,
	}
	for i, s := range specs {
		w.index[s.Name] = i
		w.services = append(w.services, &serviceState{
			spec: s, version: s.Version, startedAt: now,
			buckets: make([]float64, len(bucketBounds)), calls: make([]float64, len(s.Calls)),
		})
	}
	w.step(now, 0) // instant values exist before the first read
	return w, nil
}

// advance integrates the world up to t. Reads at or before the last step change nothing,
// so a clock that goes backwards cannot make counters fall.
func (w *world) advance(t time.Time) {
	gap := t.Sub(w.last)
	if gap <= 0 {
		return
	}
	step := max(maxStep, gap/maxSteps)
	for w.last.Before(t) {
		dt := min(step, t.Sub(w.last))
		w.last = w.last.Add(dt)
		w.step(w.last, dt.Seconds())
	}
}

// daily is the traffic factor of the daily shape at t: lowest at the start of each day,
// highest half a day later.
func (w *world) daily(t time.Time) float64 {
	return DailyFactor(w.shape, t)
}

// DailyFactor is the factor by which the daily shape scales traffic at t: 1 - amplitude
// at the start of each day, 1 + amplitude half a day later.
func DailyFactor(shape Shape, t time.Time) float64 {
	day := shape.DayLength
	if day <= 0 {
		return 1
	}
	since := t.UnixNano()
	if !shape.DayStart.IsZero() {
		since = int64(t.Sub(shape.DayStart))
	}
	phase := since % int64(day)
	if phase < 0 {
		phase += int64(day)
	}
	frac := float64(phase) / float64(day)
	return 1 - shape.DayAmplitude*math.Cos(2*math.Pi*frac)
}

// noise draws a relative noise of standard deviation sigma, clamped at maxNoiseSigmas.
func (w *world) noise(sigma float64) float64 {
	return sigma * clampSigmas(w.rng.NormFloat64())
}

func clampSigmas(z float64) float64 {
	return max(-maxNoiseSigmas, min(maxNoiseSigmas, z))
}

// step computes every service's instant values at t and adds dt seconds of them to the
// counters. Rates flow from callers to callees; latency and errors from callees back to
// their callers.
func (w *world) step(t time.Time, dt float64) {
	w.stepRates(t)
	for k := len(w.order) - 1; k >= 0; k-- {
		w.stepService(w.services[w.order[k]], t)
	}
	if dt > 0 {
		for _, s := range w.services {
			s.accumulate(dt)
		}
	}
}

// stepRates sets each service's request rate: its own traffic plus what its callers send.
func (w *world) stepRates(t time.Time) {
	incoming := make([]float64, len(w.services))
	d := w.daily(t)
	for _, i := range w.order {
		s := w.services[i]
		s.rate = max(0, (s.spec.ExternalRPS*d+incoming[i])*(1+w.noise(w.shape.Noise.Rate)))
		for _, c := range s.spec.Calls {
			incoming[w.index[c.Service]] += s.rate * c.PerRequest
		}
	}
}

// stepService sets one service's latency, error ratio, CPU and memory at t. Its callees
// must have been stepped already.
func (w *world) stepService(s *serviceState, t time.Time) {
	var f Fault
	var intensity, leaked float64
	if s.fault != nil {
		f = s.fault.fault
		intensity = s.fault.intensity(t, w.shape.FaultRamp, w.shape.Recovery)
		leaked = s.fault.leaked(t)
	}
	n := w.shape.Noise
	load := 1 + loadSensitivity*(w.daily(t)-1)

	own := s.spec.SelfLatency * load * (1 + w.noise(n.Latency)) * (1 + f.Latency*intensity)
	ownErr := s.spec.ErrorRatio*(1+w.noise(n.Errors)) + f.ErrorRatio*intensity
	ok := 1 - min(1, max(0, ownErr))
	for _, c := range s.spec.Calls {
		callee := w.services[w.index[c.Service]]
		own += c.PerRequest * callee.latency
		ok *= math.Pow(1-errorPropagate*callee.errRatio, c.PerRequest)
	}
	s.latency = own
	s.errRatio = 1 - ok

	base := s.spec.BaseCPU + s.rate*s.spec.CPUPerRequest
	s.cpu = max(0, base*(1+w.noise(n.CPU))*(1+f.CPU*intensity))
	s.memNoise = clampSigmas(memoryPhi*s.memNoise +
		math.Sqrt(1-memoryPhi*memoryPhi)*w.rng.NormFloat64())
	s.memory = s.spec.MemoryBytes*(1+n.Memory*s.memNoise) + leaked
}

// accumulate adds dt seconds at the current instant values to the counters. Latency is
// log-normal around the median s.latency, so each bucket gets the share of requests its
// bound covers.
func (s *serviceState) accumulate(dt float64) {
	n := s.rate * dt
	s.requests += n
	s.errors += n * s.errRatio
	s.cpuSeconds += s.cpu * dt
	s.durationSum += n * s.latency * math.Exp(latencySigma*latencySigma/2)
	mu := math.Log(s.latency)
	for b, le := range bucketBounds {
		s.buckets[b] += n * normalCDF((math.Log(le)-mu)/latencySigma)
	}
	for k, c := range s.spec.Calls {
		s.calls[k] += n * c.PerRequest
	}
}

func normalCDF(z float64) float64 {
	return 0.5 * math.Erfc(-z/math.Sqrt2)
}
