package nab

import (
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// LoadResults reads another detector's output in NAB's results layout:
// dir/<category>/<detector>_<file>.csv, optionally gzipped, with a timestamp and an
// anomaly_score column. It returns one score per corpus row, in corpus order.
func LoadResults(dir string, c *Corpus) ([][]float64, error) {
	if err := checkDir(dir); err != nil {
		return nil, fmt.Errorf("reading NAB results: %w", err)
	}
	out := make([][]float64, len(c.Files))
	for i, f := range c.Files {
		path, err := findResult(dir, f.Name)
		if err != nil {
			return nil, err
		}
		scores, err := readResult(path, f)
		if err != nil {
			return nil, err
		}
		out[i] = scores
	}
	return out, nil
}

// findResult finds the one output file of a corpus file, whatever the detector prefix.
func findResult(dir, name string) (string, error) {
	category, base, _ := strings.Cut(name, "/")
	for _, suffix := range []string{"", ".gz"} {
		pattern := filepath.Join(dir, category, "*_"+base+suffix)
		matches, err := filepath.Glob(pattern)
		if err != nil {
			return "", fmt.Errorf("finding NAB result for %q: %w", name, err)
		}
		if len(matches) == 1 {
			return matches[0], nil
		}
		if len(matches) > 1 {
			return "", fmt.Errorf("finding NAB result for %q: %d candidates", name, len(matches))
		}
	}
	return "", fmt.Errorf("finding NAB result for %q in %q: none", name, dir)
}

func readResult(path string, f *File) ([]float64, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening NAB result: %w", err)
	}
	defer fh.Close()
	var r io.Reader = fh
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(fh)
		if err != nil {
			return nil, fmt.Errorf("reading NAB result %q: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	scores, err := parseResult(csv.NewReader(r), f)
	if err != nil {
		return nil, fmt.Errorf("reading NAB result %q: %w", path, err)
	}
	return scores, nil
}

// parseResult reads the scores of f from a results file: a header naming timestamp and
// anomaly_score, then one row per corpus row, its timestamp the corpus's and its score a
// number in [0, 1], as NAB's detectors write them. A score outside that range would move
// the optimized threshold and the score without a word.
func parseResult(r *csv.Reader, f *File) ([]float64, error) {
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("reading header: %w", err)
	}
	ts, col := slices.Index(header, "timestamp"), slices.Index(header, "anomaly_score")
	for _, c := range []struct {
		i    int
		name string
	}{{ts, "timestamp"}, {col, "anomaly_score"}} {
		if c.i < 0 {
			return nil, fmt.Errorf("line 1: header %q lacks the field %s",
				strings.Join(header, ","), c.name)
		}
	}
	scores := make([]float64, 0, len(f.Values))
	for row := 0; ; row++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := r.FieldPos(0)
		v, err := resultRow(rec, ts, col, f, row)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		scores = append(scores, v)
	}
	if len(scores) != len(f.Values) {
		return nil, fmt.Errorf("%d rows for %d in the corpus", len(scores), len(f.Values))
	}
	return scores, nil
}

// resultRow checks the row'th row of a results file and returns its score.
func resultRow(rec []string, ts, col int, f *File, row int) (float64, error) {
	if row >= len(f.Stamps) {
		return 0, fmt.Errorf("field timestamp: %q is past the corpus's last row (%d rows)",
			rec[ts], len(f.Stamps))
	}
	if rec[ts] != f.Stamps[row] {
		return 0, fmt.Errorf("field timestamp: %q, want the corpus's %q (its row %d)",
			rec[ts], f.Stamps[row], row+1)
	}
	v, err := strconv.ParseFloat(rec[col], 64)
	if err != nil || !(v >= 0 && v <= 1) {
		return 0, fmt.Errorf("field anomaly_score: %q is not a number in [0, 1]", rec[col])
	}
	return v, nil
}
