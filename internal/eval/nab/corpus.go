package nab

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
	names := make([]string, 0, len(windows))
	for name := range windows {
		names = append(names, name)
	}
	sort.Strings(names)

	c := &Corpus{}
	for _, name := range names {
		f, err := loadFile(filepath.Join(dir, "data", filepath.FromSlash(name)), name)
		if err != nil {
			return nil, err
		}
		if err := f.resolveWindows(windows[name]); err != nil {
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

func loadWindows(path string) (map[string][][2]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading NAB windows: %w", err)
	}
	var m map[string][][2]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decoding NAB windows %q: %w", path, err)
	}
	return m, nil
}

func loadFile(path, name string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening NAB file: %w", err)
	}
	defer fh.Close()

	f := &File{Name: name, Category: strings.SplitN(name, "/", 2)[0]}
	r := csv.NewReader(fh)
	r.FieldsPerRecord = 2
	if _, err := r.Read(); err != nil {
		return nil, fmt.Errorf("reading header of %q: %w", name, err)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return f, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading %q: %w", name, err)
		}
		if err := f.add(rec[0], rec[1]); err != nil {
			return nil, fmt.Errorf("reading %q: %w", name, err)
		}
	}
}

func (f *File) add(stamp, value string) error {
	t, err := time.Parse(timeLayout, stamp)
	if err != nil {
		return fmt.Errorf("parsing timestamp %q: %w", stamp, err)
	}
	v, err := strconv.ParseFloat(value, 64)
	if err != nil {
		return fmt.Errorf("parsing value %q: %w", value, err)
	}
	f.Stamps = append(f.Stamps, stamp)
	f.Times = append(f.Times, t.UnixMilli())
	f.Values = append(f.Values, v)
	return nil
}

// resolveWindows maps label timestamps to rows by exact match, as NAB's scorer does.
func (f *File) resolveWindows(ws [][2]string) error {
	index := make(map[string]int, len(f.Stamps))
	for i, s := range f.Stamps {
		index[s] = i
	}
	for _, w := range ws {
		l, okL := index[strings.TrimSuffix(w[0], ".000000")]
		r, okR := index[strings.TrimSuffix(w[1], ".000000")]
		if !okL || !okR || r < l {
			return fmt.Errorf("resolving window %v of %q: no matching rows", w, f.Name)
		}
		f.Windows = append(f.Windows, Window{Left: l, Right: r})
	}
	return nil
}
