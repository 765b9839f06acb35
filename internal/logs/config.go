package logs

import (
	"errors"
	"fmt"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// Config is the logs stage configuration. Zero fields take the defaults named on each
// field; Default returns them all filled in.
type Config struct {
	// Masks names the variable shapes masked as <*> before mining (default DefaultMasks):
	// numbers, hex, paths, hosts, sizes, dates, bools.
	Masks []string `yaml:"masks"`
	// Patterns are extra regular expressions; a word matching one is masked whole.
	Patterns []string `yaml:"patterns"`
	// Services overrides Masks and Patterns for the named services (the log source).
	Services map[string]MaskConfig `yaml:"services"`

	// KeepHeaders mines whole lines. By default a leading timestamp, level and logger
	// (see SplitHeader) are cut off first, so that the clock is not mined as a variable
	// of every template; the header's level still sets the line's severity.
	KeepHeaders bool `yaml:"keep_headers"`

	// Similarity is the share of constant words a line must share with a template to join
	// it, in (0,1] (default 0.5).
	Similarity float64 `yaml:"similarity"`
	// MaxTemplatesPerService caps templates per service; past it the least recently seen
	// template is evicted (default 5000).
	MaxTemplatesPerService int `yaml:"max_templates_per_service"`
	// MaxServices caps the services mined; lines of further services are counted and
	// dropped (default 2000).
	MaxServices int `yaml:"max_services"`
	// MaxWords caps the words of one message; the rest is one trailing <*> (default 256).
	MaxWords int `yaml:"max_words"`
	// MaxLineBytes caps the bytes of one message looked at (default 16384).
	MaxLineBytes int `yaml:"max_line_bytes"`
	// Examples is how many example lines each template keeps (default 3).
	Examples int `yaml:"examples"`

	// NewTemplateSeverity is the lowest severity at which a never-seen template raises a
	// signal (default warning).
	NewTemplateSeverity signal.Severity `yaml:"new_template_severity"`
	// WarmUp suppresses new-template signals for this long after a service's first line,
	// while its usual templates are being learnt (default 5m; 0 after Default keeps 5m,
	// a negative value turns warm-up off).
	WarmUp time.Duration `yaml:"warm_up"`
	// RateBucket is the width of the counting window of template rates (default 1m).
	RateBucket time.Duration `yaml:"rate_bucket"`
	// BaselineBuckets is how many buckets a template's baseline needs before a shift is
	// judged, and the smoothing span of the baseline (default 10).
	BaselineBuckets int `yaml:"baseline_buckets"`
	// ShiftFactor and ShiftSigmas: a bucket count is a shift when it exceeds both
	// ShiftFactor times the baseline mean and the mean plus ShiftSigmas deviations
	// (defaults 3 and 4).
	ShiftFactor float64 `yaml:"shift_factor"`
	ShiftSigmas float64 `yaml:"shift_sigmas"`
	// ShiftMinCount is the smallest bucket count that can be a shift (default 20).
	ShiftMinCount int `yaml:"shift_min_count"`
	// DeployWindow is how long after a deploy a new error template is blamed on it
	// (default 15m).
	DeployWindow time.Duration `yaml:"deploy_window"`
}

// MaskConfig is the masking of one service.
type MaskConfig struct {
	Masks    []string `yaml:"masks"`
	Patterns []string `yaml:"patterns"`
}

// Default returns the configuration with every default filled in.
func Default() Config {
	var c Config
	c.fill()
	return c
}

func (c *Config) fill() {
	if c.Masks == nil {
		c.Masks = DefaultMasks
	}
	setF(&c.Similarity, 0.5)
	setI(&c.MaxTemplatesPerService, 5000)
	setI(&c.MaxServices, 2000)
	setI(&c.MaxWords, 256)
	setI(&c.MaxLineBytes, 16384)
	setI(&c.Examples, 3)
	if c.NewTemplateSeverity == "" {
		c.NewTemplateSeverity = signal.SeverityWarning
	}
	setD(&c.WarmUp, 5*time.Minute)
	setD(&c.RateBucket, time.Minute)
	setI(&c.BaselineBuckets, 10)
	setF(&c.ShiftFactor, 3)
	setF(&c.ShiftSigmas, 4)
	setI(&c.ShiftMinCount, 20)
	setD(&c.DeployWindow, 15*time.Minute)
}

func setF(p *float64, d float64) {
	if *p == 0 {
		*p = d
	}
}

func setI(p *int, d int) {
	if *p == 0 {
		*p = d
	}
}

func setD(p *time.Duration, d time.Duration) {
	if *p == 0 {
		*p = d
	}
}

// Validate reports every problem in the configuration at once.
func (c Config) Validate() error {
	var errs []error
	if c.Similarity < 0 || c.Similarity > 1 {
		errs = append(errs, fmt.Errorf("similarity: %v is not in [0,1]", c.Similarity))
	}
	for name, v := range map[string]int{
		"max_templates_per_service": c.MaxTemplatesPerService, "max_services": c.MaxServices,
		"max_words": c.MaxWords, "max_line_bytes": c.MaxLineBytes, "examples": c.Examples,
		"baseline_buckets": c.BaselineBuckets, "shift_min_count": c.ShiftMinCount,
	} {
		if v < 0 {
			errs = append(errs, fmt.Errorf("%s: %d is negative", name, v))
		}
	}
	if _, err := newMasker(c.Masks, c.Patterns); err != nil {
		errs = append(errs, fmt.Errorf("masks: %w", err))
	}
	for svc, mc := range c.Services {
		if _, err := newMasker(mc.Masks, mc.Patterns); err != nil {
			errs = append(errs, fmt.Errorf("services.%s: %w", svc, err))
		}
	}
	return errors.Join(errs...)
}

// masksFor returns the masking of a service.
func (c Config) masksFor(service string) ([]string, []string) {
	if mc, ok := c.Services[service]; ok {
		if mc.Masks == nil {
			return c.Masks, mc.Patterns
		}
		return mc.Masks, mc.Patterns
	}
	return c.Masks, c.Patterns
}
