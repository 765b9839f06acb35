package detect

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// leakWorld is one process: its memory and, optionally, its request counter, sampled every
// 5 s. For the first 10 minutes both are steady; then memory grows by memGrowth and the
// request rate by loadGrowth, each as a fraction of its level per 5 minutes.
type leakWorld struct {
	memGrowth, loadGrowth float64
	withLoad              bool
	changes               []signal.Signal // told to the engine before the samples
}

const (
	leakStep     = 5 * time.Second
	leakSteady   = 120 // samples before the growth
	leakSamples  = 360 // 30 minutes in all
	leakBaseMem  = 2e8
	leakBaseRate = 100.0
)

// leakOnset is when the world's growth begins.
var leakOnset = labStart.Add(leakSteady * leakStep)

// run feeds the world and returns the leak signals and the held-leak count.
func (w leakWorld) run(t *testing.T) ([]signal.Signal, float64) {
	t.Helper()
	e := newEngine(t, Config{})
	for _, c := range w.changes {
		e.NoteChange(c)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	mem := labelsOf("process_resident_memory_bytes", "service", "payments",
		"instance", "payments-1", "job", "api")
	req := labelsOf("http_requests_total", "service", "payments", "instance", "payments-1",
		"job", "api", "code", "200")
	perStep := leakStep.Seconds() / (5 * time.Minute).Seconds()
	counter := 0.0
	var out []signal.Signal
	for i := range leakSamples {
		at := labStart.Add(time.Duration(i) * leakStep).UnixMilli()
		grown := float64(max(i-leakSteady, 0)) * perStep
		if w.withLoad {
			rate := leakBaseRate * (1 + w.loadGrowth*grown) * (1 + 0.02*rng.NormFloat64())
			counter += rate * leakStep.Seconds()
			out = e.Observe(signal.Series{Labels: req,
				Points: []signal.Point{{T: at, V: counter}}}, out)
		}
		v := leakBaseMem * (1 + w.memGrowth*grown) * (1 + 0.002*rng.NormFloat64())
		out = e.Observe(signal.Series{Labels: mem, Points: []signal.Point{{T: at, V: v}}}, out)
	}
	var leaks []signal.Signal
	for _, s := range out {
		if s.Labels["detector"] == "leak" && s.Status == signal.StatusFiring {
			leaks = append(leaks, s)
		}
	}
	return leaks, testutil.ToFloat64(e.m.leaksHeld)
}

// deploy is a change signal of a service at a time.
func deploy(service string, at time.Time) signal.Signal {
	return signal.Signal{Kind: signal.KindChange, Service: service, EventTime: at,
		Name: "deploy " + service + " v2", Change: &signal.Change{Type: "deploy",
			Version: "v2", PreviousVersion: "v1"}}
}

// TestLeakFollowsLoad checks that memory growing with the traffic is not a leak, and that
// the same growth under steady traffic is one, named with what its traffic did.
func TestLeakFollowsLoad(t *testing.T) {
	leaks, held := leakWorld{memGrowth: 0.05, loadGrowth: 0.15, withLoad: true}.run(t)
	if len(leaks) != 0 {
		t.Errorf("memory growing slower than its load was called a leak: %s", leaks[0].Summary)
	}
	if held == 0 {
		t.Errorf("no held leak counted, so the growth never looked like one: the test " +
			"does not test the load condition")
	}

	leaks, _ = leakWorld{memGrowth: 0.05, withLoad: true}.run(t)
	if len(leaks) != 1 {
		t.Fatalf("%d leak signals under steady load, want 1", len(leaks))
	}
	l := leaks[0]
	if l.Annotations["load_growth"] == "" ||
		!strings.Contains(l.Summary, "the load of payments changed by") {
		t.Errorf("leak does not say what the load did: %q %v", l.Summary, l.Annotations)
	}
	if l.StartsAt.Before(leakOnset) || l.StartsAt.After(leakOnset.Add(10*time.Minute)) {
		t.Errorf("leak starts at %s, growth at %s", l.StartsAt, leakOnset)
	}
}

// TestLeakFasterThanLoad checks that memory outgrowing its load is a leak even while the
// load grows.
func TestLeakFasterThanLoad(t *testing.T) {
	leaks, _ := leakWorld{memGrowth: 0.08, loadGrowth: 0.02, withLoad: true}.run(t)
	if len(leaks) != 1 {
		t.Fatalf("%d leak signals for memory growing four times faster than load, want 1",
			len(leaks))
	}
}

// TestLeakWithoutLoad checks that a process with no request counter is judged on its
// memory alone, as before load was considered.
func TestLeakWithoutLoad(t *testing.T) {
	leaks, _ := leakWorld{memGrowth: 0.05}.run(t)
	if len(leaks) != 1 {
		t.Fatalf("%d leak signals without load series, want 1", len(leaks))
	}
	if _, ok := leaks[0].Annotations["load_growth"]; ok {
		t.Errorf("load growth reported without load series: %v", leaks[0].Annotations)
	}
}

// TestLeakNamesDeploy checks that a leak names the change its service had shortly before
// it, and only that one.
func TestLeakNamesDeploy(t *testing.T) {
	cases := []struct {
		name    string
		changes []signal.Signal
		want    string
	}{
		{"deploy just before", []signal.Signal{deploy("payments", leakOnset.Add(-time.Minute))},
			"deploy payments v2 (v1 -> v2)"},
		{"latest of two", []signal.Signal{deploy("payments", leakOnset.Add(-10*time.Minute)),
			deploy("catalog", leakOnset), {Kind: signal.KindChange, Service: "payments",
				EventTime: leakOnset.Add(-2 * time.Minute), Name: "config payments pool"}},
			"config payments pool"},
		{"another service", []signal.Signal{deploy("catalog", leakOnset)}, ""},
		{"hours before", []signal.Signal{deploy("payments", leakOnset.Add(-3*time.Hour))}, ""},
		{"after the onset", []signal.Signal{deploy("payments", leakOnset.Add(time.Hour))}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			leaks, _ := leakWorld{memGrowth: 0.05, withLoad: true, changes: tc.changes}.run(t)
			if len(leaks) != 1 {
				t.Fatalf("%d leak signals, want 1", len(leaks))
			}
			l := leaks[0]
			if got := l.Annotations["after_change"]; got != tc.want {
				t.Errorf("after_change %q, want %q (%s)", got, tc.want, l.Summary)
			}
			if tc.want != "" && !strings.Contains(l.Summary, " after "+tc.want) {
				t.Errorf("summary does not name the change: %s", l.Summary)
			}
		})
	}
}

