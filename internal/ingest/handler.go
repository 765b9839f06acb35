package ingest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// MaxBodyBytes is the largest request body any ingest route accepts; larger bodies get 413.
// 16 MiB holds a remote_write batch of well over 100k samples and any real webhook.
const MaxBodyBytes = 16 << 20

// Metrics counts what the ingest routes accept and reject.
type Metrics struct {
	Requests *prometheus.CounterVec // by source and HTTP code
	Rejected *prometheus.CounterVec // by source and reason
	Signals  *prometheus.CounterVec // by source
}

// NewMetrics registers the ingest metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cerebro_ingest_requests_total",
			Help: "Ingest requests by source and HTTP status code.",
		}, []string{"source", "code"}),
		Rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cerebro_ingest_rejected_total",
			Help: "Ingest requests rejected, by source and reason.",
		}, []string{"source", "reason"}),
		Signals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cerebro_ingest_signals_total",
			Help: "Signals accepted, by source.",
		}, []string{"source"}),
	}
	reg.MustRegister(m.Requests, m.Rejected, m.Signals)
	return m
}

// Guard holds what every ingest route shares: the authentication rule, metrics and logger.
type Guard struct {
	// RequireAuth is set when the listener is not loopback: a source with no token or
	// secret configured then refuses every request.
	RequireAuth bool
	// DefaultToken is the API token, accepted by every source that has no token of its own.
	DefaultToken string
	Metrics      *Metrics
	Log          *slog.Logger
	Now          func() time.Time
}

// now is the guard's clock, the system clock when none is set.
func (g *Guard) now() time.Time {
	if g.Now == nil {
		return time.Now()
	}
	return g.Now()
}

// ReadBody reads a size-limited body, answering 413 for oversized input. A declared
// Content-Length sizes the buffer at once: io.ReadAll's growth would leave about as much
// garbage again per request, which under a burst of large bodies is most of the memory.
func ReadBody(r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	if n := r.ContentLength; n > 0 && n <= MaxBodyBytes {
		buf.Grow(int(n) + bytes.MinRead) // ReadFrom grows when less than MinRead is free
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	body := buf.Bytes()
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &Error{Status: http.StatusRequestEntityTooLarge, Type: TypeTooLarge,
			Msg: fmt.Sprintf("request body exceeds %d bytes", MaxBodyBytes)}
	}
	if err != nil {
		return nil, Errorf("reading request body: %v", err)
	}
	return body, nil
}

// Check authenticates a request for a source. The shared token may come as a bearer token,
// an X-Cerebro-Token header or a token query parameter (for tools that cannot set headers).
func (g *Guard) Check(src Source, req *Request, r *http.Request) error {
	cfg := req.Config
	token := cfg.Token
	if token == "" {
		token = g.DefaultToken
	}
	if cfg.Secret != "" && src.Verify != nil {
		return src.Verify(req, cfg.Secret)
	}
	if token == "" {
		if g.RequireAuth {
			return Unauthorized("source " + src.Name +
				" has no token or secret configured and the listener is not loopback")
		}
		return nil
	}
	got := bearer(r)
	if got == "" {
		return Unauthorized("missing token")
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
		return Unauthorized("wrong token")
	}
	return nil
}

// bearer returns the request's token: from Authorization (the scheme matched in any
// case, as RFC 7235 says), X-Cerebro-Token or the token query parameter.
func bearer(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(tok)
	}
	if h := r.Header.Get("X-Cerebro-Token"); h != "" {
		return h
	}
	return r.URL.Query().Get("token")
}

// Reject records a rejected request and writes the error.
func (g *Guard) Reject(w http.ResponseWriter, source string, err error) {
	var e *Error
	reason := TypeUnavailable
	if errors.As(err, &e) {
		reason = e.Type
	}
	g.Metrics.Rejected.WithLabelValues(source, reason).Inc()
	level := slog.LevelDebug
	if reason == TypeUnauthorized || reason == TypeUnavailable {
		level = slog.LevelWarn
	}
	g.Log.Log(nil, level, "ingest request rejected", "source", source, "reason", reason,
		"err", err)
	WriteError(w, err)
	code := http.StatusServiceUnavailable
	if e != nil {
		code = e.Status
	}
	g.Metrics.Requests.WithLabelValues(source, fmt.Sprint(code)).Inc()
}

// Accepted writes the 2xx answer with the number of items taken.
func (g *Guard) Accepted(w http.ResponseWriter, source string, n int) {
	g.Metrics.Requests.WithLabelValues(source, "202").Inc()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(map[string]int{"accepted": n})
}
