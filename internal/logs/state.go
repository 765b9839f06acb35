package logs

import (
	"math"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// state is the per-template bookkeeping of the Miner's signals. All times are log times.
type state struct {
	FirstSeen time.Time       `json:"first_seen"`
	LastSeen  time.Time       `json:"last_seen"`
	MaxSev    signal.Severity `json:"max_severity,omitempty"`
	Examples  []string        `json:"examples,omitempty"`

	// Rate baseline: lines in the current bucket, and an exponentially weighted mean and
	// variance of the closed buckets' counts.
	InBucket int64   `json:"in_bucket"`
	Mean     float64 `json:"mean"`
	Var      float64 `json:"var"`
	Buckets  int     `json:"buckets"`
	Shifted  bool    `json:"shifted,omitempty"`

	// DeployBlamed is the deploy time an after-deploy signal was raised for, so that one
	// deploy raises it once.
	DeployBlamed time.Time `json:"deploy_blamed,omitempty"`
}

// maxExampleBytes caps one stored example line.
const maxExampleBytes = 512

func (s *state) addExample(body string, max int) {
	if len(s.Examples) >= max {
		return
	}
	if len(body) > maxExampleBytes {
		body = body[:maxExampleBytes]
	}
	s.Examples = append(s.Examples, string([]byte(body)))
}

// shiftVerdict is the outcome of closing a rate bucket.
type shiftVerdict int

const (
	shiftNone shiftVerdict = iota
	shiftStart
	shiftEnd
)

// closeBucket folds a closed bucket's count into the baseline and says whether a rate
// shift starts or ends. While shifted the baseline is frozen, so a long surge does not
// become the new normal and hide itself.
func (s *state) closeBucket(x float64, cfg *Config) shiftVerdict {
	limit := s.limit(cfg)
	verdict := shiftNone
	switch {
	case !s.Shifted && s.Buckets >= cfg.BaselineBuckets && x >= float64(cfg.ShiftMinCount) &&
		x > limit:
		s.Shifted = true
		return shiftStart
	case s.Shifted && x <= limit:
		s.Shifted = false
		verdict = shiftEnd
	case s.Shifted:
		return shiftNone
	}
	alpha := 2 / (float64(cfg.BaselineBuckets) + 1)
	d := x - s.Mean
	s.Mean += alpha * d
	s.Var = (1 - alpha) * (s.Var + alpha*d*d)
	s.Buckets++
	return verdict
}

// limit is the highest bucket count that is not a shift.
func (s *state) limit(cfg *Config) float64 {
	return math.Max(cfg.ShiftFactor*s.Mean, s.Mean+cfg.ShiftSigmas*math.Sqrt(s.Var))
}
