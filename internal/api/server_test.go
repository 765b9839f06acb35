package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cerebro-aiops/cerebro/internal/signal"
	"github.com/cerebro-aiops/cerebro/internal/store"
)

// fakeReader records the filters the handlers pass on.
type fakeReader struct {
	incidents store.IncidentFilter
	signals   store.SignalFilter
}

func (f *fakeReader) Incidents(_ context.Context, fl store.IncidentFilter) (
	[]signal.Incident, error) {
	f.incidents = fl
	return nil, nil
}

func (f *fakeReader) Incident(context.Context, int64) (signal.Incident, error) {
	return signal.Incident{}, store.ErrNotFound
}

func (f *fakeReader) Signals(_ context.Context, fl store.SignalFilter) ([]signal.Signal, error) {
	f.signals = fl
	return nil, nil
}

func (f *fakeReader) Signal(_ context.Context, id int64) (signal.Signal, error) {
	if id != 4 {
		return signal.Signal{}, store.ErrNotFound
	}
	return signal.Signal{ID: 4, Kind: signal.KindAlert, Name: "HighErrorRate"}, nil
}

func (f *fakeReader) Ping(context.Context) error { return nil }

func serve(t *testing.T, token string, r *http.Request) (*httptest.ResponseRecorder,
	*fakeReader) {
	t.Helper()
	st := &fakeReader{}
	h := Handler(Options{Store: st, Gatherer: prometheus.NewRegistry(), Token: token,
		Log: slog.New(slog.DiscardHandler)})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w, st
}

func TestReadParams(t *testing.T) {
	tests := []struct {
		target string
		code   int
		limit  int // the limit the store gets, when code is 200
	}{
		{"/api/v1/signals?limit=1000", 200, 1000},
		{"/api/v1/signals?limit=1001", 400, 0},
		{"/api/v1/signals?limit=5000", 400, 0},
		{"/api/v1/signals?limit=-1", 400, 0},
		{"/api/v1/signals", 200, 0},
		{"/api/v1/incidents?limit=1000", 200, 1000},
		{"/api/v1/incidents?limit=1001", 400, 0},
		{"/api/v1/signals?kind=bogus", 400, 0},
		{"/api/v1/signals?kind=logpattern", 200, 0},
		{"/api/v1/incidents?status=bogus", 400, 0},
		{"/api/v1/signals/4", 200, 0},
		{"/api/v1/signals/5", 404, 0},
		{"/api/v1/signals/0", 400, 0},
		{"/api/v1/signals/x", 400, 0},
		{"/api/v1/incidents/9", 404, 0},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			w, st := serve(t, "", httptest.NewRequest(http.MethodGet, tt.target, nil))
			if w.Code != tt.code {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.code, w.Body)
			}
			if got := max(st.signals.Limit, st.incidents.Limit); got != tt.limit {
				t.Errorf("store got limit %d, want %d", got, tt.limit)
			}
		})
	}
}

// TestSignalByID: the answer is the signal itself, and a missing one names its id.
func TestSignalByID(t *testing.T) {
	w, _ := serve(t, "", httptest.NewRequest(http.MethodGet, "/api/v1/signals/4", nil))
	if !strings.Contains(w.Body.String(), `"name": "HighErrorRate"`) {
		t.Errorf("GET /api/v1/signals/4: %s", w.Body)
	}
	w, _ = serve(t, "", httptest.NewRequest(http.MethodGet, "/api/v1/signals/5", nil))
	if !strings.Contains(w.Body.String(), "signal 5 not found") {
		t.Errorf("GET /api/v1/signals/5: %s", w.Body)
	}
}

func TestAuthSchemeIsCaseInsensitive(t *testing.T) {
	tests := []struct {
		header string
		code   int
	}{
		{"Bearer s3cret", 200},
		{"bearer s3cret", 200},
		{"BEARER  s3cret", 200},
		{"Bearer wrong", 401},
		{"Basic s3cret", 401},
		{"Bearers3cret", 401},
		{"s3cret", 401},
		{"", 401},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/api/v1/signals", nil)
			r.Header.Set("Authorization", tt.header)
			if w, _ := serve(t, "s3cret", r); w.Code != tt.code {
				t.Errorf("status %d, want %d: %s", w.Code, tt.code, w.Body)
			}
		})
	}
}

// TestWrongMethod: the catch-all 404 route used to win over the method patterns, so a
// POST to a read route got 404 instead of 405.
func TestWrongMethod(t *testing.T) {
	for _, path := range []string{"/api/v1/incidents", "/api/v1/incidents/1",
		"/api/v1/signals", "/api/v1/signals/1", "/healthz", "/readyz", "/metrics"} {
		t.Run(path, func(t *testing.T) {
			w, _ := serve(t, "", httptest.NewRequest(http.MethodPost, path, nil))
			if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("status %d, Allow %q; want 405 and GET, HEAD", w.Code,
					w.Header().Get("Allow"))
			}
			if !strings.Contains(w.Body.String(), `"error":"method_not_allowed"`) {
				t.Errorf("body %s; want error type method_not_allowed", w.Body)
			}
		})
	}
	w, _ := serve(t, "", httptest.NewRequest(http.MethodHead, "/healthz", nil))
	if w.Code != http.StatusOK {
		t.Errorf("HEAD /healthz: status %d", w.Code)
	}
	w, _ = serve(t, "", httptest.NewRequest(http.MethodGet, "/nowhere", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("GET /nowhere: status %d", w.Code)
	}
}
