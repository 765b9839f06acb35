//go:build e2e

package e2e

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cerebro-aiops/cerebro/internal/lab"
)

// The lab's latency is log-normal with sigma 0.5 around its median; own latency grows
// with load by 30% of the daily swing, so by 9% at the peak of a ±30% day.
const (
	meanOverMedian    = 1.1331 // exp(0.5²/2)
	p99OverMedian     = 3.2001 // exp(2.3263·0.5)
	peakLatencyFactor = 1.09
	peakTraffic       = 1.3
)

// expected is a service's normal numbers at the daily peak, from the lab's topology.
type expected struct {
	medianLatency, cpu float64
}

// normals computes each service's latency and CPU at the peak, from the topology alone.
func normals(services []lab.Service) map[string]expected {
	byName := make(map[string]lab.Service, len(services))
	for _, s := range services {
		byName[s.Name] = s
	}
	rates := make(map[string]float64)
	var rate func(name string) float64
	rate = func(name string) float64 {
		r := byName[name].ExternalRPS
		for _, s := range services {
			for _, c := range s.Calls {
				if c.Service == name {
					r += rate(s.Name) * c.PerRequest
				}
			}
		}
		return r
	}
	var median func(name string) float64
	median = func(name string) float64 {
		s := byName[name]
		m := s.SelfLatency * peakLatencyFactor
		for _, c := range s.Calls {
			m += c.PerRequest * median(c.Service)
		}
		return m
	}
	out := make(map[string]expected)
	for _, s := range services {
		rates[s.Name] = rate(s.Name) * peakTraffic
		out[s.Name] = expected{medianLatency: median(s.Name),
			cpu: s.BaseCPU + rates[s.Name]*s.CPUPerRequest}
	}
	return out
}

// rules writes the alert rules a team might keep for the shop: generic error, memory and
// availability rules, per-service latency and CPU thresholds set from normal peak values,
// and two noisy rules: a too-tight CPU threshold on catalog that fires at the daily peak,
// and a node CPU rule that flaps with the machine's load.
func rules(services []lab.Service, catalogCPUTight float64) string {
	var b strings.Builder
	b.WriteString(`groups:
- name: shop-generic
  rules:
  - alert: HighErrorRate
    expr: sum by (service) (rate(http_requests_total{code="500"}[30s])) / sum by (service) (rate(http_requests_total[30s])) > 0.05
    for: 5s
    labels: {severity: critical}
    annotations: {summary: "{{ $labels.service }} fails {{ $value | humanizePercentage }} of requests"}
  - alert: ErrorBudgetBurn
    expr: sum by (service) (rate(http_requests_total{code="500"}[30s])) / sum by (service) (rate(http_requests_total[30s])) > 0.02
    for: 10s
    labels: {severity: warning}
  - alert: MemoryLeak
    expr: deriv(process_resident_memory_bytes{job="lab"}[1m]) > 1048576
    for: 15s
    labels: {severity: warning}
    annotations: {summary: "{{ $labels.service }} memory grows {{ $value | humanize1024 }}B/s"}
  - alert: MemoryWillDouble
    expr: predict_linear(process_resident_memory_bytes{job="lab"}[2m], 600) > 2 * process_resident_memory_bytes{job="lab"}
    for: 15s
    labels: {severity: critical}
  - alert: ServiceDown
    expr: up{job="lab"} == 0
    for: 5s
    labels: {severity: critical}
- name: shop-per-service
  rules:
`)
	norm := normals(services)
	for _, s := range services {
		n := norm[s.Name]
		fmt.Fprintf(&b, `  - alert: HighLatency
    expr: sum by (service) (rate(http_request_duration_seconds_sum{service=%[1]q}[30s])) / sum by (service) (rate(http_request_duration_seconds_count{service=%[1]q}[30s])) > %[2]s
    for: 5s
    labels: {severity: warning}
  - alert: HighLatencyP99
    expr: histogram_quantile(0.99, sum by (service, le) (rate(http_request_duration_seconds_bucket{service=%[1]q}[30s]))) > %[3]s
    for: 5s
    labels: {severity: critical}
  - alert: HighCPU
    expr: rate(process_cpu_seconds_total{service=%[1]q}[1m]) > %[4]s
    for: 30s
    labels: {severity: warning}
`, s.Name, num(1.3*n.medianLatency*meanOverMedian),
			num(2.5*n.medianLatency*p99OverMedian), num(2*n.cpu))
	}
	fmt.Fprintf(&b, `- name: noisy
  rules:
  - alert: CatalogCPUHigh
    expr: rate(process_cpu_seconds_total{service="catalog"}[15s]) > %.4f
    labels: {severity: warning}
  - alert: NodeCPUBusy
    expr: 1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{mode="idle"}[15s])) > 0.2
    labels: {severity: warning}
  - alert: NodeMemoryLow
    expr: node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.03
    for: 30s
    labels: {severity: critical}
`, catalogCPUTight)
	return b.String()
}

// prometheusConfig scrapes every lab service as its own target and node_exporter, sends
// alerts to Alertmanager and remote-writes everything to CEREBRO.
func prometheusConfig(labAddr, nodeAddr, amAddr, cerebroURL string,
	services []lab.Service) string {
	var b strings.Builder
	b.WriteString(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
alerting:
  alertmanagers:
  - static_configs:
    - targets: [` + amAddr + `]
scrape_configs:
- job_name: lab
  honor_labels: true
  static_configs:
`)
	for _, s := range services {
		fmt.Fprintf(&b, `  - targets: [%s]
    labels: {service: %s, __metrics_path__: /services/%s/metrics}
`, labAddr, s.Name, s.Name)
	}
	fmt.Fprintf(&b, `- job_name: node
  scrape_interval: 2s
  scrape_timeout: 2s
  static_configs:
  - targets: [%s]
remote_write:
- url: %s/api/v1/ingest/remote-write
  queue_config:
    batch_send_deadline: 1s
    min_backoff: 100ms
    max_backoff: 2s
`, nodeAddr, cerebroURL)
	return b.String()
}

// alertmanagerConfig groups by alert and service with short timers and sends every
// notification, resolved ones too, to CEREBRO's webhook.
func alertmanagerConfig(cerebroURL string) string {
	return `route:
  receiver: cerebro
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1m
receivers:
- name: cerebro
  webhook_configs:
  - url: ` + cerebroURL + `/api/v1/ingest/alertmanager
    send_resolved: true
`
}

// cerebroConfig gives CEREBRO the lab's service graph.
func cerebroConfig(services []lab.Service) string {
	var b strings.Builder
	b.WriteString("services:\n")
	for _, s := range services {
		var deps []string
		for _, c := range s.Calls {
			deps = append(deps, c.Service)
		}
		fmt.Fprintf(&b, "- name: %s\n  depends_on: [%s]\n", s.Name, strings.Join(deps, ", "))
	}
	return b.String()
}

// num formats a threshold for PromQL.
func num(v float64) string { return fmt.Sprintf("%.4f", v) }

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatalf("writing %s: %v", name, err)
	}
	return path
}

// catalogTightThreshold is catalog's CPU when traffic runs at factor d of its mean.
func catalogTightThreshold(services []lab.Service, d float64) float64 {
	for _, s := range services {
		if s.Name == "catalog" {
			perRequest := normals(services)["catalog"].cpu - s.BaseCPU
			return s.BaseCPU + perRequest/peakTraffic*d
		}
	}
	return math.NaN()
}
