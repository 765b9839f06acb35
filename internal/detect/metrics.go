package detect

import "github.com/prometheus/client_golang/prometheus"

// metrics are the Engine's own Prometheus metrics.
type metrics struct {
	samples prometheus.CounterFunc // sums the shards' counts when scraped
	offHeap prometheus.GaugeFunc   // reads Engine.OffHeapBytes when scraped
	skipped *prometheus.CounterVec
	series  prometheus.Gauge
	dropped prometheus.Counter
	evicted prometheus.Counter
	signals *prometheus.CounterVec
	// leaksHeld counts samples at which a memory series grew like a leak but its
	// owner's load grew at least as fast (leakctx.go).
	leaksHeld prometheus.Counter
}

// newMetrics builds the metrics; scored reads the per-shard sample counts, which are
// kept under the shard locks so that the hot path shares no cache line between cores.
// offHeap reads the bytes the engine holds outside the Go heap: the Go runtime's metrics
// do not see them, and without this gauge an arena or slab that grew would show only in
// the process's RSS.
func newMetrics(scored, offHeap func() float64) *metrics {
	return &metrics{
		samples: prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "cerebro_detect_samples_total",
			Help: "Samples scored by the detectors.",
		}, scored),
		offHeap: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "cerebro_detect_offheap_bytes",
			Help: "Bytes of series records, keys and table slots held outside the Go heap.",
		}, offHeap),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cerebro_detect_samples_skipped_total",
			Help: "Samples not scored, by reason: nan, bad_time, out_of_order, out_of_range, " +
				"bucket, labels_too_long.",
		}, []string{"reason"}),
		series: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cerebro_detect_series",
			Help: "Series whose detector state is held.",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cerebro_detect_series_dropped_total",
			Help: "New series not tracked because max_series was reached.",
		}),
		evicted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cerebro_detect_series_evicted_total",
			Help: "Idle series whose state was evicted to make room.",
		}),
		signals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cerebro_detect_signals_total",
			Help: "Signals raised, by kind and status.",
		}, []string{"kind", "status"}),
		leaksHeld: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cerebro_detect_leaks_following_load_total",
			Help: "Samples at which memory grew like a leak, held back because its " +
				"service's load grew at least as fast.",
		}),
	}
}

func (m *metrics) register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.samples, m.offHeap, m.skipped, m.series,
		m.dropped, m.evicted, m.signals, m.leaksHeld} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// batchStats counts one Observe call, so the shared counters are touched once per call
// rather than once per sample.
type batchStats struct {
	scored, nan, order, badTime, huge int
}

func (m *metrics) add(s batchStats) {
	if s.nan > 0 {
		m.skipped.WithLabelValues("nan").Add(float64(s.nan))
	}
	if s.badTime > 0 {
		m.skipped.WithLabelValues("bad_time").Add(float64(s.badTime))
	}
	if s.order > 0 {
		m.skipped.WithLabelValues("out_of_order").Add(float64(s.order))
	}
	if s.huge > 0 {
		m.skipped.WithLabelValues("out_of_range").Add(float64(s.huge))
	}
}
