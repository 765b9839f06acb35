package ingest

import (
	"log/slog"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// PullSource is the source label, in cerebro_ingest_dropped_samples_total, of the samples
// the pull mode queries from a Prometheus server.
const PullSource = "pull"

// SeriesFilter applies the sample rules of the remote_write route to series that came in
// another way, such as the pull mode's query results. Without it a pulled sample a
// century ahead, or a series with an empty metric name, was tracked by detection.
type SeriesFilter struct {
	source string
	logs   *dropLog
}

// NewSeriesFilter counts drops under source and logs them, at most once a minute, to log
// (nil discards).
func NewSeriesFilter(source string, log *slog.Logger) *SeriesFilter {
	return &SeriesFilter{source: source, logs: newDropLog(log, source)}
}

// Filter drops, in place, what remote_write drops: labels with an empty value, which
// Prometheus treats as absent; every series whose labels break the rules of checkLabels
// (no or empty metric name, invalid UTF-8, over the limits); and the points filterPoints
// drops, with samples more than MaxFutureSkew after now among them. It counts and logs
// the drops as the routes do and returns the series kept, their labels sorted.
func (f *SeriesFilter) Filter(series []signal.Series, now time.Time) []signal.Series {
	d := drops{notAfter: futureLimit(now)}
	kept := series[:0]
	for _, s := range series {
		s.Labels = withoutEmptyValues(s.Labels)
		if r := checkLabels(s.Labels); r != keep {
			d.add(r, len(s.Points))
			continue
		}
		if s.Points = d.filterPoints(s.Points); len(s.Points) > 0 {
			kept = append(kept, s)
		}
	}
	d.record(f.source, f.logs)
	return kept
}

// withoutEmptyValues removes, in place, the labels with an empty value.
func withoutEmptyValues(ls []signal.Label) []signal.Label {
	out := ls[:0]
	for _, l := range ls {
		if l.Value != "" {
			out = append(out, l)
		}
	}
	return out
}
