package ingest

import (
	"context"
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// logCapture is a LogSink that keeps what it is given.
type logCapture struct {
	mu    sync.Mutex
	lines []signal.LogLine
}

func (c *logCapture) AcceptLogs(_ context.Context, lines []signal.LogLine) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines = append(c.lines, lines...)
	return nil
}

func testLogGuard() *Guard {
	return &Guard{Metrics: NewMetrics(prometheus.NewRegistry()),
		Log: slog.New(slog.DiscardHandler)}
}
