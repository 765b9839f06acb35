//go:build e2e

package e2e

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// The pull scenario's pace: Prometheus scrapes every second and CEREBRO queries it every
// two, so a series passes the detectors' min_history (1m and 20 samples) in about a
// minute and a half.
const (
	pullMetric   = "e2e_queue_latency_seconds"
	pullWarmUp   = 90 * time.Second
	pullSpikeFor = 6 * time.Second
	pullNormal   = 0.2  // seconds, the queues' normal latency
	pullNoise    = 0.01 // and its standard deviation
	pullSpike    = 2.0  // a latency some 180 standard deviations out
)

// TestPullMode runs CEREBRO's pull mode against a real Prometheus: Prometheus scrapes an
// exporter of two queues' latency, and CEREBRO queries Prometheus's HTTP API for them.
// A latency spike on queue a must page while CEREBRO runs. A spike on queue b while
// CEREBRO is stopped must page after it restarts: the pull positions in its snapshot make
// it ask Prometheus for the span it missed, and the restored baselines judge it. A
// selector that is valid PromQL but that Prometheus fails to evaluate (two series made
// one label set) is counted as an error without stopping the others.
func TestPullMode(t *testing.T) {
	requirePeers(t)
	ps := newProcs(t)
	bin := buildCerebro(t, t.TempDir())
	exp := startQueueExporter(t)
	promAddr, cerebroAddr := freeAddr(t), freeAddr(t)
	cerebroURL := "http://" + cerebroAddr

	promCfg := writeFile(t, ps.dir, "prometheus-pull.yml", fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
- job_name: queues
  static_configs: [{targets: [%q]}]
`, exp.addr))
	ps.start(t, "prometheus", "/usr/bin/prometheus", "--config.file="+promCfg,
		"--storage.tsdb.path="+filepath.Join(ps.dir, "prom-data"),
		"--web.listen-address="+promAddr)
	ps.poll(t, "prometheus ready", time.Minute, func() (bool, string) {
		return httpOK("http://" + promAddr + "/-/ready")
	})

	cfg := writeFile(t, ps.dir, "cerebro-pull.yaml", fmt.Sprintf(`pull:
- url: http://%s
  interval: 2s
  selectors: [%q, 'label_replace(%s, "queue", "x", "", "")']
`, promAddr, pullMetric, pullMetric))
	dataDir := filepath.Join(ps.dir, "cerebro-data")
	args := []string{"serve", "--config", cfg, "--listen", cerebroAddr, "--data-dir", dataDir}
	cerebro := ps.start(t, "cerebro", bin, args...)
	ps.poll(t, "cerebro ready", time.Minute, func() (bool, string) {
		return httpOK(cerebroURL + "/readyz")
	})
	c := &client{base: cerebroURL, ps: ps}

	// Warm-up: both queues' baselines learn from what CEREBRO pulls.
	var firstPulled time.Time
	ps.poll(t, "pull warm-up", pullWarmUp+time.Minute, func() (bool, string) {
		n := metricValue(t, cerebroURL, "cerebro_pull_samples_total", "")
		if n > 0 && firstPulled.IsZero() {
			firstPulled = time.Now()
		}
		return n > 0 && time.Since(firstPulled) >= pullWarmUp,
			fmt.Sprintf("%v samples pulled", n)
	})
	if len(anomalySignals(t, c)) > 0 {
		t.Errorf("anomalies on steady queues during warm-up: %s", queueAnomalies(t, c))
	}
	if n := metricValue(t, cerebroURL, "cerebro_pull_queries_total", "error"); n == 0 {
		t.Errorf("the selector Prometheus fails to evaluate was not counted as an error")
	}

	// A spike while CEREBRO runs.
	began := time.Now()
	exp.spike("a", pullSpikeFor)
	ps.poll(t, "queue a's spike paged", time.Minute, func() (bool, string) {
		got := queueAnomalies(t, c)
		return strings.Contains(got, "queue=a"), got
	})
	t.Logf("queue a paged %s after its spike began", time.Since(began).Round(time.Second))

	// A spike while CEREBRO is down, seen after the restart.
	ps.stop(t, cerebro)
	down := time.Now()
	exp.spike("b", pullSpikeFor)
	time.Sleep(pullSpikeFor + 4*time.Second) // CEREBRO must miss the whole spike
	ps.start(t, "cerebro-restarted", bin, args...)
	up := time.Now()
	ps.poll(t, "cerebro ready again", time.Minute, func() (bool, string) {
		return httpOK(cerebroURL + "/readyz")
	})
	ps.poll(t, "queue b's spike paged after the restart", time.Minute, func() (bool, string) {
		got := queueAnomalies(t, c)
		return strings.Contains(got, "queue=b"), got
	})
	for _, s := range anomalySignals(t, c) {
		if s.Labels["queue"] == "b" && (s.StartsAt.Before(down) || s.StartsAt.After(up)) {
			t.Errorf("queue b's anomaly starts at %s, not while CEREBRO was down (%s to %s)",
				s.StartsAt, down.UTC(), up.UTC())
		}
	}
	if n := metricValue(t, cerebroURL, "cerebro_pull_catch_up_queries_total", ""); n == 0 {
		t.Errorf("no catch-up range query after the restart")
	}
}

// queueExporter serves two queues' latency as a Prometheus exporter: steady noise, or a
// spike while one is switched on.
type queueExporter struct {
	addr   string
	spikes map[string]*atomic.Int64 // Unix ms until which the queue spikes
}

func startQueueExporter(t *testing.T) *queueExporter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("exporter listen: %v", err)
	}
	e := &queueExporter{addr: ln.Addr().String(), spikes: map[string]*atomic.Int64{}}
	reg := prometheus.NewRegistry()
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	for _, q := range []string{"a", "b"} {
		until := &atomic.Int64{}
		e.spikes[q] = until
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: pullMetric, Help: "Latency of a queue.",
			ConstLabels: prometheus.Labels{"queue": q},
		}, func() float64 {
			if time.Now().UnixMilli() < until.Load() {
				return pullSpike
			}
			mu.Lock()
			defer mu.Unlock()
			return pullNormal + pullNoise*rng.NormFloat64()
		}))
	}
	srv := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return e
}

// spike makes queue q report the spike value for d from now.
func (e *queueExporter) spike(q string, d time.Duration) {
	e.spikes[q].Store(time.Now().Add(d).UnixMilli())
}

// anomalySignals returns the firing anomaly signals of the queue metric.
func anomalySignals(t *testing.T, c *client) []signal.Signal {
	t.Helper()
	var body struct {
		Signals []signal.Signal `json:"signals"`
	}
	c.get(t, "/api/v1/signals?source=detect&kind=anomaly&limit=1000", &body)
	var out []signal.Signal
	for _, s := range body.Signals {
		if s.Name == pullMetric && s.Status == signal.StatusFiring {
			out = append(out, s)
		}
	}
	return out
}

// queueAnomalies lists the firing anomalies of the queue metric as "queue=q at time".
func queueAnomalies(t *testing.T, c *client) string {
	t.Helper()
	var parts []string
	for _, s := range anomalySignals(t, c) {
		parts = append(parts, fmt.Sprintf("queue=%s at %s (score %.2f)",
			s.Labels["queue"], s.StartsAt.Format(time.TimeOnly), s.Score))
	}
	if len(parts) == 0 {
		return "no anomaly on the queues yet"
	}
	return strings.Join(parts, ", ")
}

// metricValue scrapes CEREBRO's /metrics and sums a family's samples, only those whose
// result label is result when result is set.
func metricValue(t *testing.T, cerebroURL, family, result string) float64 {
	t.Helper()
	sum := 0.0
	for _, m := range scrapeCerebro(t, cerebroURL)[family].GetMetric() {
		if result == "" || lbl(m.GetLabel(), "result") == result {
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}
