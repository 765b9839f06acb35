package lab

import (
	"io"
	"log/slog"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

func TestTopologyChecks(t *testing.T) {
	cases := []struct {
		name     string
		services []Service
		want     string
	}{
		{"unknown callee", []Service{{Name: "a", Calls: []Call{{"b", 1}}}}, "unknown service"},
		{"duplicate", []Service{{Name: "a"}, {Name: "a"}}, "defined twice"},
		{"empty name", []Service{{Name: ""}}, "name is empty"},
		{"cycle", []Service{{Name: "a", Calls: []Call{{"b", 1}}},
			{Name: "b", Calls: []Call{{"a", 1}}}}, "cycle"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(Config{Services: c.services}, slog.New(slog.DiscardHandler))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("New = %v, want an error with %q", err, c.want)
			}
		})
	}
}

func TestCallersAndEdges(t *testing.T) {
	topo := DefaultTopology()
	for svc, want := range map[string][]string{
		"payments": {"checkout", "frontend"},
		"db":       {"inventory", "checkout", "frontend"},
		"frontend": nil,
	} {
		if got := callers(topo, svc); !slices.Equal(got, want) {
			t.Errorf("callers(%s) = %v, want %v", svc, got, want)
		}
	}
	if got := len(Edges(topo)); got != 5 {
		t.Errorf("%d edges, want 5", got)
	}
}

// TestExpositionLint runs client_golang's linter over every service's metrics.
func TestExpositionLint(t *testing.T) {
	tl := newTestLab(t, Config{})
	for name, reg := range tl.regs {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, p := range problems {
			t.Errorf("%s: %s: %s", name, p.Metric, p.Text)
		}
	}
}

// TestSameSeedSameWorld checks that the seed and the clock alone decide every number.
func TestSameSeedSameWorld(t *testing.T) {
	read := func(seed uint64) string {
		tl := newTestLab(t, Config{Seed: seed})
		tl.clock.Advance(7 * 60e9)
		resp, err := tl.srv.Client().Get(tl.srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if a, b := read(3), read(3); a != b {
		t.Error("two labs with seed 3 differ")
	}
	if a, b := read(3), read(4); a == b {
		t.Error("labs with seeds 3 and 4 are identical")
	}
}

func TestDailyFactor(t *testing.T) {
	shape := Shape{DayLength: time.Hour, DayAmplitude: 0.3, DayStart: start.Add(10 * time.Minute)}
	cases := []struct {
		at   time.Duration // after start
		want float64
	}{
		{10 * time.Minute, 0.7},  // the day starts: trough
		{40 * time.Minute, 1.3},  // half a day later: peak
		{25 * time.Minute, 1.0},  // a quarter in: the mean
		{-20 * time.Minute, 1.3}, // before DayStart the days repeat backwards
		{70 * time.Minute, 0.7},
	}
	for _, c := range cases {
		if got := DailyFactor(shape, start.Add(c.at)); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("DailyFactor at +%v = %.4f, want %.4f", c.at, got, c.want)
		}
	}
}
