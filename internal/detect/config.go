package detect

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Config configures the Engine. Zero fields take the defaults listed with each field;
// call Defaults to see them filled in.
type Config struct {
	// Sensitivity in (0, 1): a series fires when its anomaly score reaches 1 − Sensitivity.
	// Default 0.5 (DefaultSensitivity): a one-in-ten-million event under the series' own
	// learned tail. Raise it to hear more, lower it to hear less.
	Sensitivity float64 `yaml:"sensitivity"`
	// Overrides set another sensitivity for the series a selector matches; the first
	// matching override wins.
	Overrides []Override `yaml:"overrides"`
	// Mute lists selectors of series that are watched but never page. Default: the series
	// Prometheus adds about its own scrapes (scrape_duration_seconds, scrape_samples_*,
	// scrape_series_added): they measure the monitoring, jitter with the scraping host's
	// load, and a slow target shows in its own series. `up` is not muted. An explicit
	// empty list mutes nothing.
	Mute []string `yaml:"mute"`
	// MaxSeries bounds the series tracked at once (about 0.7 KiB each). New series beyond
	// it are dropped and counted until idle ones are evicted. Default 1,000,000.
	MaxSeries int `yaml:"max_series"`
	// MaxLabelBytes bounds a series' identity: the bytes of its label names and values.
	// A longer series is not tracked, and its samples are counted as skipped
	// (labels_too_long): every series holds its labels, and with ingest's 8 KiB labels a
	// million series of long ones would need about 14 GB. Default 2048, at least 256.
	MaxLabelBytes int `yaml:"max_label_bytes"`
	// ForecastHorizon is how far ahead a projected exhaustion raises a forecast signal.
	// Default 4h.
	ForecastHorizon time.Duration `yaml:"forecast_horizon"`
	// ForecastWindow is the time constant of the trend behind forecasts: long enough for
	// a precise slope. A series forecasts after a third of it. Default 30m.
	ForecastWindow time.Duration `yaml:"forecast_window"`
	// TrendWindow is the time constant of the trend behind leak detection. Default 5m.
	TrendWindow time.Duration `yaml:"trend_window"`
	// ResolveAfter is how long a firing series must stay normal before it resolves.
	// Default 1m (and at least 10 samples).
	ResolveAfter time.Duration `yaml:"resolve_after"`
	// MinHistory is how long a series must have lived, and at least minHistorySamples
	// samples, before it may page. A brand-new series has no learned tail yet: its first
	// spikes and wanders (scrape durations on a busy host, a process warming up) look rarer
	// than they are. Detection of a fault on an established series is not delayed.
	// Default 1m; negative turns it off.
	MinHistory time.Duration `yaml:"min_history"`
	// StaleAfter is how long a series may send nothing, by the engine's wall clock, before
	// its firing episodes are resolved (ResolveStale) and its state may be evicted to make
	// room. Not by sample time: senders set it, and one
	// batch stamped ahead made every other series of its shards look stale. Default 15m.
	StaleAfter time.Duration `yaml:"stale_after"`
	// IncludeBuckets also watches histogram _bucket series. Off by default: they are many
	// (one per bucket boundary) and their _count and _sum siblings carry the same change.
	IncludeBuckets bool `yaml:"include_buckets"`
	// Capacities name the limit of saturating series for time-to-exhaustion forecasts.
	// Series named *_ratio or *_utilization have a built-in limit of 1, *_percent of 100.
	Capacities []Capacity `yaml:"capacities"`
}

// minStaleAfter is the shortest stale_after accepted; minTrendWindow the shortest
// trend_window and forecast_window.
const (
	minStaleAfter  = time.Minute
	minTrendWindow = time.Minute
)

// inUnit reports whether a sensitivity is in (0, 1); NaN is not.
func inUnit(x float64) bool { return x > 0 && x < 1 }

// DefaultMute selects Prometheus's scrape meta series, muted unless Mute is set.
const DefaultMute = `{__name__=~"scrape_.+"}`

// Override sets the sensitivity of the series a selector matches. The selector is a
// Prometheus series selector: `metric{label="v", other=~"re.*", x!="y"}`.
type Override struct {
	Selector    string  `yaml:"selector"`
	Sensitivity float64 `yaml:"sensitivity"`
}

