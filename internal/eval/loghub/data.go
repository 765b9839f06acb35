package loghub

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// System is one labelled sample: its name and the structured CSV holding it.
type System struct {
	Name string
	Path string
}

// Line is one labelled message.
type Line struct {
	Content  string
	EventID  string
	Template string
}

const (
	suffixOriginal  = "_2k.log_structured.csv"
	suffixCorrected = "_2k.log_structured_corrected.csv"
)

// Discover finds the systems under dir by folder layout. With corrected it takes the
// *_structured_corrected.csv files; otherwise the *_structured.csv files, preferring a
// folder that has no corrected labels when a system appears twice (the original Loghub
// copy over the Loghub-2.0 one). Systems are sorted by name.
func Discover(dir string, corrected bool) ([]System, error) {
	found := map[string]System{}
	hasCorrected := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		switch {
		case d.IsDir():
			return nil
		case strings.HasSuffix(name, suffixCorrected):
			hasCorrected[filepath.Dir(path)] = true
			if corrected {
				found[strings.TrimSuffix(name, suffixCorrected)] = System{Path: path}
			}
		case !corrected && strings.HasSuffix(name, suffixOriginal):
			sys := strings.TrimSuffix(name, suffixOriginal)
			if prev, ok := found[sys]; !ok || hasCorrected[filepath.Dir(prev.Path)] {
				found[sys] = System{Path: path}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("finding Loghub systems under %s: %w", dir, err)
	}
	return sorted(found), nil
}

func sorted(found map[string]System) []System {
	out := make([]System, 0, len(found))
	for name, s := range found {
		s.Name = name
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Load reads a structured CSV: the Content, EventId and EventTemplate columns of each row.
func Load(path string) ([]Line, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", path, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("reading header of %s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	ci, ei, ti := col["Content"], col["EventId"], col["EventTemplate"]
	if _, ok := col["Content"]; !ok {
		return nil, fmt.Errorf("reading %s: no Content column", path)
	}
	var out []Line
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		if ei >= len(rec) || ti >= len(rec) || rec[ti] == "" {
			continue // rows without ground truth are dropped, as the evaluators do
		}
		out = append(out, Line{Content: rec[ci], EventID: rec[ei], Template: rec[ti]})
	}
}

// LoadRaw reads the raw log lines of a system, the <System>_2k.log file beside its
// structured CSV, one string per line without its line ending.
func LoadRaw(sys System) ([]string, error) {
	path := strings.TrimSuffix(strings.TrimSuffix(sys.Path, suffixCorrected), suffixOriginal)
	path += "_2k.log"
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("loading raw lines of %s: %w", sys.Name, err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\r\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r")
	}
	return lines, nil
}
