package logs

import "github.com/prometheus/client_golang/prometheus"

// metrics are the logs stage's counters. Hot paths add per batch or per event, never log.
type metrics struct {
	lines     prometheus.Counter
	templates prometheus.Gauge
	evicted   prometheus.Counter
	truncated prometheus.Counter
	dropped   prometheus.Counter
	signals   *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		lines: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cerebro_logs_lines_total", Help: "Log lines mined."}),
		templates: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cerebro_logs_templates", Help: "Templates held, all services."}),
		evicted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cerebro_logs_templates_evicted_total",
			Help: "Templates evicted because a service reached max_templates_per_service."}),
		truncated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cerebro_logs_lines_truncated_total",
			Help: "Lines cut at max_line_bytes or max_words."}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cerebro_logs_lines_dropped_total",
			Help: "Lines dropped because max_services was reached."}),
		signals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cerebro_logs_signals_total", Help: "Log signals raised, by reason."},
			[]string{"reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.lines, m.templates, m.evicted, m.truncated, m.dropped, m.signals)
	}
	return m
}

// count records one mined line's effect on the bounded state.
func (m *metrics) count(evicted, truncated int64, isNew bool) {
	if evicted > 0 {
		m.evicted.Add(float64(evicted))
		m.templates.Sub(float64(evicted))
	}
	if truncated > 0 {
		m.truncated.Add(float64(truncated))
	}
	if isNew {
		m.templates.Inc()
	}
}
