package kube

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	signals     *prometheus.CounterVec
	duplicates  prometheus.Counter
	invalid     prometheus.Counter
	watchErrors prometheus.Counter
	failures    prometheus.Counter
	dropped     prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	}
	m := &metrics{
		signals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cerebro_kube_signals_total",
			Help: "Signals stored from the Kubernetes watcher, by kind.",
		}, []string{"kind"}),
		duplicates: counter("cerebro_kube_duplicates_total",
			"Object updates skipped because their uid and resourceVersion were seen."),
		invalid: counter("cerebro_kube_invalid_objects_total",
			"Objects skipped because they lack a field their identity needs (uid, name)."),
		watchErrors: counter("cerebro_kube_watch_errors_total",
			"Failed Kubernetes list or watch calls; the informers retry them."),
		failures: counter("cerebro_kube_store_failures_total",
			"Failed attempts to store Kubernetes signals."),
		dropped: counter("cerebro_kube_dropped_signals_total",
			"Kubernetes signals dropped: every store attempt failed, or the watcher stopped."),
	}
	reg.MustRegister(m.signals, m.duplicates, m.invalid, m.watchErrors, m.failures,
		m.dropped)
	return m
}
