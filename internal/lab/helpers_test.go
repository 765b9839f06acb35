package lab

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// start is the test epoch: midnight UTC, the trough of the lab's day.
var start = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// testLab is a lab on a manual clock, served by an httptest server.
type testLab struct {
	*Lab
	clock *ManualClock
	srv   *httptest.Server
}

func newTestLab(t *testing.T, cfg Config) *testLab {
	t.Helper()
	clock := NewManualClock(start)
	cfg.Clock = clock
	l, err := New(cfg, discardLog())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(l.Handler())
	t.Cleanup(srv.Close)
	return &testLab{Lab: l, clock: clock, srv: srv}
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// reading is one service's counters and gauges from one scrape of its /metrics.
type reading struct {
	requests, errors, count, sum, cpu, memory float64
	version                                   string
}

// scrape fetches and parses one service's exposition, as Prometheus would.
func (tl *testLab) scrape(t *testing.T, service string) reading {
	t.Helper()
	resp, err := http.Get(tl.srv.URL + "/services/" + service + "/metrics")
	if err != nil {
		t.Fatalf("scraping %s: %v", service, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scraping %s: %s", service, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing %s metrics: %v", service, err)
	}

	var r reading
	for _, m := range mfs["http_requests_total"].GetMetric() {
		checkService(t, m, service)
		r.requests += m.GetCounter().GetValue()
		if label(m, "code") == "500" {
			r.errors += m.GetCounter().GetValue()
		}
	}
	h := mfs["http_request_duration_seconds"].GetMetric()[0].GetHistogram()
	r.count, r.sum = float64(h.GetSampleCount()), h.GetSampleSum()
	r.cpu = mfs["process_cpu_seconds_total"].GetMetric()[0].GetCounter().GetValue()
	r.memory = mfs["process_resident_memory_bytes"].GetMetric()[0].GetGauge().GetValue()
	info := mfs["lab_build_info"].GetMetric()[0]
	checkService(t, info, service)
	r.version = label(info, "version")
	return r
}

func checkService(t *testing.T, m *dto.Metric, service string) {
	t.Helper()
	if got := label(m, "service"); got != service {
		t.Fatalf("series has service=%q, want %q", got, service)
	}
}

func label(m *dto.Metric, name string) string {
	for _, lp := range m.GetLabel() {
		if lp.GetName() == name {
			return lp.GetValue()
		}
	}
	return ""
}

// window is what a service did between two readings.
type window struct {
	rate, errRatio, avgLatency, cpu, memory float64
}

func between(a, b reading, d time.Duration) window {
	req := b.requests - a.requests
	return window{
		rate:       req / d.Seconds(),
		errRatio:   (b.errors - a.errors) / req,
		avgLatency: (b.sum - a.sum) / (b.count - a.count),
		cpu:        (b.cpu - a.cpu) / d.Seconds(),
		memory:     b.memory,
	}
}

// measure advances the clock by d, scraping every second as Prometheus would, and returns
// each service's window.
func (tl *testLab) measure(t *testing.T, d time.Duration) map[string]window {
	t.Helper()
	first := tl.scrapeAll(t)
	for elapsed := time.Duration(0); elapsed < d; elapsed += time.Second {
		tl.clock.Advance(time.Second)
		tl.scrapeAll(t)
	}
	last := tl.scrapeAll(t)
	out := make(map[string]window, len(first))
	for name := range first {
		out[name] = between(first[name], last[name], d)
	}
	return out
}

func (tl *testLab) scrapeAll(t *testing.T) map[string]reading {
	t.Helper()
	out := make(map[string]reading)
	for _, s := range tl.Services() {
		out[s] = tl.scrape(t, s)
	}
	return out
}
