package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// memSink keeps accepted signals in memory.
type memSink struct {
	mu   sync.Mutex
	sigs []signal.Signal
	err  error
}

func (m *memSink) Accept(_ context.Context, sigs []signal.Signal) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	m.sigs = append(m.sigs, sigs...)
	return nil
}

var srcNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func srcGuard() *Guard {
	return &Guard{
		Metrics: NewMetrics(prometheus.NewRegistry()),
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:     func() time.Time { return srcNow },
	}
}

// sourceByName finds a source in Sources().
func sourceByName(t testing.TB, name string) Source {
	t.Helper()
	for _, s := range Sources() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no source %q in Sources()", name)
	return Source{}
}

// post sends body to a source's handler and returns the response and stored signals.
func post(t testing.TB, src Source, cfg SourceConfig, body []byte,
	hdr map[string]string) (*httptest.ResponseRecorder, []signal.Signal) {
	t.Helper()
	sink := &memSink{}
	h := SignalHandler(srcGuard(), src, cfg, sink)
	r := httptest.NewRequest(http.MethodPost, "/api/v1/ingest/"+src.Name,
		bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w, sink.sigs
}

// sampleCase is one row of testdata/sources/cases.json: a fixture file posted to a
// source and what the stored signals must be.
type sampleCase struct {
	File     string            `json:"file"`
	Source   string            `json:"source"`
	Header   map[string]string `json:"header"`
	TimeZone string            `json:"time_zone"`
	Want     []struct {
		Kind      signal.Kind     `json:"kind"`
		NativeID  string          `json:"native_id"`
		Status    signal.Status   `json:"status"`
		Severity  signal.Severity `json:"severity"`
		Name      string          `json:"name"`
		Service   string          `json:"service"`
		EventTime string          `json:"event_time"` // RFC 3339, or "received"
		Version   string          `json:"version"`
		State     string          `json:"state"`
	} `json:"want"`
}

func loadCases(t testing.TB) []sampleCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "sources", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []sampleCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatalf("decoding cases.json: %v", err)
	}
	return cases
}

// TestSourceSamples runs every fixture through SignalHandler with an in-memory sink and
// checks native id, status and the other mapped fields of each stored signal.
func TestSourceSamples(t *testing.T) {
	for _, c := range loadCases(t) {
		t.Run(c.Source+"/"+c.File, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "sources", c.File))
			if err != nil {
				t.Fatal(err)
			}
			w, sigs := post(t, sourceByName(t, c.Source), SourceConfig{TimeZone: c.TimeZone},
				body, c.Header)
			if w.Code != http.StatusAccepted {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			if len(sigs) != len(c.Want) {
				t.Fatalf("got %d signals, want %d: %+v", len(sigs), len(c.Want), sigs)
			}
			for i, want := range c.Want {
				checkSignal(t, sigs[i], want.Kind, want.NativeID, want.Status, want.Severity)
				got := sigs[i]
				if want.Name != "" && got.Name != want.Name {
					t.Errorf("name %q, want %q", got.Name, want.Name)
				}
				if want.Service != "" && got.Service != want.Service {
					t.Errorf("service %q, want %q", got.Service, want.Service)
				}
				checkEventTime(t, got.EventTime, want.EventTime)
				checkChange(t, got, want.Version, want.State)
				if got.Source != c.Source || got.Fingerprint == "" {
					t.Errorf("source %q fingerprint %q", got.Source, got.Fingerprint)
				}
			}
		})
	}
}

func checkSignal(t *testing.T, got signal.Signal, kind signal.Kind, id string,
	st signal.Status, sev signal.Severity) {
	t.Helper()
	if kind == "" {
		kind = signal.KindAlert
	}
	if got.Kind != kind || got.NativeID != id || got.Status != st {
		t.Errorf("got kind %q native id %q status %q; want %q %q %q",
			got.Kind, got.NativeID, got.Status, kind, id, st)
	}
	if sev != "" && got.Severity != sev {
		t.Errorf("severity %q, want %q", got.Severity, sev)
	}
}

func checkEventTime(t *testing.T, got time.Time, want string) {
	t.Helper()
	switch want {
	case "":
		return
	case "received":
		if !got.Equal(srcNow) {
			t.Errorf("event time %v, want the delivery time %v", got, srcNow)
		}
		return
	}
	w, err := time.Parse(time.RFC3339Nano, want)
	if err != nil {
		t.Fatalf("bad event_time in cases.json: %v", err)
	}
	if !got.Equal(w) {
		t.Errorf("event time %v, want %v", got.Format(time.RFC3339Nano), want)
	}
}

