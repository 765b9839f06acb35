package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// maxControlBody caps a control request body; the real ones are a few dozen bytes.
const maxControlBody = 64 << 10

// deployRequest is the body of POST /deploy. Fault is optional: a version named after a
// fault ("v2-leaky") brings it too.
type deployRequest struct {
	Service string `json:"service"`
	Version string `json:"version"`
	Fault   string `json:"fault"`
}

// rollbackRequest is the body of POST /rollback.
type rollbackRequest struct {
	Service string `json:"service"`
}

// Handler serves the control API and the metrics:
//
//	POST /deploy                  {"service","version","fault"?}
//	POST /rollback                {"service"}
//	GET  /state                   versions and instant health of every service
//	GET  /truth                   the faults injected so far
//	GET  /metrics                 every service's metrics
//	GET  /services/{name}/metrics one service's metrics, one scrape target per service
//	GET  /healthz
func (l *Lab) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /deploy", l.handleDeploy)
	mux.HandleFunc("POST /rollback", l.handleRollback)
	mux.HandleFunc("GET /state", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, l.State())
	})
	mux.HandleFunc("GET /truth", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, l.Truth())
	})
	mux.Handle("GET /metrics", l.metricsHandler(l.gatherers()))
	mux.HandleFunc("GET /services/{name}/metrics", l.handleServiceMetrics)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	return mux
}

func (l *Lab) handleDeploy(w http.ResponseWriter, r *http.Request) {
	var req deployRequest
	if !readJSON(w, r, &req) {
		return
	}
	err := l.deploy(r.Context(), req.Service, req.Version, req.Fault)
	l.answerChange(w, err)
}

func (l *Lab) handleRollback(w http.ResponseWriter, r *http.Request) {
	var req rollbackRequest
	if !readJSON(w, r, &req) {
		return
	}
	l.answerChange(w, l.Rollback(r.Context(), req.Service))
}

// answerChange answers a deploy or rollback with the new state, or with the error: 404 for
// an unknown service, 502 when the change was applied but CEREBRO did not take the event,
// 400 for anything else wrong with the request.
func (l *Lab) answerChange(w http.ResponseWriter, err error) {
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, l.State())
	case errors.Is(err, ErrUnknownService):
		writeError(w, http.StatusNotFound, err)
	case errors.Is(err, ErrChangeNotPosted):
		writeError(w, http.StatusBadGateway, err)
	default:
		writeError(w, http.StatusBadRequest, err)
	}
}

func (l *Lab) handleServiceMetrics(w http.ResponseWriter, r *http.Request) {
	reg, ok := l.regs[r.PathValue("name")]
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Errorf("%w %q", ErrUnknownService,
			r.PathValue("name")))
		return
	}
	l.metricsHandler(reg).ServeHTTP(w, r)
}

func (l *Lab) metricsHandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorLog: slogPrinter{l}})
}

// gatherers gathers every service's registry, in topology order.
func (l *Lab) gatherers() prometheus.Gatherers {
	var out prometheus.Gatherers
	for _, s := range l.cfg.Services {
		out = append(out, l.regs[s.Name])
	}
	return out
}

// slogPrinter lets promhttp report gathering errors through the lab's logger.
type slogPrinter struct{ l *Lab }

func (p slogPrinter) Println(v ...any) {
	p.l.log.Warn("serving metrics", "err", fmt.Sprint(v...))
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("decoding request: %w", err))
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]string{"error": err.Error()})
}
