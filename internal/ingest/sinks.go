package ingest

import (
	"context"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// SeriesSink takes metric samples (remote_write, OTLP metrics, pull mode) for detection.
// AcceptSeries returns once the samples have been applied and any signals they raised are
// durable.
type SeriesSink interface {
	AcceptSeries(ctx context.Context, series []signal.Series) error
}

// LogSink takes log lines (OTLP logs, Loki push) for template mining. AcceptLogs returns
// once the lines have been applied and any signals they raised are durable.
type LogSink interface {
	AcceptLogs(ctx context.Context, lines []signal.LogLine) error
}