func checkChange(t *testing.T, got signal.Signal, version, state string) {
	t.Helper()
	if got.Kind != signal.KindChange {
		if got.Change != nil {
			t.Errorf("alert carries a change: %+v", got.Change)
		}
		return
	}
	if got.Change == nil {
		t.Fatalf("change signal without Change")
	}
	if got.Change.Version != version || got.Change.State != state {
		t.Errorf("change version %q state %q; want %q %q", got.Change.Version,
			got.Change.State, version, state)
	}
}

// TestEveryFixtureHasACase fails when a fixture is added without a case that runs it.
func TestEveryFixtureHasACase(t *testing.T) {
	used := map[string]bool{"cases.json": true}
	for _, c := range loadCases(t) {
		used[c.File] = true
	}
	files, err := filepath.Glob(filepath.Join("testdata", "sources", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !used[filepath.Base(f)] {
			t.Errorf("fixture %s is in no case of cases.json", filepath.Base(f))
		}
	}
}

// TestSignalTimeRange posts times no real event has, which once stored overflowed
// UnixNano (an incident shown in 1829) or sorted after every real time, to each kind of
// source: every one must be a 400 naming the field and store nothing.
func TestSignalTimeRange(t *testing.T) {
	am := `{"version":"4","alerts":[{"status":"firing","labels":{"alertname":"a"},` +
		`"startsAt":%q,"endsAt":%q}]}`
	tests := []struct {
		source, body, field string // field "" means accepted
	}{
		{"events", `{"name":"x","starts_at":"2999-01-01T00:00:00Z"}`, "starts_at"},
		{"events", `{"name":"x","starts_at":"9999-12-31T23:59:59Z"}`, "starts_at"},
		{"events", `{"name":"x","starts_at":"0000-01-01T00:00:00Z"}`, "starts_at"},
		{"events", `{"name":"x","time":"1969-12-31T23:59:59Z"}`, "starts_at"},
		{"events", `{"name":"x","starts_at":"2030-01-02T03:20:00Z"}`, "starts_at"},
		{"events", `{"name":"x","starts_at":"2030-01-02T03:10:00Z"}`, ""},
		{"events", `{"name":"x","starts_at":"2030-01-01T00:00:00Z",` +
			`"ends_at":"2999-01-01T00:00:00Z"}`, "ends_at"},
		{"alertmanager", fmt.Sprintf(am, "2999-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
			"starts_at"},
		{"alertmanager", fmt.Sprintf(am, "0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
			"starts_at"},
		{"alertmanager", fmt.Sprintf(am, "2030-01-02T03:00:00Z", "9999-12-31T00:00:00Z"),
			"ends_at"},
		{"alertmanager", fmt.Sprintf(am, "2030-01-02T03:00:00Z", "2030-01-02T04:00:00Z"),
			""},
		{"alertmanager", fmt.Sprintf(am, "2030-01-02T03:00:00Z", "0001-01-01T00:00:00Z"),
			""},
		{"gcp-monitoring", `{"incident":{"incident_id":"i","state":"open",` +
			`"started_at":-1}}`, "incident.started_at"},
		{"gcp-monitoring", `{"incident":{"incident_id":"i","state":"open",` +
			`"started_at":0}}`, "incident.started_at"},
		{"opsgenie", `{"action":"Create","alert":{"alertId":"a","createdAt":-5}}`,
			"alert.createdAt"},
		{"grafana", `{"alerts":[{"status":"firing","labels":{"alertname":"a"},` +
			`"startsAt":"2999-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z"}]}`,
			"startsAt"},
	}
	for _, tt := range tests {
		t.Run(tt.source+"/"+tt.body, func(t *testing.T) {
			w, sigs := post(t, sourceByName(t, tt.source), SourceConfig{},
				[]byte(tt.body), nil)
			if tt.field == "" {
				if w.Code != http.StatusAccepted {
					t.Fatalf("code %d, want 202: %s", w.Code, w.Body)
				}
				return
			}
			if w.Code != http.StatusBadRequest || len(sigs) != 0 {
				t.Fatalf("code %d with %d signals stored, want 400 and none: %s", w.Code,
					len(sigs), w.Body)
			}
			if !strings.Contains(w.Body.String(), "field "+tt.field+":") {
				t.Errorf("message %s does not name the field %s", w.Body, tt.field)
			}
		})
	}
}
