package detect_test

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"

	"github.com/cerebro-aiops/cerebro/internal/corpus"
	"github.com/cerebro-aiops/cerebro/internal/detect"
	"github.com/cerebro-aiops/cerebro/internal/eval/nab"
)

// nabFloor is the standard-profile score (at NAB's corpus-optimized threshold) below which
// a change to the detectors counts as a regression.
const nabFloor = 60.0

// TestNAB runs the detector over the NAB corpus when it is present and guards the score
// against regressions. With -v it prints every profile's figures per category.
func TestNAB(t *testing.T) {
	dir := os.Getenv("NAB_DATA")
	if dir == "" {
		d, err := corpus.Path("data", "nab")
		if err != nil {
			t.Skipf("NAB data not available: %v", err)
		}
		dir = d
	}
	c, err := nab.Load(dir)
	if err != nil {
		t.Skipf("NAB data not available: %v", err)
	}
	scores := nab.Run(c, func() nab.Scorer {
		d := detect.NewDetector()
		return func(t int64, v float64) float64 { return d.Step(t, v).Onset }
	}, nil)
	theta := detect.Threshold(detect.DefaultSensitivity)
	for _, name := range nab.ProfileNames {
		p := nab.DefaultProfiles[name]
		opt, err := nab.Optimize(c, scores, p)
		if err != nil {
			t.Fatal(err)
		}
		def, err := nab.ScoreAt(c, scores, p, theta)
		if err != nil {
			t.Fatal(err)
		}
		det, fp := 0, 0
		for _, c := range opt.Categories {
			det += c.Detected
			fp += c.FPRows
		}
		t.Logf("%s: optimized %.3f (θ=%.4f, %d windows hit, %d fp), default %.3f", name,
			opt.Normalized, opt.Threshold, det, fp, def.Normalized)
		logCategories(t, opt, def)
		if name == "standard" && opt.Normalized < nabFloor {
			t.Errorf("standard score %.3f below the floor %.1f", opt.Normalized, nabFloor)
		}
	}
	if th, err := strconv.ParseFloat(os.Getenv("NAB_FILES"), 64); err == nil {
		r, _ := nab.ScoreAt(c, scores, nab.DefaultProfiles["standard"], th)
		for _, f := range r.Files {
			fmt.Printf("%-70s %7.3f %d/%d fp %d\n", f.Name, f.Raw, f.Detected, f.Windows, f.FPRows)
		}
	}
}

func logCategories(t *testing.T, opt, def *nab.Result) {
	cats := make([]string, 0, len(opt.Categories))
	for c := range opt.Categories {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	for _, c := range cats {
		o, d := opt.Categories[c], def.Categories[c]
		t.Logf("  %-22s optimized %s  default %s", c, fig(o), fig(d))
	}
}

func fig(c nab.CategoryResult) string {
	if c.Normalized == nil {
		return fmt.Sprintf("raw %7.2f (fp %d)", c.Raw, c.FPRows)
	}
	return fmt.Sprintf("%7.2f (%d/%d, fp %d)", *c.Normalized, c.Detected, c.Windows, c.FPRows)
}
