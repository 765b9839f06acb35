package nab

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// miniCorpus writes a corpus of one file, cat/f.csv, with the given data and windows,
// and returns its directory.
func miniCorpus(t *testing.T, data, windows string) string {
	t.Helper()
	dir := t.TempDir()
	for path, text := range map[string]string{
		"data/cat/f.csv":               data,
		"labels/combined_windows.json": windows,
	} {
		p := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	miniData = "timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,2\n" +
		"2024-01-01 00:10:00,3\n"
	miniWindows = `{"cat/f.csv": [["2024-01-01 00:05:00.000000", "2024-01-01 00:10:00.000000"]]}`
)

// TestLoadRefuses checks that every malformed input is an error naming the file, the
// line, the field and the value.
func TestLoadRefuses(t *testing.T) {
	row := func(s string) string { return strings.Replace(miniData, "2024-01-01 00:05:00,2", s, 1) }
	tests := []struct {
		name, data, windows string
		want                []string
	}{
		{"header", strings.Replace(miniData, "timestamp,value", "time,val", 1), miniWindows,
			[]string{"f.csv", "line 1", `"time,val"`}},
		{"timestamp", row("2024-01-01 00:0X:00,2"), miniWindows,
			[]string{"f.csv", "line 3", "field timestamp", `"2024-01-01 00:0X:00"`}},
		{"value", row("2024-01-01 00:05:00,12x4"), miniWindows,
			[]string{"f.csv", "line 3", "field value", `"12x4"`}},
		{"nan", row("2024-01-01 00:05:00,nan"), miniWindows,
			[]string{"f.csv", "line 3", "field value", `"nan"`}},
		{"inf", row("2024-01-01 00:05:00,1e400"), miniWindows,
			[]string{"f.csv", "line 3", "field value", `"1e400"`}},
		{"missing column", row("2024-01-01 00:05:00"), miniWindows,
			[]string{"f.csv", "line 3", "field value", "missing"}},
		{"extra column", row("2024-01-01 00:05:00,2,x"), miniWindows,
			[]string{"f.csv", "line 3", "field 3", `"x"`}},
		{"window time", miniData, strings.Replace(miniWindows, "00:05:00.000000", "soon", 1),
			[]string{"combined_windows.json", "line 1", "field start", `"2024-01-01 soon"`}},
		{"window reversed", miniData,
			`{"cat/f.csv": [
			  ["2024-01-01 00:10:00.000000",
			   "2024-01-01 00:05:00.000000"]]}`,
			[]string{"combined_windows.json", "line 3", "field end",
				`"2024-01-01 00:05:00.000000"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(miniCorpus(t, tt.data, tt.windows))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestLoadWarnsDisorder: rows out of time order load, as NAB's own corpus has some, and
// are reported with their file, line, field and value.
func TestLoadWarnsDisorder(t *testing.T) {
	for name, data := range map[string]string{
		"duplicate": miniData + "2024-01-01 00:10:00,4\n",
		"unsorted":  miniData + "2024-01-01 00:01:00,4\n",
	} {
		c, err := Load(miniCorpus(t, data, miniWindows))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		w := c.Warnings()
		if len(w) != 1 || !strings.Contains(w[0], "f.csv") ||
			!strings.Contains(w[0], "line 5, field timestamp") {
			t.Errorf("%s: warnings %q", name, w)
		}
	}
}

// TestLoadResultsRefuses checks that a malformed results file is an error naming the
// file, the line, the field and the value.
func TestLoadResultsRefuses(t *testing.T) {
	c, err := Load(miniCorpus(t, miniData, miniWindows))
	if err != nil {
		t.Fatal(err)
	}
	good := "timestamp,value,anomaly_score\n2024-01-01 00:00:00,1,0\n" +
		"2024-01-01 00:05:00,2,0.5\n2024-01-01 00:10:00,3,1\n"
	score := func(s string) string { return strings.Replace(good, "2,0.5", "2,"+s, 1) }
	tests := []struct {
		name, text string
		want       []string
	}{
		{"good", good, nil},
		{"nan", score("NaN"), []string{"det_f.csv", "line 3", "field anomaly_score", `"NaN"`}},
		{"big", score("1e9"), []string{"det_f.csv", "line 3", "field anomaly_score", `"1e9"`}},
		{"negative", score("-0.1"), []string{"line 3", "field anomaly_score", `"-0.1"`}},
		{"timestamp", strings.Replace(good, "00:05:00,2", "00:06:00,2", 1),
			[]string{"det_f.csv", "line 3", "field timestamp", `"2024-01-01 00:06:00"`}},
		{"header", strings.Replace(good, "anomaly_score", "score", 1),
			[]string{"det_f.csv", "line 1", "field anomaly_score"}},
		{"extra row", good + "2024-01-01 00:15:00,4,0\n",
			[]string{"line 5", "field timestamp", `"2024-01-01 00:15:00"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "cat"), 0o755); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, "cat", "det_f.csv")
			if err := os.WriteFile(p, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadResults(dir, c)
			if (err == nil) != (tt.want == nil) {
				t.Fatalf("error %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
