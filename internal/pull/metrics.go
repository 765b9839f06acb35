package pull

import (
	"errors"
	"net/url"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the pull mode's own counters, shared by every Puller of a registry and
// told apart by a url label: one value per pull section, so the cardinality is the
// config's.
type metrics struct {
	queries *prometheus.CounterVec
	samples *prometheus.CounterVec
	dropped *prometheus.CounterVec
	ranges  *prometheus.CounterVec
	// abandoned counts the gaps given up: their range query failed, an instant one did not.
	abandoned *prometheus.CounterVec
}

func newMetrics() *metrics {
	return &metrics{
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cerebro_pull_queries_total",
			Help: "Queries to the Prometheus HTTP API, by server and result (ok or error).",
		}, []string{"url", "result"}),
		samples: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cerebro_pull_samples_total",
			Help: "Samples pulled and handed to detection, by server.",
		}, []string{"url"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cerebro_pull_dropped_samples_total",
			Help: "Pulled samples dropped for being NaN or infinite, by server.",
		}, []string{"url"}),
		ranges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cerebro_pull_catch_up_queries_total",
			Help: "Range queries that filled a gap after missed intervals or a restart, " +
				"by server.",
		}, []string{"url"}),
		abandoned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cerebro_pull_abandoned_catch_ups_total",
			Help: "Gaps given up, by server: their range query failed while an instant " +
				"query succeeded.",
		}, []string{"url"}),
	}
}

// register adds the counters to reg, or takes the ones already there: every pull section
// builds its Puller with the same registry, and registering twice panicked.
func (m *metrics) register(reg prometheus.Registerer) {
	for _, c := range []**prometheus.CounterVec{&m.queries, &m.samples, &m.dropped,
		&m.ranges, &m.abandoned} {
		*c = registerVec(reg, *c)
	}
}

func registerVec(reg prometheus.Registerer, c *prometheus.CounterVec) *prometheus.CounterVec {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	switch {
	case err == nil:
		return c
	case errors.As(err, &are):
		if prev, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
			return prev
		}
	}
	panic(err)
}

// urlLabel is the url label value of a server: its URL without the password, which
// /metrics would show to anyone who can read it.
func urlLabel(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}

// serverMetrics are the counters of one server.
type serverMetrics struct {
	ok, failed, samples, dropped, ranges, abandoned prometheus.Counter
}

func (m *metrics) forURL(raw string) serverMetrics {
	u := urlLabel(raw)
	return serverMetrics{
		ok: m.queries.WithLabelValues(u, "ok"), failed: m.queries.WithLabelValues(u, "error"),
		samples: m.samples.WithLabelValues(u), dropped: m.dropped.WithLabelValues(u),
		ranges: m.ranges.WithLabelValues(u), abandoned: m.abandoned.WithLabelValues(u),
	}
}
