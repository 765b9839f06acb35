package app

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// TestLeakNamesDeploy runs a deploy through the changes route and a leaking process's
// memory through remote_write: the leak signal must name the deploy, which reaches
// detection only through the signal sink.
func TestLeakNamesDeploy(t *testing.T) {
	s := start(t, t.TempDir())
	defer s.stop(t)
	const step = 5 * time.Second
	begin := time.Now().Add(-30 * time.Minute).Truncate(time.Second)
	growth := begin.Add(10 * time.Minute)

	change := fmt.Sprintf(`{"type":"deploy","service":"payments","version":"v2",`+
		`"previous_version":"v1","time":%q}`, growth.Add(-time.Minute).Format(time.RFC3339))
	if code, msg := s.post(t, "/api/v1/ingest/changes", "application/json",
		[]byte(change)); code != http.StatusAccepted {
		t.Fatalf("posting the deploy: %d %s", code, msg)
	}

	labels := []prompb.Label{{Name: "__name__", Value: "process_resident_memory_bytes"},
		{Name: "instance", Value: "payments-1"}, {Name: "service", Value: "payments"}}
	var batch []prompb.Sample
	for at := begin; at.Before(time.Now().Add(-time.Second)); at = at.Add(step) {
		v := 2e8
		if at.After(growth) {
			v += 2e8 * 0.05 * at.Sub(growth).Minutes() / 5 // 5% of the level per 5 minutes
		}
		batch = append(batch, prompb.Sample{Value: v + float64(at.Unix()%7)*1e4,
			Timestamp: at.UnixMilli()})
		if len(batch) == 60 {
			postSamples(t, s, labels, batch)
			batch = batch[:0]
		}
	}
	postSamples(t, s, labels, batch)

	var body struct {
		Signals []signal.Signal `json:"signals"`
	}
	s.get(t, "/api/v1/signals?source=detect&kind=anomaly&limit=100", &body)
	for _, sig := range body.Signals {
		if sig.Labels["detector"] != "leak" || sig.Status != signal.StatusFiring {
			continue
		}
		if want := "deploy payments v2 (v1 -> v2)"; sig.Annotations["after_change"] != want {
			t.Errorf("leak names %q, want %q: %s", sig.Annotations["after_change"], want,
				sig.Summary)
		}
		return
	}
	for _, sig := range body.Signals {
		t.Log(sig.Summary)
	}
	t.Fatalf("no leak signal among %d detect signals", len(body.Signals))
}

// postSamples sends one remote_write request of one series.
func postSamples(t *testing.T, s *server, labels []prompb.Label, smps []prompb.Sample) {
	t.Helper()
	raw, err := (&prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{
		Labels: labels, Samples: smps}}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	code, msg := s.post(t, "/api/v1/ingest/remote-write", "application/x-protobuf",
		snappy.Encode(nil, raw))
	if code != http.StatusNoContent {
		t.Fatalf("remote_write: %d %s", code, msg)
	}
}