// Capacity is the limit a saturating series must not reach, for forecasts.
type Capacity struct {
	Selector string  `yaml:"selector"`
	Limit    float64 `yaml:"limit"`
}

// Defaults returns cfg with every zero field set to its default.
func (cfg Config) Defaults() Config {
	if cfg.Sensitivity == 0 {
		cfg.Sensitivity = DefaultSensitivity
	}
	if cfg.MaxSeries == 0 {
		cfg.MaxSeries = 1_000_000
	}
	if cfg.MaxLabelBytes == 0 {
		cfg.MaxLabelBytes = 2048
	}
	if cfg.Mute == nil {
		cfg.Mute = []string{DefaultMute}
	}
	setDur(&cfg.ForecastHorizon, 4*time.Hour)
	setDur(&cfg.ForecastWindow, 30*time.Minute)
	setDur(&cfg.TrendWindow, 5*time.Minute)
	setDur(&cfg.ResolveAfter, time.Minute)
	setDur(&cfg.StaleAfter, 15*time.Minute)
	setDur(&cfg.MinHistory, time.Minute)
	return cfg
}

func setDur(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

// Validate reports every problem of a defaulted config at once.
func (cfg Config) Validate() error {
	var errs []error
	if !inUnit(cfg.Sensitivity) {
		errs = append(errs, fmt.Errorf("sensitivity: %v is not in (0, 1)", cfg.Sensitivity))
	}
	if cfg.MaxSeries < 0 {
		errs = append(errs, fmt.Errorf("max_series: %d is negative", cfg.MaxSeries))
	}
	if cfg.MaxLabelBytes < 256 {
		errs = append(errs, fmt.Errorf("max_label_bytes: %d is under 256", cfg.MaxLabelBytes))
	}
	for i, o := range cfg.Overrides {
		if _, err := ParseSelector(o.Selector); err != nil {
			errs = append(errs, fmt.Errorf("overrides[%d].selector: %w", i, err))
		}
		// An override has no default to fall back on: its sensitivity is what it sets.
		switch {
		case o.Sensitivity == 0:
			errs = append(errs, fmt.Errorf("overrides[%d].sensitivity: required, "+
				"a number in (0, 1)", i))
		case !inUnit(o.Sensitivity):
			errs = append(errs, fmt.Errorf("overrides[%d].sensitivity: %v is not in (0, 1)",
				i, o.Sensitivity))
		}
	}
	for i, m := range cfg.Mute {
		if _, err := ParseSelector(m); err != nil {
			errs = append(errs, fmt.Errorf("mute[%d]: %w", i, err))
		}
	}
	for i, c := range cfg.Capacities {
		if _, err := ParseSelector(c.Selector); err != nil {
			errs = append(errs, fmt.Errorf("capacities[%d].selector: %w", i, err))
		}
		if math.IsNaN(c.Limit) || math.IsInf(c.Limit, 0) {
			errs = append(errs, fmt.Errorf("capacities[%d].limit: %v is not a finite number",
				i, c.Limit))
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"forecast_horizon", cfg.ForecastHorizon}, {"trend_window", cfg.TrendWindow},
		{"forecast_window", cfg.ForecastWindow},
		{"resolve_after", cfg.ResolveAfter}, {"stale_after", cfg.StaleAfter}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s: %v is negative", d.name, d.v))
		}
	}
	// Below a minute, every series that skips a scrape or two would count as stopped:
	// its firing episodes resolved (ResolveStale) and its state evictable.
	if cfg.StaleAfter > 0 && cfg.StaleAfter < minStaleAfter {
		errs = append(errs, fmt.Errorf("stale_after: %v is under %v", cfg.StaleAfter,
			minStaleAfter))
	}
	// A trend needs samples to fit: a window shorter than a scrape is a line through one.
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"trend_window", cfg.TrendWindow}, {"forecast_window", cfg.ForecastWindow}} {
		if d.v > 0 && d.v < minTrendWindow {
			errs = append(errs, fmt.Errorf("%s: %v is under %v", d.name, d.v, minTrendWindow))
		}
	}
	return errors.Join(errs...)
}
