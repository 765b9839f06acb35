package correlate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cerebro-aiops/cerebro/internal/signal"
	"github.com/cerebro-aiops/cerebro/internal/store"
)

// distinguishing are the labels that tell apart alerts of one name on one service: the
// scrape target, the Kubernetes object, the host, the device. PagerDuty's payload source
// (the affected system, usually a host) is kept as "source". An alert's other labels
// (severity, team, folder) say how it is routed, not which one it is.
var distinguishing = []string{
	"container", "device", "host", "instance", "mountpoint", "node", "object", "pod",
	"source",
}

// describe names a signal the way an SRE reads an alert: kind, name with the labels that
// distinguish it (InstanceDown{instance="db-1:9100"}), in key order as Prometheus writes
// them, then service and source. Two alerts that differ only in their instance used to
// read the same. A label equal to the service or the name is left out: it says nothing
// new.
func describe(s *signal.Signal) string {
	name := s.Name
	if name == "" {
		name = s.Fingerprint
	}
	name += labelSuffix(s)
	if s.Service != "" {
		return fmt.Sprintf("%s %s on %s (%s)", s.Kind, name, s.Service, s.Source)
	}
	return fmt.Sprintf("%s %s (%s)", s.Kind, name, s.Source)
}

// labelSuffix is the {k="v",...} part of a name, or "" when no label distinguishes it.
func labelSuffix(s *signal.Signal) string {
	keys := make([]string, 0, len(s.Labels))
	for k, v := range s.Labels {
		if v != "" && v != s.Service && v != s.Name && distinguishes(s.Kind, k) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%q", k, s.Labels[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// distinguishes reports whether label k tells signals of kind apart. An anomaly or a
// forecast is about one series, and every label of the series but its job and service is
// its identity: http_requests_total{code="500"} is not http_requests_total{code="200"}.
func distinguishes(kind signal.Kind, k string) bool {
	if kind == signal.KindAnomaly || kind == signal.KindForecast {
		return k != "job" && k != "service" && !strings.HasPrefix(k, "__")
	}
	return slices.Contains(distinguishing, k)
}

// describeIn names s for a timeline row of incident id. A signal that carries only its
// identity, as a PagerDuty acknowledge or resolve does, is named after the member's first
// signal, so that its row names the alert rather than its hash.
func describeIn(tx *store.Tx, id int64, s *signal.Signal) (string, error) {
	if s.Name != "" {
		return describe(s), nil
	}
	first, ok, err := tx.FirstSignal(id, s.Fingerprint)
	if err != nil || !ok {
		return describe(s), err
	}
	return describe(&first), nil
}
