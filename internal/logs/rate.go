package logs

import (
	"fmt"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// maxGapBuckets bounds the empty buckets folded in after a service was quiet; past the
// baseline's span more of them change nothing that matters.
const maxGapBuckets = 64

// TODO: only rises are judged; a template whose rate falls to zero (a heartbeat that
// stops) raises nothing, so a silent failure is not caught here.

// roll closes the service's open rate bucket when at has moved past it, judging every
// template's count against its baseline, then folds in the empty buckets of any gap.
func (m *Miner) roll(s *service, at time.Time, out []signal.Signal) []signal.Signal {
	w := m.cfg.RateBucket
	if at.Before(s.bucket.Add(w)) {
		return out
	}
	end := s.bucket.Add(w)
	gap := int(at.Sub(end) / w)
	for _, t := range s.p.Templates() {
		x := float64(t.InBucket)
		t.InBucket = 0
		out = m.judge(s, t, x, end, out)
		for i := 0; i < gap && i < maxGapBuckets; i++ {
			out = m.judge(s, t, 0, end.Add(time.Duration(i+1)*w), out)
		}
	}
	s.bucket = at.Truncate(w)
	return out
}

func (m *Miner) judge(s *service, t *Template, x float64, end time.Time,
	out []signal.Signal) []signal.Signal {
	mean := t.Mean
	limit := t.limit(&m.cfg)
	switch t.closeBucket(x, &m.cfg) {
	case shiftStart:
		sig := m.newSignal(s, t, t.Text(), ReasonRateShift, t.MaxSev, end)
		sig.Value, sig.Expected = x, &signal.Range{Low: 0, High: limit}
		sig.Score = min(1, (x-limit)/(limit+1)+0.5)
		sig.Summary = fmt.Sprintf("Log template of %s rose to %.0f lines per %s against "+
			"a usual %.1f: %s", s.name, x, m.cfg.RateBucket, mean, t.Text())
		sig.Annotations["bucket_count"] = fmt.Sprint(x)
		sig.Annotations["baseline_mean"] = fmt.Sprintf("%.2f", mean)
		return append(out, sig)
	case shiftEnd:
		sig := m.newSignal(s, t, t.Text(), ReasonRateShift, t.MaxSev, end)
		sig.Status, sig.EndsAt, sig.Value = signal.StatusResolved, end, x
		sig.Summary = fmt.Sprintf("Log template of %s is back to its usual rate: %s",
			s.name, t.Text())
		return append(out, sig)
	}
	return out
}
