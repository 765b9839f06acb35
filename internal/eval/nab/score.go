package nab

import (
	"fmt"
	"math"
	"sort"
)

// sigmoid is NAB's scaled sigmoid: 2/(1+e^(5y)) - 1, and -1 past y = 3.
func sigmoid(y float64) float64 {
	if y > 3 {
		return -1
	}
	return 2/(1+math.Exp(5*y)) - 1
}

// unitRows gives, for every row, the window it lies in (or -1) and its unit score: the
// fraction of A_TP a detection there earns inside a window, or the (negative) fraction of
// A_FP it costs outside. Rows in the probationary period are marked with window -2.
func (f *File) unitRows() (win []int, unit []float64) {
	n := len(f.Values)
	win = make([]int, n)
	unit = make([]float64, n)
	p := f.Probation()
	fMinus1 := sigmoid(-1)
	prev := -1 // index of the last window ending before the row
	next := 0  // index of the next window not yet passed
	for i := 0; i < n; i++ {
		for next < len(f.Windows) && f.Windows[next].Right < i {
			prev = next
			next++
		}
		switch {
		case next < len(f.Windows) && f.Windows[next].Left <= i:
			w := f.Windows[next]
			width := float64(w.Right - w.Left + 1)
			win[i] = next
			unit[i] = sigmoid(-float64(w.Right-i+1)/width) / fMinus1
		case prev < 0:
			win[i] = -1
			unit[i] = -1
		default:
			w := f.Windows[prev]
			width := float64(w.Right - w.Left + 1)
			win[i] = -1
			unit[i] = sigmoid(float64(i-w.Right) / (width - 1))
		}
		if i < p {
			win[i] = -2
		}
	}
	return win, unit
}

// counted reports whether a window has a row past the probationary period.
func (f *File) counted(w Window) bool { return w.Right >= f.Probation() }

// FileScore is one file's raw score at a threshold.
type FileScore struct {
	Name     string  `json:"name"`
	Category string  `json:"category"`
	Raw      float64 `json:"raw"`
	Windows  int     `json:"windows"`
	Detected int     `json:"detected"`        // windows with a detection
	FPRows   int     `json:"false_positives"` // detections outside windows
}

// Result is a corpus score for one profile at one threshold.
type Result struct {
	Profile    string                    `json:"profile"`
	Threshold  float64                   `json:"threshold"`
	Raw        float64                   `json:"raw"`
	Normalized float64                   `json:"score"`
	Files      []FileScore               `json:"files,omitempty"`
	Categories map[string]CategoryResult `json:"categories"`
}

// CategoryResult sums the files of one category. Normalized is NaN-free: a category with
// no windows has no normalized score and reports only its raw score (false-positive cost).
type CategoryResult struct {
	Raw        float64  `json:"raw"`
	Normalized *float64 `json:"score,omitempty"`
	Windows    int      `json:"windows"`
	Detected   int      `json:"detected"`
	FPRows     int      `json:"false_positives"`
}

// Normalize maps a raw corpus score onto NAB's scale: 0 for the null detector (every
// window missed), 100 for the perfect one (every window hit on its first row, no false
// positives).
func Normalize(raw float64, windows int, p Profile) float64 {
	perfect := float64(windows) * p.TP
	null := -float64(windows) * p.FN
	return 100 * (raw - null) / (perfect - null)
}

// checkScores fails when the detector output does not cover every row.
func checkScores(c *Corpus, scores [][]float64) error {
	if len(scores) != len(c.Files) {
		return fmt.Errorf("scoring NAB output: %d series for %d files", len(scores), len(c.Files))
	}
	for i, f := range c.Files {
		if len(scores[i]) != len(f.Values) {
			return fmt.Errorf("scoring NAB output for %q: %d scores for %d rows",
				f.Name, len(scores[i]), len(f.Values))
		}
	}
	return nil
}

