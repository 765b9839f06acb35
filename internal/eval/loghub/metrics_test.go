package loghub

import (
	"math"
	"testing"

	"github.com/cerebro-aiops/cerebro/internal/corpus"
)

func TestScore(t *testing.T) {
	lines := []Line{
		{EventID: "E1", Template: "open <*>"}, {EventID: "E1", Template: "open <*>"},
		{EventID: "E2", Template: "close <*>"}, {EventID: "E3", Template: "fail <*>"},
	}
	cases := []struct {
		name       string
		parsed     []string
		ga, pa, f1 float64
	}{
		{"perfect", []string{"open <*>", "open <*>", "close <*>", "fail <*>"}, 1, 1, 1},
		{"merged groups", []string{"x <*>", "x <*>", "x <*>", "fail <*>"}, 0.25, 0.25,
			2 * 0.5 * (1.0 / 3) / (0.5 + 1.0/3)},
		{"split group, right text", []string{"open <*>", "open  a", "close <*>", "fail <*>"},
			0.5, 0.75, 2 * (2.0 / 4) * (2.0 / 3) / (2.0/4 + 2.0/3)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Score(lines, c.parsed, false)
			if !near(s.GroupingAccuracy, c.ga) || !near(s.ParsingAccuracy, c.pa) ||
				!near(s.TemplateF1, c.f1) {
				t.Fatalf("got %+v, want GA %v PA %v F1 %v", s, c.ga, c.pa, c.f1)
			}
		})
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestDiscover(t *testing.T) {
	dir, err := corpus.Path("data", "loghub")
	if err != nil {
		t.Skipf("Loghub data not found: %v", err)
	}
	orig, err := Discover(dir, false)
	if err != nil || len(orig) == 0 {
		t.Skipf("Loghub data not found at %s", dir)
	}
	corr, err := Discover(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(orig) != 12 || len(corr) != 10 {
		t.Fatalf("found %d original and %d corrected systems, want 12 and 10", len(orig),
			len(corr))
	}
}
