package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/config"
	"github.com/cerebro-aiops/cerebro/internal/signal"
	"github.com/cerebro-aiops/cerebro/internal/store"
)

// server is one real App listening on a loopback port.
type server struct {
	app    *App
	base   string
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, dir string) *server {
	t.Helper()
	cfg := config.Default()
	cfg.Listen, cfg.DataDir = "127.0.0.1:0", dir
	ctx, cancel := context.WithCancel(context.Background())
	a, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s := &server{app: a, base: "http://" + a.Addr(), cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- a.Run(ctx) }()
	return s
}

func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	if err := <-s.done; err != nil {
		t.Fatalf("server stopped with error: %v", err)
	}
}

func (s *server) post(t *testing.T, path, ctype string, body []byte) (int, string) {
	t.Helper()
	hdr := map[string]string{"Content-Type": ctype}
	if strings.HasSuffix(path, "remote-write") {
		hdr["Content-Encoding"] = "snappy"
		hdr["X-Prometheus-Remote-Write-Version"] = "0.1.0"
	}
	return s.postWith(t, path, hdr, body)
}

// postWith posts body with the given headers and returns the status and the body.
func (s *server) postWith(t *testing.T, path string, hdr map[string]string,
	body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (s *server) get(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(s.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// settled waits until correlate has consumed the whole signal log. The server works
// concurrently, so this polls the store's own cursor rather than sleeping.
func (s *server) settled(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		all, err := s.app.st.Signals(ctx, store.SignalFilter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		seq, err := s.app.st.Cursor(ctx, "correlate")
		if err != nil {
			t.Fatal(err)
		}
		if len(all) == 0 || all[0].ID <= seq {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("correlate did not consume the log within 10s")
}

func TestRestartBetweenDeliveries(t *testing.T) {
	dir := t.TempDir()
	firing := amBody(&amStep{Group: "g", Alerts: []amAlert{
		{FP: "a1", Name: "HighErrors", Service: "payments", Status: "firing", Start: 0}}})
	resolved := amBody(&amStep{Group: "g", Alerts: []amAlert{
		{FP: "a1", Name: "HighErrors", Service: "payments", Status: "resolved", Start: 0,
			End: ptr(60.0)}}})

	s := start(t, dir)
	if code, body := s.post(t, "/api/v1/ingest/alertmanager", "application/json", firing); code != 202 {
		t.Fatalf("first delivery: %d %s", code, body)
	}
	// Stop at once: the signal is durable even if correlate has not run yet.
	s.stop(t)

	s = start(t, dir)
	defer s.stop(t)
	for _, b := range [][]byte{firing, resolved} {
		if code, body := s.post(t, "/api/v1/ingest/alertmanager", "application/json", b); code != 202 {
			t.Fatalf("delivery after restart: %d %s", code, body)
		}
	}
	s.settled(t)

	var list struct{ Incidents []signal.Incident }
	s.get(t, "/api/v1/incidents", &list)
	if len(list.Incidents) != 1 || list.Incidents[0].Status != signal.IncidentResolved {
		t.Fatalf("want one resolved incident, got %+v", list.Incidents)
	}
	var sigs struct{ Signals []signal.Signal }
	s.get(t, "/api/v1/signals?source=alertmanager", &sigs)
	if len(sigs.Signals) != 2 {
		t.Fatalf("want 2 stored signals (firing, resolved), got %d", len(sigs.Signals))
	}
	if sigs.Signals[0].NativeID != "a1" {
		t.Errorf("native id %q, want the fingerprint verbatim", sigs.Signals[0].NativeID)
	}
}

func TestBadInputOnEveryRoute(t *testing.T) {
	s := start(t, t.TempDir())
	defer s.stop(t)
	huge := bytes.Repeat([]byte("x"), 17<<20)
	sample, err := os.ReadFile("testdata/payloads/alertmanager.json")
	if err != nil {
		t.Fatal(err)
	}
	// wrongType is a body that parses but has a wrong type for a field the route knows.
	routes := []struct{ path, ctype, wrongType string }{
		{"/api/v1/ingest/alertmanager", "application/json", `{"version": 4, "alerts": "x"}`},
		{"/api/v1/ingest/events", "application/json", `{"name": ["x"], "status": 1}`},
		{"/api/v1/ingest/changes", "application/json", `{"type": "deploy", "time": 5}`},
		{"/api/v1/ingest/remote-write", "application/x-protobuf", `{"timeseries": 1}`},
		{"/v1/metrics", "application/x-protobuf", `{"resourceMetrics": 1}`},
		{"/v1/logs", "application/json", `{"resourceLogs": "many"}`},
		{"/loki/api/v1/push", "application/json", `{"streams": 5}`},
	}
	bodies := []struct {
		name string
		body []byte
		code int
	}{
		{"malformed", []byte("{not json"), 400},
		{"truncated", sample[:len(sample)/2], 400},
		{"wrong type", nil, 400},
		{"wrong encoding", []byte{0xff, 0xfe, 0x00, 0x01, 0x80}, 400},
		{"oversized", huge, 413},
	}
	for _, r := range routes {
		for _, b := range bodies {
			t.Run(r.path+"/"+b.name, func(t *testing.T) {
				body := b.body
				if body == nil {
					body = []byte(r.wrongType)
				}
				code, msg := s.post(t, r.path, r.ctype, body)
				if code < 400 || code >= 500 {
					t.Fatalf("answered %d, want 4xx: %s", code, msg)
				}
				if b.code == 413 && code != 413 {
					t.Errorf("answered %d, want 413", code)
				}
				if !strings.Contains(msg, `"message"`) && !strings.Contains(msg, "error") {
					t.Errorf("no error message in %q", msg)
				}
			})
		}
	}

	// Nothing was stored, the server still serves, and the rejections were counted.
	var sigs struct{ Signals []signal.Signal }
	s.get(t, "/api/v1/signals", &sigs)
	if len(sigs.Signals) != 0 {
		t.Errorf("rejected input stored %d signals", len(sigs.Signals))
	}
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`cerebro_ingest_rejected_total{reason="bad_request",source="alertmanager"} 4`,
		`cerebro_ingest_rejected_total{reason="payload_too_large",source="alertmanager"} 1`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestNewRefusesBlankToken: a whitespace token used to pass the non-loopback check, so
// the server started with an API nobody could authenticate to.
func TestNewRefusesBlankToken(t *testing.T) {
	for _, tok := range []string{"", "   ", "\t"} {
		cfg := config.Default()
		cfg.Listen, cfg.DataDir, cfg.APIToken = "0.0.0.0:0", t.TempDir(), tok
		_, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
		if !errors.Is(err, config.ErrInsecureListen) {
			t.Errorf("token %q: got %v, want ErrInsecureListen", tok, err)
		}
	}
}

// TestStaleSnapshotTempsRemoved: a kill -9 during a save leaves its temporary file; the
// next start removes it and keeps the snapshot itself.
func TestStaleSnapshotTempsRemoved(t *testing.T) {
	dir := t.TempDir()
	s := start(t, dir)
	s.stop(t)
	for _, name := range []string{"detect.snap.123456", "logs.snap.98765"} {
		if err := os.WriteFile(dir+"/"+name, make([]byte, 1000), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	s = start(t, dir)
	defer s.stop(t)
	for _, name := range []string{"detect.snap.123456", "logs.snap.98765"} {
		if _, err := os.Stat(dir + "/" + name); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still there after a restart (stat: %v)", name, err)
		}
	}
	if _, err := os.Stat(dir + "/detect.snap"); err != nil {
		t.Errorf("the snapshot itself is gone: %v", err)
	}
}

// TestDataDirLocked checks that a second server on the same data directory refuses to
// start, naming the directory, and that the directory is free again once the first stops.
func TestDataDirLocked(t *testing.T) {
	dir := t.TempDir()
	first := start(t, dir)
	cfg := config.Default()
	cfg.Listen, cfg.DataDir = "127.0.0.1:0", dir
	if _, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler)); err == nil ||
		!strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second server on %s: %v, want an error naming the dir in use", dir, err)
	}
	first.stop(t)
	second := start(t, dir)
	second.stop(t)
}
