package app

import (
	"bytes"
	"compress/gzip"
	"io"
	"math"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// metricsText fetches the server's own /metrics.
func (s *server) metricsText(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// writeRequest encodes one remote_write series with the given sample times (ms).
func writeRequest(t *testing.T, times ...int64) []byte {
	t.Helper()
	var smps []prompb.Sample
	for i, ts := range times {
		smps = append(smps, prompb.Sample{Value: float64(i), Timestamp: ts})
	}
	raw, err := (&prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{
		Labels:  []prompb.Label{{Name: "__name__", Value: "m_fut"}, {Name: "job", Value: "x"}},
		Samples: smps,
	}}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return snappy.Encode(nil, raw)
}

// TestFutureSampleDoesNotBlindDetection replays the tester's report: one sample at
// 10^15 ms, then five real ones. The far sample used to be taken, and the detector then
// dropped the five as out of order.
func TestFutureSampleDoesNotBlindDetection(t *testing.T) {
	s := start(t, t.TempDir())
	defer s.stop(t)
	const path = "/api/v1/ingest/remote-write"
	for _, far := range []int64{1_000_000_000_000_000, math.MaxInt64} {
		code, msg := s.post(t, path, "application/x-protobuf", writeRequest(t, far))
		if code != http.StatusBadRequest || !strings.Contains(msg, "future_timestamp") {
			t.Errorf("far sample: %d %s, want 400 naming future_timestamp", code, msg)
		}
	}
	now := time.Now().Add(-time.Minute).UnixMilli()
	for i := range int64(5) {
		code, msg := s.post(t, path, "application/x-protobuf", writeRequest(t, now+i*1000))
		if code != http.StatusNoContent {
			t.Fatalf("sample %d: %d %s", i, code, msg)
		}
	}

	m := s.metricsText(t)
	if re := regexp.MustCompile(`cerebro_detect_samples_skipped_total\{[^}]*out_of_order[^}]*\} ` +
		`[1-9]`); re.MatchString(m) {
		t.Errorf("detector skipped real samples as out of order:\n%s", re.FindString(m))
	}
	want := `cerebro_ingest_dropped_samples_total{reason="future_timestamp",` +
		`source="remote-write"} 2`
	if !strings.Contains(m, want) {
		t.Errorf("/metrics lacks %s", want)
	}
}

// postEncoded posts a JSON body with a Content-Encoding header to the running server.
func (s *server) postEncoded(t *testing.T, path, enc string, body []byte) (int, string) {
	t.Helper()
	return s.postWith(t, path, map[string]string{"Content-Type": "application/json",
		"Content-Encoding": enc}, body)
}

// TestWebhookContentEncodingRoutes checks Content-Encoding through the real routes: a
// gzipped Alertmanager delivery is taken, a plain one claiming gzip and one in another
// encoding are refused and store nothing.
func TestWebhookContentEncodingRoutes(t *testing.T) {
	s := start(t, t.TempDir())
	defer s.stop(t)
	sample, err := os.ReadFile("testdata/payloads/alertmanager.json")
	if err != nil {
		t.Fatal(err)
	}
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = zw.Write(sample)
	_ = zw.Close()

	const path = "/api/v1/ingest/alertmanager"
	for _, tc := range []struct {
		enc  string
		body []byte
		code int
	}{
		{"gzip", sample, http.StatusBadRequest},
		{"br", sample, http.StatusUnsupportedMediaType},
		{"gzip", zipped.Bytes(), http.StatusAccepted},
	} {
		if code, msg := s.postEncoded(t, path, tc.enc, tc.body); code != tc.code {
			t.Errorf("%s (%d bytes): %d %s, want %d", tc.enc, len(tc.body), code, msg,
				tc.code)
		}
	}
	var sigs struct{ Signals []signal.Signal }
	s.get(t, "/api/v1/signals", &sigs)
	if len(sigs.Signals) == 0 {
		t.Error("the gzipped delivery stored nothing")
	}
}
