package lab

import (
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// sample is a copy of one service's metric values at one time.
type sample struct {
	version     string
	startedAt   time.Time
	requests    float64
	errors      float64
	buckets     []float64
	durationSum float64
	cpuSeconds  float64
	memory      float64
	inFlight    float64
	calls       []float64
}

// sample advances the world to t and copies the named service's values.
func (w *world) sample(t time.Time, name string) sample {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.advance(t)
	s := w.services[w.index[name]]
	return sample{
		version: s.version, startedAt: s.startedAt, requests: s.requests, errors: s.errors,
		buckets: append([]float64(nil), s.buckets...), durationSum: s.durationSum,
		cpuSeconds: s.cpuSeconds, memory: s.memory, calls: append([]float64(nil), s.calls...),
		// Little's law: requests in flight are arrivals times time in the system.
		inFlight: s.rate * s.latency * math.Exp(latencySigma*latencySigma/2),
	}
}

// collector exposes one service's metrics, as the service's own client library would.
// Every series carries service="<name>" so that identity survives any scrape config.
type collector struct {
	w     *world
	clock Clock
	spec  Service

	requests, duration, inFlight, cpu, memory, started, build, calls *prometheus.Desc
}

func newCollector(w *world, clock Clock, spec Service) *collector {
	constant := prometheus.Labels{"service": spec.Name}
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, constant)
	}
	return &collector{
		w: w, clock: clock, spec: spec,
		requests: desc("http_requests_total", "HTTP requests served, by status code.", "code"),
		duration: desc("http_request_duration_seconds", "Time to serve an HTTP request."),
		inFlight: desc("http_requests_in_flight", "HTTP requests being served now."),
		cpu:      desc("process_cpu_seconds_total", "CPU time used by the process."),
		memory:   desc("process_resident_memory_bytes", "Resident memory of the process."),
		started:  desc("process_start_time_seconds", "Unix time the process started."),
		build:    desc("lab_build_info", "The version running; always 1.", "version"),
		calls: desc("http_client_requests_total",
			"HTTP requests sent to downstream services, by target.", "target"),
	}
}

// Describe sends the descriptors of every metric the service exposes.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.requests, c.duration, c.inFlight, c.cpu,
		c.memory, c.started, c.build, c.calls} {
		ch <- d
	}
}

// Collect advances the world to now and sends the service's current values.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s := c.w.sample(c.clock.Now(), c.spec.Name)
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, math.Floor(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}

	counter(c.requests, s.requests-s.errors, "200")
	counter(c.requests, s.errors, "500")
	ch <- prometheus.MustNewConstHistogram(c.duration, uint64(s.requests), s.durationSum,
		histogramBuckets(s.buckets))
	gauge(c.inFlight, math.Round(s.inFlight))
	ch <- prometheus.MustNewConstMetric(c.cpu, prometheus.CounterValue, s.cpuSeconds)
	gauge(c.memory, math.Round(s.memory))
	gauge(c.started, float64(s.startedAt.Unix()))
	gauge(c.build, 1, s.version)
	for k, call := range c.spec.Calls {
		counter(c.calls, s.calls[k], call.Service)
	}
}

// histogramBuckets turns integrated bucket counts into whole cumulative counts. Flooring a
// non-decreasing sequence keeps it non-decreasing, as Prometheus requires.
func histogramBuckets(counts []float64) map[float64]uint64 {
	out := make(map[float64]uint64, len(counts))
	for b, le := range bucketBounds {
		out[le] = uint64(counts[b])
	}
	return out
}
