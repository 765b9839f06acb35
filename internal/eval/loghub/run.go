package loghub

import (
	"fmt"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/logs"
)

// Result is the report: per-system scores and their plain mean.
type Result struct {
	Mean    Scores            `json:"mean"`
	Systems map[string]Scores `json:"systems"`
}

// Options choose the labels and the input of a run.
type Options struct {
	// Corrected groups the ground truth by template text, as Loghub-2.0 does; the caller
	// passes the corrected systems from Discover.
	Corrected bool
	// Raw mines each whole raw log line through logs.SplitHeader instead of the labelled
	// Content column: the live path's input, so that header splitting is scored too.
	Raw bool
}

// Run mines each system's messages with a fresh parser built from cfg (one configuration
// for all systems) and scores the final template of every line. progress, when not nil,
// is called after each system.
func Run(systems []System, cfg logs.Config, opt Options, progress func(System)) (Result,
	error) {
	res := Result{Systems: map[string]Scores{}}
	for _, sys := range systems {
		lines, err := Load(sys.Path)
		if err != nil {
			return res, err
		}
		if opt.Raw {
			if err := useRaw(sys, lines); err != nil {
				return res, err
			}
		}
		parsed, rate, err := Parse(lines, cfg, sys.Name)
		if err != nil {
			return res, fmt.Errorf("parsing %s: %w", sys.Name, err)
		}
		s := Score(lines, parsed, opt.Corrected)
		s.LinesPerSec = rate
		res.Systems[sys.Name] = s
		if progress != nil {
			progress(sys)
		}
	}
	res.Mean = mean(res.Systems)
	return res, nil
}

// Parse mines the lines in order and returns each line's final template text and the
// lines per second of the mining itself.
func Parse(lines []Line, cfg logs.Config, service string) ([]string, float64, error) {
	p, err := logs.NewParser(cfg, service)
	if err != nil {
		return nil, 0, err
	}
	of := make([]*logs.Template, len(lines))
	words := make([][]string, len(lines))
	start := time.Now()
	for i, l := range lines {
		of[i], _ = p.Add(l.Content)
		words[i] = p.Words()
	}
	elapsed := time.Since(start)
	out := make([]string, len(lines))
	for i, t := range of {
		out[i] = t.TextFor(words[i])
	}
	rate := 0.0
	if elapsed > 0 {
		rate = float64(len(lines)) / elapsed.Seconds()
	}
	return out, rate, nil
}

// useRaw replaces each line's Content with the message SplitHeader finds in its raw line.
func useRaw(sys System, lines []Line) error {
	raw, err := LoadRaw(sys)
	if err != nil {
		return err
	}
	if len(raw) != len(lines) {
		return fmt.Errorf("pairing raw lines of %s: %d raw lines, %d labelled", sys.Name,
			len(raw), len(lines))
	}
	for i := range lines {
		lines[i].Content, _ = logs.SplitHeader(raw[i])
	}
	return nil
}

func mean(sys map[string]Scores) Scores {
	var m Scores
	if len(sys) == 0 {
		return m
	}
	for _, s := range sys {
		m.GroupingAccuracy += s.GroupingAccuracy
		m.ParsingAccuracy += s.ParsingAccuracy
		m.TemplateF1 += s.TemplateF1
		m.LinesPerSec += s.LinesPerSec
	}
	n := float64(len(sys))
	m.GroupingAccuracy /= n
	m.ParsingAccuracy /= n
	m.TemplateF1 /= n
	m.LinesPerSec /= n
	return m
}
