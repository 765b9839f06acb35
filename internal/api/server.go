package api

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
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
	Signal(ctx context.Context, id int64) (signal.Signal, error)
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

// MaxLimit is the most rows a list route returns; a larger limit is a bad request rather
// than silently fewer rows.
const MaxLimit = 1000

// Handler builds the route table.
func Handler(o Options) http.Handler {
	mux := http.NewServeMux()
	h := &handlers{o: o}
	read := func(f http.HandlerFunc) http.Handler { return get(h.auth(f)) }

	mux.Handle("/healthz", get(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})))
	mux.Handle("/readyz", get(http.HandlerFunc(h.readyz)))
	mux.Handle("/metrics", get(promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{})))
	mux.Handle("/api/v1/incidents", read(h.incidents))
	mux.Handle("/api/v1/incidents/{id}", read(h.incident))
	mux.Handle("/api/v1/signals", read(h.signals))
	mux.Handle("/api/v1/signals/{id}", read(h.signal))
	for _, r := range o.Routes {
		mux.Handle(r.Path, ingest.Allowed(r.Method, r.Handler))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusNotFound, ingest.TypeNotFound, "no route for "+r.URL.Path)
	})
	return mux
}

// get answers 405 with an Allow header to any method but GET and HEAD. The routes are
// registered without a method because the mux's own 405 never fires beside the catch-all
// "/": a POST to a read route used to get 404.
func get(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			fail(w, http.StatusMethodNotAllowed, ingest.TypeMethodNotAllowed,
				"method "+r.Method+" not allowed; use GET")
			return
		}
		next.ServeHTTP(w, r)
	})
}

type handlers struct{ o Options }

func (h *handlers) auth(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.o.Token != "" {
			got, ok := bearer(r.Header.Get("Authorization"))
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(h.o.Token)) != 1 {
				fail(w, http.StatusUnauthorized, ingest.TypeUnauthorized,
					"missing or wrong bearer token")
				return
			}
		}
		next(w, r)
	})
}

// bearer takes the token out of an Authorization header. The scheme is matched without
// regard to case, as RFC 7235 says; "bearer x" used to be refused.
func bearer(header string) (string, bool) {
	scheme, tok, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(tok), true
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
	limit, err := limitParam(q.Get("limit"))
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
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	in, err := h.o.Store.Incident(r.Context(), id)
	h.answer(w, in, err, "incident "+r.PathValue("id"))
}

// signal answers one signal by id: incident evidence cites signals by id, and this is
// where a reader looks one up.
func (h *handlers) signal(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	s, err := h.o.Store.Signal(r.Context(), id)
	h.answer(w, s, err, "signal "+r.PathValue("id"))
}

// pathID parses the {id} of a route, answering 400 when it is not a positive integer.
func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		fail(w, http.StatusBadRequest, ingest.TypeBadRequest, "id: want a positive integer")
		return 0, false
	}
	return id, true
}

// answer writes v, or 404 naming what when the store has no such row, or 500.
func (h *handlers) answer(w http.ResponseWriter, v any, err error, what string) {
	if errors.Is(err, store.ErrNotFound) {
		fail(w, http.StatusNotFound, ingest.TypeNotFound, what+" not found")
		return
	}
	if err != nil {
		h.internal(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (h *handlers) signals(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := limitParam(q.Get("limit"))
	if err != nil {
		fail(w, http.StatusBadRequest, ingest.TypeBadRequest, "limit: "+err.Error())
		return
	}
	kind := q.Get("kind")
	if kind != "" && !validKind(signal.Kind(kind)) {
		fail(w, http.StatusBadRequest, ingest.TypeBadRequest,
			"kind: want alert, anomaly, logpattern, change or forecast")
		return
	}
	out, err := h.o.Store.Signals(r.Context(), store.SignalFilter{Source: q.Get("source"),
		Kind: kind, Service: q.Get("service"), Limit: limit})
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

// validKind reports whether k is a kind of signal; an unknown kind is refused instead of
// answering an empty list that looks like "no such signals".
func validKind(k signal.Kind) bool {
	switch k {
	case signal.KindAlert, signal.KindAnomaly, signal.KindLogPattern, signal.KindChange,
		signal.KindForecast:
		return true
	}
	return false
}

// limitParam parses a list route's limit; empty and 0 mean the store's default (100).
func limitParam(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > MaxLimit {
		return 0, fmt.Errorf("want an integer from 0 to %d", MaxLimit)
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
