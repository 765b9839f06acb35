package pull

import "github.com/prometheus/client_golang/prometheus"

// metrics are the pull mode's own counters.
type metrics struct {
	queries *prometheus.CounterVec
	samples prometheus.Counter
	dropped prometheus.Counter
	ranges  prometheus.Counter
}

func newMetrics() *metrics {
	return &metrics{
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cerebro_pull_queries_total",
			Help: "Queries to the Prometheus HTTP API, by result (ok or error).",
		}, []string{"result"}),
		samples: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cerebro_pull_samples_total",
			Help: "Samples pulled and handed to detection.",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cerebro_pull_dropped_samples_total",
			Help: "Pulled samples dropped for being NaN or infinite.",
		}),
		ranges: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cerebro_pull_catch_up_queries_total",
			Help: "Range queries that filled a gap after missed intervals or a restart.",
		}),
	}
}

func (m *metrics) register(reg prometheus.Registerer) {
	reg.MustRegister(m.queries, m.samples, m.dropped, m.ranges)
}
