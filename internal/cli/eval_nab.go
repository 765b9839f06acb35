package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/cerebro-aiops/cerebro/internal/detect"
	"github.com/cerebro-aiops/cerebro/internal/eval/nab"
)

func init() { evalCommands = append(evalCommands, evalNABCmd) }

const evalNABLong = `Run CEREBRO's streaming detector over every series of the Numenta Anomaly
Benchmark and score it with NAB's own rules (probationary period, windows, scaled
sigmoid, profile weights, normalization between the null and the perfect detector).

Each profile is scored twice: at the single threshold that maximizes the corpus score
(NAB's convention, comparable with its published table, but tuned on the test data) and
at CEREBRO's fixed default threshold (the honest figure). With --results, another
detector's NAB-format output is scored instead; its default threshold is 0.5.`

// nabFlags are the options of eval nab.
type nabFlags struct {
	data    string
	profile string
	results string
	json    bool
}

func evalNABCmd() *cobra.Command {
	var f nabFlags
	c := &cobra.Command{
		Use:   "nab [--data DIR]",
		Short: "Score the detector on the Numenta Anomaly Benchmark",
		Long:  evalNABLong,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runEvalNAB(cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	c.Flags().StringVar(&f.data, "data", corpusDefault("data", "nab"),
		"NAB checkout with data/, labels/ and config/")
	c.Flags().StringVar(&f.profile, "profile", "", "only this profile: "+
		"standard, reward_low_FP_rate or reward_low_FN_rate (default all)")
	c.Flags().StringVar(&f.results, "results", "", "score this NAB results directory instead")
	c.Flags().BoolVar(&f.json, "json", false, "print one JSON object")
	return c
}

// nabProfileReport is one profile's figures, as --json prints them.
type nabProfileReport struct {
	Optimized          float64     `json:"optimized"`
	Default            float64     `json:"default"`
	OptimizedThreshold float64     `json:"optimized_threshold"`
	DefaultThreshold   float64     `json:"default_threshold"`
	OptimizedDetail    *nab.Result `json:"optimized_detail"`
	DefaultDetail      *nab.Result `json:"default_detail"`
}

func runEvalNAB(out, errw io.Writer, f nabFlags) error {
	if f.data == "" {
		return noCorpus("NAB")
	}
	names, err := selectProfiles(f.profile)
	if err != nil {
		return err
	}
	bench, err := nab.Load(f.data)
	if err != nil {
		return err
	}
	// NAB's own corpus has such rows in 8 files: one line for all, not eight on every run.
	if ws := bench.Warnings(); len(ws) > 0 {
		fmt.Fprintf(errw, "note: %d NAB files have rows out of time order, kept as NAB keeps "+
			"them; the first: %s\n", len(ws), ws[0])
	}
	profiles, err := nab.LoadProfiles(f.data)
	if err != nil {
		return err
	}
	scores, theta, err := nabScores(bench, f, errw)
	if err != nil {
		return err
	}

	report := map[string]nabProfileReport{}
	for _, name := range names {
		r, err := scoreProfile(bench, scores, profiles[name], theta)
		if err != nil {
			return err
		}
		report[name] = r
	}
	if f.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	printNAB(out, names, report)
	return nil
}

func selectProfiles(p string) ([]string, error) {
	if p == "" {
		return nab.ProfileNames, nil
	}
	for _, n := range nab.ProfileNames {
		if n == p {
			return []string{p}, nil
		}
	}
	return nil, fmt.Errorf("selecting NAB profile: unknown profile %q: use one of %s", p,
		strings.Join(nab.ProfileNames, ", "))
}

// nabScores loads --results or runs the detector, and returns the default threshold.
func nabScores(c *nab.Corpus, f nabFlags, errw io.Writer) ([][]float64, float64, error) {
	if f.results != "" {
		s, err := nab.LoadResults(f.results, c)
		return s, 0.5, err
	}
	bar := newBar(errw, len(c.Files), "nab", progressbar.OptionShowCount())
	scores := nab.Run(c, func() nab.Scorer {
		d := detect.NewDetector()
		return func(t int64, v float64) float64 { return d.Step(t, v).Onset }
	}, func(*nab.File) { _ = bar.Add(1) })
	_ = bar.Finish()
	return scores, detect.Threshold(detect.DefaultSensitivity), nil
}

func scoreProfile(c *nab.Corpus, s [][]float64, p nab.Profile, theta float64) (
	nabProfileReport, error) {
	opt, err := nab.Optimize(c, s, p)
	if err != nil {
		return nabProfileReport{}, err
	}
	def, err := nab.ScoreAt(c, s, p, theta)
	if err != nil {
		return nabProfileReport{}, err
	}
	opt.Files, def.Files = nil, nil
	return nabProfileReport{
		Optimized: opt.Normalized, Default: def.Normalized,
		OptimizedThreshold: opt.Threshold, DefaultThreshold: theta,
		OptimizedDetail: opt, DefaultDetail: def,
	}, nil
}

func printNAB(out io.Writer, names []string, report map[string]nabProfileReport) {
	for _, name := range names {
		r := report[name]
		fmt.Fprintf(out, "%s: optimized %.3f (θ=%.4f)  default %.3f (θ=%.4f)\n",
			name, r.Optimized, r.OptimizedThreshold, r.Default, r.DefaultThreshold)
		cats := make([]string, 0, len(r.OptimizedDetail.Categories))
		for cat := range r.OptimizedDetail.Categories {
			cats = append(cats, cat)
		}
		sort.Strings(cats)
		for _, cat := range cats {
			o, d := r.OptimizedDetail.Categories[cat], r.DefaultDetail.Categories[cat]
			fmt.Fprintf(out, "  %-22s optimized %s  default %s\n", cat, catFigure(o), catFigure(d))
		}
	}
}

// catFigure prints a category's normalized score, or its raw score when it has no window.
func catFigure(c nab.CategoryResult) string {
	if c.Normalized == nil {
		return fmt.Sprintf("raw %7.3f (%d/%d, fp %d)", c.Raw, c.Detected, c.Windows, c.FPRows)
	}
	return fmt.Sprintf("%7.2f (%d/%d, fp %d)", *c.Normalized, c.Detected, c.Windows, c.FPRows)
}
