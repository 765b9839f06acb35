package app

import (
	"net/http"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/api"
	"github.com/cerebro-aiops/cerebro/internal/config"
	"github.com/cerebro-aiops/cerebro/internal/ingest"
)

// ingestRoutes mounts every enabled ingest route: the signal sources under
// /api/v1/ingest/<name>, and the metric and log protocols at their usual paths.
func (a *App) ingestRoutes() []api.Route {
	g := &ingest.Guard{
		RequireAuth:  !config.IsLoopback(a.cfg.Listen),
		DefaultToken: a.cfg.APIToken,
		Metrics:      ingest.NewMetrics(a.reg),
		Log:          a.log.With("component", "ingest"),
		Now:          time.Now,
	}
	for _, c := range ingest.SeriesCollectors() {
		a.reg.MustRegister(c)
	}
	var routes []api.Route
	for _, src := range ingest.Sources() {
		cfg := a.cfg.Sources[src.Name]
		if !cfg.IsEnabled() {
			continue
		}
		routes = append(routes, api.Route{Method: http.MethodPost,
			Path: "/api/v1/ingest/" + src.Name, Handler: ingest.SignalHandler(g, src, cfg, a.signals)})
	}

	series := &seriesSink{det: a.detect, sink: a.signals, outbox: a.outbox}
	lines := &logSink{miner: a.miner, sink: a.signals, outbox: a.outbox}
	extra := []struct {
		name, path string
		h          func(cfg ingest.SourceConfig) http.Handler
	}{
		{"remote-write", "/api/v1/ingest/remote-write", func(c ingest.SourceConfig) http.Handler {
			return ingest.RemoteWriteHandler(g, c, series)
		}},
		{"otlp-metrics", "/v1/metrics", func(c ingest.SourceConfig) http.Handler {
			return ingest.OTLPMetricsHandler(g, c, series)
		}},
		{"otlp-logs", "/v1/logs", func(c ingest.SourceConfig) http.Handler {
			return ingest.OTLPLogsHandler(g, c, lines)
		}},
		{"loki", "/loki/api/v1/push", func(c ingest.SourceConfig) http.Handler {
			return ingest.LokiPushHandler(g, c, lines)
		}},
	}
	for _, e := range extra {
		cfg := a.cfg.Sources[e.name]
		if cfg.IsEnabled() {
			routes = append(routes, api.Route{Method: http.MethodPost, Path: e.path,
				Handler: e.h(cfg)})
		}
	}
	return routes
}