// ScoreFile scores one file's output at threshold theta: a row is a detection when its
// score is at least theta.
func ScoreFile(f *File, scores []float64, p Profile, theta float64) FileScore {
	win, unit := f.unitRows()
	fs := FileScore{Name: f.Name, Category: f.Category}
	best := make([]float64, len(f.Windows))
	hit := make([]bool, len(f.Windows))
	for i, a := range scores {
		if win[i] == -2 || a < theta {
			continue
		}
		if w := win[i]; w >= 0 {
			if !hit[w] || unit[i]*p.TP > best[w] {
				best[w], hit[w] = unit[i]*p.TP, true
			}
			continue
		}
		fs.FPRows++
		fs.Raw += unit[i] * p.FP
	}
	for w, wn := range f.Windows {
		if !f.counted(wn) {
			continue
		}
		fs.Windows++
		if hit[w] {
			fs.Detected++
			fs.Raw += best[w]
		} else {
			fs.Raw -= p.FN
		}
	}
	return fs
}

// ScoreAt scores the whole corpus at one threshold.
func ScoreAt(c *Corpus, scores [][]float64, p Profile, theta float64) (*Result, error) {
	if err := checkScores(c, scores); err != nil {
		return nil, err
	}
	r := &Result{Profile: p.Name, Threshold: theta, Categories: map[string]CategoryResult{}}
	windows := 0
	for i, f := range c.Files {
		fs := ScoreFile(f, scores[i], p, theta)
		r.Files = append(r.Files, fs)
		r.Raw += fs.Raw
		windows += fs.Windows

		cr := r.Categories[f.Category]
		cr.Raw += fs.Raw
		cr.Windows += fs.Windows
		cr.Detected += fs.Detected
		cr.FPRows += fs.FPRows
		r.Categories[f.Category] = cr
	}
	r.Normalized = Normalize(r.Raw, windows, p)
	for name, cr := range r.Categories {
		if cr.Windows > 0 {
			v := Normalize(cr.Raw, cr.Windows, p)
			cr.Normalized = &v
			r.Categories[name] = cr
		}
	}
	return r, nil
}

// detection is one scored row in the corpus-wide sweep.
type detection struct {
	score float64
	gain  float64 // raw score change if the row were a detection outside a window
	win   int     // global window index, or -1
}

// Optimize finds the single corpus-wide threshold that maximizes the raw score, as NAB's
// optimizer does, and scores the corpus there. Candidates are every distinct output
// value, plus a threshold above all of them (nothing detected).
func Optimize(c *Corpus, scores [][]float64, p Profile) (*Result, error) {
	if err := checkScores(c, scores); err != nil {
		return nil, err
	}
	rows, nWin, counted := sweepRows(c, scores, p)
	sort.Slice(rows, func(i, j int) bool { return rows[i].score > rows[j].score })

	// Start from nothing detected: every counted window missed.
	best := make([]float64, nWin)
	for i := range best {
		best[i] = -p.FN
	}
	total := -float64(counted) * p.FN
	// Nothing detected is a threshold just above the highest output: finite, so that
	// the result encodes as JSON.
	bestTotal, bestTheta := total, 1.0
	if len(rows) > 0 {
		bestTheta = math.Nextafter(max(rows[0].score, 1), math.Inf(1))
	}
	for i := 0; i < len(rows); {
		j := i
		for ; j < len(rows) && rows[j].score == rows[i].score; j++ {
			d := rows[j]
			if d.win < 0 {
				total += d.gain
			} else if d.gain > best[d.win] {
				total += d.gain - best[d.win]
				best[d.win] = d.gain
			}
		}
		if total > bestTotal {
			bestTotal, bestTheta = total, rows[i].score
		}
		i = j
	}
	return ScoreAt(c, scores, p, bestTheta)
}

// sweepRows lists every row past probation with what detecting it would be worth.
func sweepRows(c *Corpus, scores [][]float64, p Profile) (rows []detection, nWin, counted int) {
	base := 0
	for fi, f := range c.Files {
		win, unit := f.unitRows()
		for i, a := range scores[fi] {
			switch {
			case win[i] == -2:
				continue
			case win[i] >= 0:
				rows = append(rows, detection{score: a, gain: unit[i] * p.TP, win: base + win[i]})
			default:
				rows = append(rows, detection{score: a, gain: unit[i] * p.FP, win: -1})
			}
		}
		base += len(f.Windows)
		for _, w := range f.Windows {
			if f.counted(w) {
				counted++
			}
		}
	}
	return rows, base, counted
}
