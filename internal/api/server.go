package api

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cerebro-aiops/cerebro/internal/ingest"
	"github.com/cerebro-aiops/cerebro/internal/signal"
	"github.com/cerebro-aiops/cerebro/internal/store"
)

// Reader is what the read routes need from the store.
type Reader interface {
	Incidents(ctx context.Context, f store.IncidentFilter) ([]signal.Incident, error)
	Incident(ctx context.Context, id int64) (signal.Incident, error)
	Signals(ctx context.Context, f store.SignalFilter) ([]signal.Signal, error)
	Ping(ctx context.Context) error
}

// Route is one extra route mounted by the app (ingest handlers).
type Route struct {
	Method  string
	Path    string
	Handler http.Handler
}

// Options configures the handler.
type Options struct {
	Store    Reader
	Gatherer prometheus.Gatherer
	Token    string // when set, read routes require it as a bearer token
	Routes   []Route
	Ready    func() bool
	Log      *slog.Logger
}

// Handler builds the route table.
func Handler(o Options) http.Handler {
	mux := http.NewServeMux()
	h := &handlers{o: o}
	read := func(f http.HandlerFunc) http.Handler { return h.auth(f) }

	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", h.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{}))
	mux.Handle("GET /api/v1/incidents", read(h.incidents))
	mux.Handle("GET /api/v1/incidents/{id}", read(h.incident))
	mux.Handle("GET /api/v1/signals", read(h.signals))
	for _, r := range o.Routes {
		mux.Handle(r.Path, ingest.Allowed(r.Method, r.Handler))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusNotFound, ingest.TypeNotFound, "no route for "+r.URL.Path)
	})
	return mux
}

type handlers struct{ o Options }

func (h *handlers) auth(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.o.Token != "" {
			got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			if subtle.ConstantTimeCompare([]byte(got), []byte(h.o.Token)) != 1 {
				fail(w, http.StatusUnauthorized, ingest.TypeUnauthorized,
					"missing or wrong bearer token")
				return
			}
		}
		next(w, r)
	})
}

func (h *handlers) readyz(w http.ResponseWriter, r *http.Request) {
	if err := h.o.Store.Ping(r.Context()); err != nil {
		fail(w, http.StatusServiceUnavailable, ingest.TypeUnavailable, "store: "+err.Error())
		return
	}
	if h.o.Ready != nil && !h.o.Ready() {
		fail(w, http.StatusServiceUnavailable, ingest.TypeUnavailable, "starting")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (h *handlers) incidents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := intParam(q.Get("limit"))
	if err != nil {
		fail(w, http.StatusBadRequest, ingest.TypeBadRequest, "limit: "+err.Error())
		return
	}
	status := q.Get("status")
	switch status {
	case "", "open", "diagnosed", "resolved":
	default:
		fail(w, http.StatusBadRequest, ingest.TypeBadRequest,
			"status: want open, diagnosed or resolved")
		return
	}
	out, err := h.o.Store.Incidents(r.Context(), store.IncidentFilter{Status: status,
		Limit: limit})
	if err != nil {
		h.internal(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"incidents": out})
}

func (h *handlers) incident(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		fail(w, http.StatusBadRequest, ingest.TypeBadRequest, "id: want a positive integer")
		return
	}
	in, err := h.o.Store.Incident(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		fail(w, http.StatusNotFound, ingest.TypeNotFound, "incident "+r.PathValue("id")+
			" not found")
		return
	}
	if err != nil {
		h.internal(w, err)
		return
	}
	writeJSON(w, http.StatusOK, in)
}

func (h *handlers) signals(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := intParam(q.Get("limit"))
	if err != nil {
		fail(w, http.StatusBadRequest, ingest.TypeBadRequest, "limit: "+err.Error())
		return
	}
	out, err := h.o.Store.Signals(r.Context(), store.SignalFilter{Source: q.Get("source"),
		Kind: q.Get("kind"), Service: q.Get("service"), Limit: limit})
	if err != nil {
		h.internal(w, err)
		return
	}
	if out == nil {
		out = []signal.Signal{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"signals": out})
}

func (h *handlers) internal(w http.ResponseWriter, err error) {
	h.o.Log.Error("serving read request failed", "err", err)
	fail(w, http.StatusInternalServerError, "internal", "internal error; see server log")
}

func intParam(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errors.New("want a non-negative integer")
	}
	return n, nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func fail(w http.ResponseWriter, code int, typ, msg string) {
	ingest.WriteError(w, &ingest.Error{Status: code, Type: typ, Msg: msg})
}
