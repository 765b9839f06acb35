package nab

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// timeLayout is the timestamp format of NAB's data and label files.
const timeLayout = "2006-01-02 15:04:05"

// File is one NAB series with its anomaly windows resolved to row indices.
type File struct {
	Name     string // category/file.csv, the key of the label files
	Category string
	Stamps   []string // the timestamps as written, for matching labels and results
	Times    []int64  // Unix milliseconds (NAB times carry no zone; read as UTC)
	Values   []float64
	Windows  []Window
	// Disorder counts the rows whose time is not after the previous row's (see
	// noteDisorder).
	Disorder int

	path          string
	firstDisorder string
}

// Window is an anomaly window, both ends inclusive, as row indices.
type Window struct{ Left, Right int }

// Probation returns the number of leading rows NAB ignores: min(floor(0.15 n), 750).
func (f *File) Probation() int {
	n := len(f.Values)
	p := n * 15 / 100
	if p > 750 {
		p = 750
	}
	return p
}

// Corpus is the whole benchmark: every file, sorted by name.
type Corpus struct {
	Files []*File
}

// Load reads dir/data/*/*.csv and dir/labels/combined_windows.json.
func Load(dir string) (*Corpus, error) {
	if err := checkDir(dir); err != nil {
		return nil, fmt.Errorf("loading NAB corpus: %w", err)
	}
	windows, err := loadWindows(filepath.Join(dir, "labels", "combined_windows.json"))
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(windows.windows))
	for name := range windows.windows {
		names = append(names, name)
	}
	sort.Strings(names)

	c := &Corpus{}
	for _, name := range names {
		f, err := loadFile(filepath.Join(dir, "data", filepath.FromSlash(name)), name)
		if err != nil {
			return nil, err
		}
		if err := f.resolveWindows(windows); err != nil {
			return nil, err
		}
		c.Files = append(c.Files, f)
	}
	if len(c.Files) == 0 {
		return nil, fmt.Errorf("loading NAB corpus %q: no labelled files", dir)
	}
	return c, nil
}

// checkDir fails when dir is not a directory, saying so, rather than leaving it to the
// first file looked for inside, whose error would name that file.
func checkDir(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %q does not exist", dir)
	case err != nil:
		return err
	case !st.IsDir():
		return fmt.Errorf("%q is not a directory", dir)
	}
	return nil
}

// Windows counts the anomaly windows of the corpus.
func (c *Corpus) Windows() int {
	n := 0
	for _, f := range c.Files {
		n += len(f.Windows)
	}
	return n
}

// labels is the label file: its path, its text (for the lines that errors name) and its
// windows by file name.
type labels struct {
	path    string
	text    []byte
	windows map[string][][2]string
}

func loadWindows(path string) (*labels, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading NAB windows: %w", err)
	}
	var m map[string][][2]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decoding NAB windows %q: %w", path, err)
	}
	return &labels{path: path, text: b, windows: m}, nil
}

// line is the line of the label file on which the quoted value s first appears after
// the file name's key, for errors: the JSON decoder keeps no positions.
func (l *labels) line(name, s string) int {
	key, _ := json.Marshal(name)
	val, _ := json.Marshal(s)
	at := bytes.Index(l.text, key)
	if at < 0 {
		return 0
	}
	if i := bytes.Index(l.text[at:], val); i >= 0 {
		at += i
	}
	return 1 + bytes.Count(l.text[:at], []byte("\n"))
}

// loadFile reads one data file: a header of timestamp and value, then rows of a time and
// a finite value. A file that breaks that is refused, not scored: a NaN or a misnamed
// column changed the score without a word. Rows out of time order are counted instead
// (see noteDisorder).
func loadFile(path, name string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening NAB file: %w", err)
	}
	defer fh.Close()

	f := &File{Name: name, Category: strings.SplitN(name, "/", 2)[0], path: path}
	r := csv.NewReader(fh)
	r.FieldsPerRecord = -1 // counted below, to name the missing field
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("reading NAB file %q: header: %w", path, err)
	}
	if len(head) != 2 || head[0] != "timestamp" || head[1] != "value" {
		return nil, fmt.Errorf("reading NAB file %q: line 1: header %q, want "+
			"\"timestamp,value\"", path, strings.Join(head, ","))
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return f, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading NAB file %q: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		if err := f.add(rec, line); err != nil {
			return nil, fmt.Errorf("reading NAB file %q: line %d: %w", path, line, err)
		}
	}
}

// add appends the row rec, read on line.
func (f *File) add(rec []string, line int) error {
	switch {
	case len(rec) < 2:
		return fmt.Errorf("field value: missing (the row is %q)", rec[0])
	case len(rec) > 2:
		return fmt.Errorf("field 3: %q, beyond timestamp and value", rec[2])
	}
	stamp, value := rec[0], rec[1]
	t, err := time.Parse(timeLayout, stamp)
	if err != nil {
		return fmt.Errorf("field timestamp: %q is not a time like %q", stamp, timeLayout)
	}
	if n := len(f.Times); n > 0 && t.UnixMilli() <= f.Times[n-1] {
		f.noteDisorder(line, stamp, f.Stamps[n-1])
	}
	v, err := strconv.ParseFloat(value, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("field value: %q is not a finite number", value)
	}
	f.Stamps = append(f.Stamps, stamp)
	f.Times = append(f.Times, t.UnixMilli())
	f.Values = append(f.Values, v)
	return nil
}

// noteDisorder notes a row whose time is not after the previous row's. It is kept: NAB
// scores by row, and its published corpus has 38 such rows in 8 files (an hour repeated
// at a daylight-saving change, a step back of 55 minutes), so refusing them would refuse
// NAB itself. But it is not silent: a detector skips such a row, and a file with many
// of them is not the benchmark any more.
func (f *File) noteDisorder(line int, stamp, prev string) {
	if f.Disorder == 0 {
		f.firstDisorder = fmt.Sprintf("line %d, field timestamp: %q is not after the "+
			"previous row's %q", line, stamp, prev)
	}
	f.Disorder++
}

// Warnings lists the files of the corpus with rows out of time order, one line each.
func (c *Corpus) Warnings() []string {
	var out []string
	for _, f := range c.Files {
		if f.Disorder > 0 {
			out = append(out, fmt.Sprintf("NAB file %q: %s (rows out of time order in "+
				"the file: %d, kept as NAB keeps them; a detector skips them)", f.path,
				f.firstDisorder, f.Disorder))
		}
	}
	return out
}

// resolveWindows maps label timestamps to rows by exact match, as NAB's scorer does.
func (f *File) resolveWindows(l *labels) error {
	index := make(map[string]int, len(f.Stamps))
	for i, s := range f.Stamps {
		index[s] = i
	}
	for k, w := range l.windows[f.Name] {
		var ends [2]int
		for j, s := range w {
			i, ok := index[strings.TrimSuffix(s, ".000000")]
			if !ok {
				return fmt.Errorf("reading NAB windows %q: line %d: %q window %d, field "+
					"%s: %q is no timestamp of the file", l.path, l.line(f.Name, s), f.Name,
					k+1, [2]string{"start", "end"}[j], s)
			}
			ends[j] = i
		}
		if ends[1] < ends[0] {
			return fmt.Errorf("reading NAB windows %q: line %d: %q window %d, field end: "+
				"%q is before the start %q", l.path, l.line(f.Name, w[1]), f.Name, k+1,
				w[1], w[0])
		}
		f.Windows = append(f.Windows, Window{Left: ends[0], Right: ends[1]})
	}
	return nil
}
