package ingest

import (
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// MaxFutureSkew is how far ahead of the server's clock a sample, log line or signal's
// start and event time may be. Prometheus's own receiver refuses samples that far ahead;
// it leaves room for clock drift between hosts. A time beyond it is a sender bug (seconds
// sent as milliseconds, a year typed wrong) and would, once stored, sort after every real
// time: a detector would drop the real samples that follow as out of order, and an
// incident would never close.
const MaxFutureSkew = 10 * time.Minute

// The range of any time a source may send. Before the Unix epoch is a negative or zero
// epoch number, not a real event; from the year 2200 on, time.Time.UnixNano, which the
// store and the detectors use, is near its overflow in 2262 and wraps to 1677.
var (
	minSourceTime = time.Unix(0, 0).UTC()
	maxSourceTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// checkTimeRange returns a 400 naming field unless t is after 1970-01-01T00:00:00Z and
// before 2200.
func checkTimeRange(field string, t time.Time) error {
	if !t.After(minSourceTime) || !t.Before(maxSourceTime) {
		return Errorf("field %s: time %s is outside the accepted range, after %s and "+
			"before %s", field, t.UTC().Format(time.RFC3339Nano),
			minSourceTime.Format(time.RFC3339), maxSourceTime.Format(time.RFC3339))
	}
	return nil
}

// checkFuture returns a 400 naming field when t is more than MaxFutureSkew after now.
func checkFuture(field string, t, now time.Time) error {
	if t.Sub(now) > MaxFutureSkew {
		return Errorf("field %s: time %s is more than %s ahead of the server's clock (%s)",
			field, t.UTC().Format(time.RFC3339Nano), MaxFutureSkew,
			now.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkSignalTimes applies the time rules to a decoded signal, whatever its source: start
// and event time within the range and at most MaxFutureSkew ahead of now, the end within
// the range. An end may lie in the future (Alertmanager sends when a firing alert will
// expire); a zero end is unset.
func checkSignalTimes(s *signal.Signal, now time.Time) error {
	for _, f := range []struct {
		name   string
		t      time.Time
		future bool
	}{
		{"starts_at", s.StartsAt, true},
		{"event_time", s.EventTime, true},
		{"ends_at", s.EndsAt, false},
	} {
		if f.t.IsZero() && f.name == "ends_at" {
			continue
		}
		if err := checkTimeRange(f.name, f.t); err != nil {
			return err
		}
		if f.future {
			if err := checkFuture(f.name, f.t, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// dropFutureLines removes, in place, the lines stamped more than MaxFutureSkew after now
// and counts them in cerebro_ingest_dropped_log_lines_total. Kept, such a line would make
// the miner's window and the incident it raises start in the future. Lines without a time
// are kept: the miner stamps them on arrival.
func dropFutureLines(source string, lines []signal.LogLine, now time.Time) (
	[]signal.LogLine, int) {
	limit := now.Add(MaxFutureSkew)
	kept := lines[:0]
	for _, l := range lines {
		if l.Time.After(limit) {
			continue
		}
		kept = append(kept, l)
	}
	n := len(lines) - len(kept)
	if n > 0 {
		seriesMetrics.droppedLines.WithLabelValues(source, dropFuture.String()).
			Add(float64(n))
	}
	clear(lines[len(kept):])
	return kept, n
}
