package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeFile writes body to dir/rel, creating its folders.
func writeFile(t *testing.T, dir, rel, body string) {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// synthNAB writes a one-file NAB checkout, with NAB's profiles and a detector's results
// under results/synth, on which each profile has its own best threshold. Rows 30 to 199
// count (the probation is 30 rows); three windows start at rows 100, 130 and 160.
// Detecting the first costs nothing (score 0.95); the second comes with 12 false
// positives (0.8), the third with 20 more (0.4). A window is worth TP+FN, a false
// positive before any window costs FP, so the best thresholds are 0.8 for standard
// (2 > 12×0.11, 2 < 20×0.11), 0.95 for reward_low_FP_rate (2 < 12×0.22, 4 < 32×0.22) and
// 0.4 for reward_low_FN_rate (3 > 20×0.11).
func synthNAB(t *testing.T) string {
	dir := t.TempDir()
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	stamp := func(i int) string { return t0.Add(time.Duration(i) * time.Minute).Format(timeFmt) }
	score := func(i int) float64 {
		switch {
		case i == 100:
			return 0.95
		case i == 130, i >= 30 && i < 42:
			return 0.8
		case i == 160, i >= 42 && i < 62:
			return 0.4
		}
		return 0
	}
	var data, res strings.Builder
	data.WriteString("timestamp,value\n")
	res.WriteString("timestamp,value,anomaly_score\n")
	for i := range 200 {
		fmt.Fprintf(&data, "%s,%d\n", stamp(i), i%7)
		fmt.Fprintf(&res, "%s,%d,%g\n", stamp(i), i%7, score(i))
	}
	writeFile(t, dir, "data/synth/s.csv", data.String())
	writeFile(t, dir, "results/synth/synth/synth_s.csv", res.String())
	var wins []string
	for _, l := range []int{100, 130, 160} {
		wins = append(wins, fmt.Sprintf(`["%s.000000", "%s.000000"]`, stamp(l), stamp(l+9)))
	}
	writeFile(t, dir, "labels/combined_windows.json",
		`{"synth/s.csv": [`+strings.Join(wins, ", ")+`]}`)
	writeFile(t, dir, "config/profiles.json", `{
 "standard": {"CostMatrix": {"tpWeight": 1.0, "fnWeight": 1.0, "fpWeight": 0.11}},
 "reward_low_FP_rate": {"CostMatrix": {"tpWeight": 1.0, "fnWeight": 1.0, "fpWeight": 0.22}},
 "reward_low_FN_rate": {"CostMatrix": {"tpWeight": 1.0, "fnWeight": 2.0, "fpWeight": 0.11}}
}`)
	return dir
}

const timeFmt = "2006-01-02 15:04:05"

// TestEvalNABOptimizesEachProfile: the real corpus gives every profile the same best
// threshold, which a tester suspected of one optimization shared by all. On a corpus
// where the profiles' optima differ, each profile must get its own.
func TestEvalNABOptimizesEachProfile(t *testing.T) {
	dir := synthNAB(t)
	out, err := runCLI("eval", "nab", "--data", dir, "--results",
		filepath.Join(dir, "results", "synth"), "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]nabProfileReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("decoding %s: %v", out, err)
	}
	want := map[string]float64{"standard": 0.8, "reward_low_FP_rate": 0.95,
		"reward_low_FN_rate": 0.4}
	for name, theta := range want {
		if got := rep[name].OptimizedThreshold; got != theta {
			t.Errorf("%s: optimized θ=%v, want %v", name, got, theta)
		}
	}
}

// TestEvalNABBadPaths: wrong paths and names give errors that say what is wrong with
// which input.
func TestEvalNABBadPaths(t *testing.T) {
	dir := synthNAB(t)
	missing := filepath.Join(t.TempDir(), "nope")
	tests := []struct {
		name   string
		shared string // CEREBRO_SHARED, when set
		args   []string
		want   []string
	}{
		{name: "results dir missing", args: []string{"--data", dir, "--results", missing},
			want: []string{missing, "does not exist"}},
		{name: "data dir missing", args: []string{"--data", missing},
			want: []string{missing, "does not exist"}},
		{name: "data dir not NAB", args: []string{"--data", t.TempDir()},
			want: []string{"combined_windows.json", "no such file"}},
		{name: "unknown profile", args: []string{"--data", dir, "--profile", "low_fp"},
			want: []string{`"low_fp"`, "standard, reward_low_FP_rate, reward_low_FN_rate"}},
		{name: "shared dir missing", shared: missing,
			want: []string{missing, "CEREBRO_SHARED"}},
		{name: "shared dir without NAB", shared: filepath.Dir(filepath.Join(dir, "data")),
			want: []string{filepath.Join(dir, "data", "nab"), "does not exist"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.shared != "" {
				t.Setenv("CEREBRO_SHARED", tt.shared)
			}
			_, err := runCLI(append([]string{"eval", "nab"}, tt.args...)...)
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Fatalf("error %v, want one with %q", err, w)
				}
			}
		})
	}
}
