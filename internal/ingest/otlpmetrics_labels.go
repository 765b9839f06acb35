package ingest

import (
	"fmt"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// resourceLabels maps the resource attributes that identify where a metric comes from to
// label names. Other resource attributes are left out: they describe the process (SDK
// version, OS, command line) and would only multiply series.
var resourceLabels = map[string]string{
	"service.name":           "service",
	"service.namespace":      "service_namespace",
	"service.instance.id":    "instance",
	"deployment.environment": "env",
	"host.name":              "host",
	"k8s.namespace.name":     "namespace",
	"k8s.pod.name":           "pod",
	"k8s.container.name":     "container",
}

// attrLabel is one attribute on its way to becoming a label: the label name it maps to,
// the key it came from, and its value.
type attrLabel struct {
	name, key, value string
}

// mergeAttrs appends to out one label per distinct name in attrs, sorted by name. The
// values of attributes that map to the same name (k.x and k_x both become k_x) are joined
// with ";" in the order of their keys, a value equal to the one before it left out, as
// Prometheus's OTLP receiver does; keys repeated in the payload keep the payload's order.
// Dropping such a point instead lost whole series of ordinary telemetry, and taking one
// value would hide the other; sorting by key first keeps identity independent of the order
// the sender wrote the attributes in. attrs is reordered.
func mergeAttrs(attrs []attrLabel, out []signal.Label) []signal.Label {
	slices.SortStableFunc(attrs, func(a, b attrLabel) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	for _, a := range attrs {
		n := len(out)
		if n == 0 || out[n-1].Name != a.name {
			out = append(out, signal.Label{Name: a.name, Value: a.value})
			continue
		}
		if out[n-1].Value != a.value {
			out[n-1].Value += ";" + a.value
		}
	}
	return out
}

// setResource sets the labels that the resource attributes of resourceLabels give every
// point of one ResourceMetrics.
func (c *otlpConverter) setResource(attrs pcommon.Map) {
	c.scratch = c.scratch[:0]
	for k, v := range attrs.All() {
		name, ok := resourceLabels[k]
		if !ok {
			continue
		}
		s, shallow := anyString(v)
		if !shallow {
			c.err = errTooDeep(fmt.Sprintf("resource attribute %.64q", k))
			break
		}
		if s != "" {
			c.scratch = append(c.scratch, attrLabel{name: name, key: k, value: s})
		}
	}
	c.resource = mergeAttrs(c.scratch, c.resource[:0])
}

// pointLabels returns the labels that every series of one data point shares: its
// attributes under their sanitized names, then the resource labels whose name no attribute
// took. The point's own attribute wins because it is the more specific, as the
// OpenTelemetry attribute precedence rules and Prometheus's promoted resource attributes
// have it: kube-state-metrics reports namespace="payments" for the pod it describes while
// its own resource says k8s.namespace.name="monitoring". The result is valid until the
// next call.
func (c *otlpConverter) pointLabels(attrs pcommon.Map) []signal.Label {
	c.scratch = c.scratch[:0]
	for k, v := range attrs.All() {
		s, shallow := anyString(v)
		if !shallow {
			c.err = errTooDeep(fmt.Sprintf("data point attribute %.64q", k))
			break
		}
		if s != "" {
			c.scratch = append(c.scratch, attrLabel{name: promName(k), key: k, value: s})
		}
	}
	c.base = mergeAttrs(c.scratch, c.base[:0])
	n := len(c.base)
	for _, r := range c.resource {
		if !hasLabel(c.base[:n], r.Name) {
			c.base = append(c.base, r)
		}
	}
	return c.base
}

// seriesLabels builds the label set of one series of a point: the metric name, the point's
// labels and extra (a summary's quantile). The metric name and extra replace attributes of
// the same name, so that an attribute called quantile cannot make two quantiles one series.
func seriesLabels(name string, base, extra []signal.Label) []signal.Label {
	ls := make([]signal.Label, 0, 1+len(base)+len(extra))
	ls = append(ls, signal.Label{Name: "__name__", Value: name})
	for _, l := range base {
		if l.Name != "__name__" && !hasLabel(extra, l.Name) {
			ls = append(ls, l)
		}
	}
	return append(ls, extra...)
}

// hasLabel reports whether ls holds a label called name.
func hasLabel(ls []signal.Label, name string) bool {
	return slices.ContainsFunc(ls, func(l signal.Label) bool { return l.Name == name })
}
