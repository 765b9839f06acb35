package nab

import (
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

func parseResult(r *csv.Reader, f *File) ([]float64, error) {
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("reading header: %w", err)
	}
	ts, col := -1, -1
	for i, h := range header {
		switch h {
		case "timestamp":
			ts = i
		case "anomaly_score":
			col = i
		}
	}
	if ts < 0 || col < 0 {
		return nil, fmt.Errorf("header %v lacks timestamp or anomaly_score", header)
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
		if row >= len(f.Stamps) || rec[ts] != f.Stamps[row] {
			return nil, fmt.Errorf("row %d: timestamp does not match the corpus", row+1)
		}
		v, err := strconv.ParseFloat(rec[col], 64)
		if err != nil {
			return nil, fmt.Errorf("row %d: parsing anomaly_score: %w", row+1, err)
		}
		scores = append(scores, v)
	}
	if len(scores) != len(f.Values) {
		return nil, fmt.Errorf("%d rows for %d in the corpus", len(scores), len(f.Values))
	}
	return scores, nil
}
