package nab

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/cerebro-aiops/cerebro/internal/corpus"
)

// dataDir is the shared NAB checkout; tests that need it skip when it is absent.
func dataDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("NAB_DATA")
	if dir == "" {
		d, err := corpus.Path("data", "nab")
		if err != nil {
			t.Skipf("NAB data not found: %v (set NAB_DATA or %s)", err, corpus.EnvVar)
		}
		dir = d
	}
	if _, err := os.Stat(filepath.Join(dir, "labels", "combined_windows.json")); err != nil {
		t.Skipf("NAB data not found at %q (set NAB_DATA)", dir)
	}
	return dir
}

// TestNumentaReproduces checks the scorer against NAB's published numenta results: at each
// profile's published threshold, the normalized score and every file's raw score. NAB's
// published low-FP threshold (0.5752) is not the exact maximizer of its own rules: the
// exhaustive sweep finds 0.5431 worth 63.209, so Optimize is only required not to do worse.
func TestNumentaReproduces(t *testing.T) {
	dir := dataDir(t)
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	profiles, err := LoadProfiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	scores, err := LoadResults(filepath.Join(dir, "results", "numenta"), c)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		profile string
		theta   float64
		want    float64
		wantOpt float64 // what the exhaustive sweep finds
	}{
		{"standard", 0.542187690735, 70.101, 70.101},
		{"reward_low_FP_rate", 0.575195503235, 63.117, 63.209},
		{"reward_low_FN_rate", 0.542187690735, 74.320, 74.320},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			p := profiles[tt.profile]
			at, err := ScoreAt(c, scores, p, tt.theta)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(at.Normalized-tt.want) > 0.01 {
				t.Errorf("score at θ=%v = %.4f, want %.3f", tt.theta, at.Normalized, tt.want)
			}
			opt, err := Optimize(c, scores, p)
			if err != nil {
				t.Fatal(err)
			}
			if opt.Normalized < at.Normalized-1e-9 || math.Abs(opt.Normalized-tt.wantOpt) > 0.01 {
				t.Errorf("optimized score = %.4f (θ=%v), want %.3f", opt.Normalized,
					opt.Threshold, tt.wantOpt)
			}
			checkPublishedFiles(t, dir, c, scores, p)
		})
	}
}

// checkPublishedFiles compares per-file raw scores with numenta_<profile>_scores.csv.
func checkPublishedFiles(t *testing.T, dir string, c *Corpus, scores [][]float64, p Profile) {
	t.Helper()
	path := filepath.Join(dir, "results", "numenta", "numenta_"+p.Name+"_scores.csv")
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]int{}
	for i, f := range c.Files {
		byName[f.Name] = i
	}
	checked := 0
	for _, rec := range recs[1:] {
		i, ok := byName[rec[2]]
		if !ok {
			continue
		}
		theta, _ := strconv.ParseFloat(rec[3], 64)
		want, _ := strconv.ParseFloat(rec[4], 64)
		got := ScoreFile(c.Files[i], scores[i], p, theta)
		if math.Abs(got.Raw-want) > 1e-9 {
			t.Errorf("%s: raw = %.12f, want %.12f", rec[2], got.Raw, want)
		}
		checked++
	}
	if checked != len(c.Files) {
		t.Errorf("checked %d files, want %d", checked, len(c.Files))
	}
}

// TestScoreFileRules pins the row scores of the rules on a tiny hand-made file.
func TestScoreFileRules(t *testing.T) {
	std := DefaultProfiles["standard"]
	f := &File{Name: "x/y.csv", Category: "x", Values: make([]float64, 40)}
	f.Windows = []Window{{Left: 20, Right: 29}} // probation = 6 rows
	tests := []struct {
		name   string
		detect []int
		want   float64
	}{
		{"nothing", nil, -1},
		{"first row of window", []int{20}, 1},
		{"probation ignored", []int{2}, -1},
		{"fp before window", []int{10}, -1 - 0.11},
		{"earliest counts", []int{20, 25}, 1},
		{"fp far after window", []int{39}, -1 + 0.11*sigmoid(10.0/9)},
		{"last window row", []int{29}, sigmoid(-0.1) / sigmoid(-1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := make([]float64, 40)
			for _, i := range tt.detect {
				s[i] = 1
			}
			got := ScoreFile(f, s, std, 0.5).Raw
			if math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("raw = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestOptimizeNothingDetected checks that when detecting nothing scores best, the
// threshold is finite and above every output, so that --json can encode it.
func TestOptimizeNothingDetected(t *testing.T) {
	f := &File{Name: "a/x.csv", Category: "a", Stamps: make([]string, 2000),
		Times: make([]int64, 2000), Values: make([]float64, 2000),
		Windows: []Window{{Left: 1500, Right: 1510}}}
	c := &Corpus{Files: []*File{f}}
	scores := [][]float64{make([]float64, 2000)}
	for i := range 1000 {
		scores[0][1000+i] = 0.9 // every row fires, nearly all outside the window
	}
	r, err := Optimize(c, scores, Profile{Name: "standard", TP: 1, FP: 0.11, FN: 1})
	if err != nil {
		t.Fatal(err)
	}
	if math.IsInf(r.Threshold, 0) || r.Threshold <= 0.9 {
		t.Errorf("threshold %v, want finite and above 0.9", r.Threshold)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("result does not encode: %v", err)
	}
}