// TestIsLoadName checks which counters count as load.
func TestIsLoadName(t *testing.T) {
	for name, want := range map[string]bool{
		"http_requests_total":                        true,
		"http_server_request_duration_seconds_count": true,
		"grpc_server_handled_total":                  true,
		"http_request_duration_seconds_sum":          false,
		"http_request_duration_seconds_bucket":       false,
		"process_cpu_seconds_total":                  false,
		"http_requests_in_flight":                    false,
	} {
		if got := isLoadName(name); got != want {
			t.Errorf("isLoadName(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestLoadBookBounded checks that load series that stop sending leave the book.
func TestLoadBookBounded(t *testing.T) {
	b := newLoadBook()
	stale := (10 * time.Minute).Milliseconds()
	for i := range 100000 {
		owner := "svc" + string(rune('a'+i%26)) + "\x00" + strings.Repeat("x", i%50)
		b.put(owner, uint32(i), loadPart{level: 1, at: int64(i) * 1000}, stale)
	}
	parts := 0
	for _, ps := range b.owners {
		parts += len(ps)
	}
	// One publication per simulated second: at most the last 600 s stay, plus one
	// sweep period of publications.
	if parts > 600+4096 {
		t.Errorf("%d load parts held, want at most %d", parts, 600+4096)
	}
	if _, ok := b.growth("svca\x00", 200000*1000, 5*time.Minute); ok {
		t.Errorf("an owner whose parts are all stale still has a load")
	}
}

// TestNoLeakOnWander checks that memory that wanders, or saws with garbage collection,
// is not a leak under either growth test (the line's slope or the drift of the
// differences), over two hours of 20 seeds each.
func TestNoLeakOnWander(t *testing.T) {
	kinds := map[string]func(rng *rand.Rand, i int, prev float64) float64{
		"random walk": func(rng *rand.Rand, _ int, prev float64) float64 {
			return prev + 2e5*rng.NormFloat64()
		},
		"ar1 0.99": func(rng *rand.Rand, _ int, prev float64) float64 {
			return leakBaseMem + 0.99*(prev-leakBaseMem) + 3e5*rng.NormFloat64()
		},
		"ar1 0.95": func(rng *rand.Rand, _ int, prev float64) float64 {
			return leakBaseMem + 0.95*(prev-leakBaseMem) + 1e6*rng.NormFloat64()
		},
		"gc sawtooth": func(rng *rand.Rand, i int, _ float64) float64 {
			return leakBaseMem*(1+0.05*float64(i%24)/24) + 1e5*rng.NormFloat64()
		},
	}
	for name, next := range kinds {
		t.Run(name, func(t *testing.T) {
			ls := labelsOf("process_resident_memory_bytes", "service", "cart")
			for seed := range uint64(20) {
				e := newEngine(t, Config{})
				rng := rand.New(rand.NewPCG(seed, 77))
				v := leakBaseMem
				out := feed(e, ls, labStart, leakStep, 1440, func(i int) float64 {
					v = next(rng, i, v)
					return v
				})
				for _, s := range out {
					if s.Labels["detector"] == "leak" {
						t.Fatalf("seed %d: %s", seed, s.Summary)
					}
				}
			}
		})
	}
}

// TestLeakDelay checks that a leak is named within minutes of its start after a flat
// stretch, and a fast one no later than a slow one: the bend between the stretch and the
// leak once read as persistent noise, and the faster the leak the later it was named
// (13 minutes for 10% per 5 minutes, 7 for 3%).
func TestLeakDelay(t *testing.T) {
	for _, g := range []float64{0.03, 0.05, 0.1, 0.2, 0.5} {
		leaks, _ := leakWorld{memGrowth: g}.run(t)
		if len(leaks) == 0 {
			t.Errorf("growth %.0f%% per 5m: no leak", 100*g)
			continue
		}
		if d := leaks[0].StartsAt.Sub(leakOnset); d > 8*time.Minute {
			t.Errorf("growth %.0f%% per 5m: leak named %s after it began, want within 8m",
				100*g, d)
		}
	}
}
