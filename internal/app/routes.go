package app

import (
	"net/http"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/api"
	"github.com/cerebro-aiops/cerebro/internal/config"
	"github.com/cerebro-aiops/cerebro/internal/ingest"
)

// ingestRoutes mounts every enabled ingest source.
func (a *App) ingestRoutes(sink ingest.SignalSink) ([]api.Route, error) {
	g := &ingest.Guard{
		RequireAuth:  !config.IsLoopback(a.cfg.Listen),
		DefaultToken: a.cfg.APIToken,
		Metrics:      ingest.NewMetrics(a.reg),
		Log:          a.log.With("component", "ingest"),
		Now:          time.Now,
	}
	var routes []api.Route
	for _, src := range ingest.Sources() {
		cfg := a.cfg.Sources[src.Name]
		if !cfg.IsEnabled() {
			continue
		}
		routes = append(routes, api.Route{Method: http.MethodPost,
			Path: "/api/v1/ingest/" + src.Name, Handler: ingest.SignalHandler(g, src, cfg, sink)})
	}
	return routes, nil
}
