package detect

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// labCase is one generated series from testdata/lab: a stretch of ordinary behaviour,
// then an optional change, and what the engine must say about it.
type labCase struct {
	Name      string            `json:"name"`
	Metric    string            `json:"metric"`
	Labels    map[string]string `json:"labels"`
	IntervalS float64           `json:"interval_s"`
	HistoryS  float64           `json:"history_s"`
	AfterS    float64           `json:"after_s"`
	Base      float64           `json:"base"`
	Noise     string            `json:"noise"` // gauss, ar1, lognormal, poisson, counter
	SD        float64           `json:"sd"`
	Phi       float64           `json:"phi"` // ar1: autocorrelation of the noise per sample
	Sigma     float64           `json:"sigma"`
	PoissonN  float64           `json:"poisson_n"`
	DailyAmp  float64           `json:"daily_amp"`
	// StartRamp makes a brand-new process's warm-up: the mean starts at From times its
	// value and rises linearly to it over the first S seconds of the series.
	StartRamp struct {
		From float64 `json:"from"`
		S    float64 `json:"s"`
	} `json:"start_ramp"`
	Change struct {
		Kind   string  `json:"kind"` // none, step, ramp
		Factor float64 `json:"factor"`
		PerS   float64 `json:"per_s"`
	} `json:"change"`
	Want struct {
		Fire        bool    `json:"fire"`
		WithinS     float64 `json:"within_s"`
		LeakWithinS float64 `json:"leak_within_s"`
	} `json:"want"`
}

// labStart is a Monday morning; the generated series start there.
var labStart = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func loadLabCases(t *testing.T) map[string]labCase {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "lab", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no lab cases: %v", err)
	}
	cases := map[string]labCase{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var c labCase
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		cases[filepath.Base(p)] = c
	}
	return cases
}

// generate renders the case as points, one per interval.
func (c labCase) generate(seed uint64) []signal.Point {
	rng := rand.New(rand.NewPCG(seed, 7))
	n := int((c.HistoryS + c.AfterS) / c.IntervalS)
	pts := make([]signal.Point, 0, n)
	cum, ar := 1000.0, 0.0
	for i := 0; i < n; i++ {
		tt := float64(i) * c.IntervalS
		m := c.mean(tt)
		var v float64
		switch c.Noise {
		case "gauss":
			v = m + c.SD*rng.NormFloat64()
		case "ar1":
			// As the lab's memory noise: AR(1), clamped at three standard deviations.
			ar = max(-3, min(3, c.Phi*ar+math.Sqrt(1-c.Phi*c.Phi)*rng.NormFloat64()))
			v = m + c.SD*ar
		case "lognormal":
			v = m * math.Exp(c.Sigma*rng.NormFloat64()-c.Sigma*c.Sigma/2)
		case "poisson":
			v = poisson(rng, m*c.PoissonN) / c.PoissonN
		case "counter":
			cum += poisson(rng, m*c.IntervalS)
			v = cum
		}
		t := labStart.Add(time.Duration(tt * float64(time.Second))).UnixMilli()
		pts = append(pts, signal.Point{T: t, V: v})
	}
	return pts
}

func (c labCase) mean(tt float64) float64 {
	m := c.Base * (1 + c.DailyAmp*math.Sin(2*math.Pi*(tt+9*3600)/86400))
	if r := c.StartRamp; r.S > 0 && tt < r.S {
		m *= r.From + (1-r.From)*tt/r.S
	}
	if tt < c.HistoryS {
		return m
	}
	switch c.Change.Kind {
	case "step":
		return m * c.Change.Factor
	case "ramp":
		return m + c.Change.PerS*(tt-c.HistoryS)
	}
	return m
}

func poisson(rng *rand.Rand, lambda float64) float64 {
	if lambda > 50 {
		return math.Max(0, math.Round(lambda+math.Sqrt(lambda)*rng.NormFloat64()))
	}
	l, k, p := math.Exp(-lambda), 0.0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func (c labCase) labels() []signal.Label {
	ls := []signal.Label{{Name: "__name__", Value: c.Metric}}
	for k, v := range c.Labels {
		ls = append(ls, signal.Label{Name: k, Value: v})
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].Name < ls[j].Name })
	return ls
}

// TestLabScenarios runs every case of testdata/lab on many seeds: brand-new series with a
// few minutes of history must fire within seconds of a bad deploy's shift, and ordinary
// noise must never fire.
func TestLabScenarios(t *testing.T) {
	names := []string{}
	cases := loadLabCases(t)
	for n := range cases {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		c := cases[name]
		t.Run(name, func(t *testing.T) {
			for seed := uint64(1); seed <= 20; seed++ {
				checkLabRun(t, c, seed)
			}
		})
	}
}

func checkLabRun(t *testing.T, c labCase, seed uint64) {
	t.Helper()
	e, err := New(Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ls := c.labels()
	change := labStart.Add(time.Duration(c.HistoryS * float64(time.Second)))
	var out []signal.Signal
	for _, p := range c.generate(seed) {
		out = e.Observe(signal.Series{Labels: ls, Points: []signal.Point{p}}, out)
	}
	var first, leak time.Time
	for _, s := range out {
		if s.Status != signal.StatusFiring {
			continue
		}
		if s.EventTime.Before(change) || !c.Want.Fire {
			t.Fatalf("seed %d: fired on ordinary noise at +%v: %s", seed,
				s.EventTime.Sub(labStart), s.Summary)
		}
		if s.Labels["detector"] == "leak" && leak.IsZero() {
			leak = s.EventTime
		}
		if first.IsZero() {
			first = s.EventTime
		}
	}
	if !c.Want.Fire {
		return
	}
	within := time.Duration(c.Want.WithinS * float64(time.Second))
	if first.IsZero() || first.Sub(change) > within {
		t.Fatalf("seed %d: first signal at %v after the change, want within %v",
			seed, delay(first, change), within)
	}
	if c.Want.LeakWithinS > 0 {
		lw := time.Duration(c.Want.LeakWithinS * float64(time.Second))
		if leak.IsZero() || leak.Sub(change) > lw {
			t.Fatalf("seed %d: leak at %v after the change, want within %v",
				seed, delay(leak, change), lw)
		}
	}
}

func delay(at, change time.Time) any {
	if at.IsZero() {
		return "never"
	}
	return at.Sub(change)
}
