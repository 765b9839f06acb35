package correlate

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	signals  *prometheus.CounterVec
	opened   prometheus.Counter
	resolved prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		signals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cerebro_correlate_signals_total",
			Help: "Signals applied by correlate, by outcome.",
		}, []string{"outcome"}),
		opened: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cerebro_correlate_incidents_opened_total",
			Help: "Incidents opened.",
		}),
		resolved: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cerebro_correlate_incidents_resolved_total",
			Help: "Incidents resolved.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.signals, m.opened, m.resolved)
	}
	return m
}
