package ingest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// labelMetrics is one gauge point with the given resource and point attributes, each a
// list of keys and values in the order the sender wrote them.
func labelMetrics(res, attrs []string) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	for i := 0; i+1 < len(res); i += 2 {
		rm.Resource().Attributes().PutStr(res[i], res[i+1])
	}
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("queue.depth")
	dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
	for i := 0; i+1 < len(attrs); i += 2 {
		dp.Attributes().PutStr(attrs[i], attrs[i+1])
	}
	dp.SetDoubleValue(1)
	dp.SetTimestamp(1_700_000_000_000_000_000)
	return md
}

// encodeOTLP marshals md as protobuf or JSON.
func encodeOTLP(t *testing.T, md pmetric.Metrics, isJSON bool) []byte {
	t.Helper()
	req := pmetricotlp.NewExportRequestFromMetrics(md)
	var b []byte
	var err error
	if isJSON {
		b, err = req.MarshalJSON()
	} else {
		b, err = req.MarshalProto()
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// manyAttrs is n distinct attributes, more labels than a series may have when n is large.
func manyAttrs(n int) []string {
	var kv []string
	for i := range n {
		kv = append(kv, fmt.Sprintf("a%d", i), "v")
	}
	return kv
}

func TestOTLPMetricsLabelMapping(t *testing.T) {
	k8s := []string{"service.name", "kube-state-metrics", "k8s.namespace.name", "monitoring",
		"k8s.pod.name", "ksm-0"}
	cases := []struct {
		name        string
		res, attrs  []string
		want        []signal.Label // nil when the point is dropped
		reason      string         // why it is dropped
		notJSONSafe bool           // the JSON encoder would repair the payload
	}{
		{name: "k8s attributes beside the k8s resource", res: k8s,
			attrs: []string{"namespace", "payments", "pod", "payments-7d9f", "container", "app"},
			want: lbl("__name__", "queue_depth", "container", "app", "namespace", "payments",
				"pod", "payments-7d9f", "service", "kube-state-metrics")},
		{name: "resource labels without attributes of their names", res: k8s,
			attrs: []string{"container", "app"},
			want: lbl("__name__", "queue_depth", "container", "app", "namespace", "monitoring",
				"pod", "ksm-0", "service", "kube-state-metrics")},
		{name: "host beside host.name",
			res:   []string{"service.name", "checkout", "host.name", "node1"},
			attrs: []string{"host", "upstream-x"},
			want:  lbl("__name__", "queue_depth", "host", "upstream-x", "service", "checkout")},
		{name: "k.x and k_x", attrs: []string{"k.x", "1", "k_x", "2"},
			want: lbl("__name__", "queue_depth", "k_x", "1;2")},
		{name: "k_x and k.x, the other order", attrs: []string{"k_x", "2", "k.x", "1"},
			want: lbl("__name__", "queue_depth", "k_x", "1;2")},
		{name: "k.x and k_x with one value", attrs: []string{"k_x", "1", "k.x", "1"},
			want: lbl("__name__", "queue_depth", "k_x", "1")},
		{name: "an attribute called __name__", attrs: []string{"__name__", "other", "a", "b"},
			want: lbl("__name__", "queue_depth", "a", "b")},
		{name: "value not UTF-8", attrs: []string{"bad", "\xff\xfeX"}, reason: "invalid_label",
			notJSONSafe: true},
		{name: "too many labels", attrs: manyAttrs(MaxSeriesLabels), reason: "label_limit"},
	}
	for _, tc := range cases {
		for _, isJSON := range []bool{false, true} {
			if isJSON && tc.notJSONSafe {
				continue
			}
			t.Run(fmt.Sprintf("%s/json=%t", tc.name, isJSON), func(t *testing.T) {
				body := encodeOTLP(t, labelMetrics(tc.res, tc.attrs), isJSON)
				series, d, err := DecodeOTLPMetrics(body, isJSON, time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				checkLabelMapping(t, series, d, tc.want, tc.reason)
			})
		}
	}
}

// checkLabelMapping asserts that one point gave one series labelled want, or, when want
// is nil, that it was dropped for reason.
func checkLabelMapping(t *testing.T, series []signal.Series, d *drops, want []signal.Label,
	reason string) {
	t.Helper()
	if want == nil {
		if len(series) != 0 || d.invalid != 1 || d.first.String() != reason {
			t.Fatalf("got %v, %d dropped for %s; want it dropped for %s", series, d.invalid,
				d.first, reason)
		}
		return
	}
	if d.invalid != 0 || len(series) != 1 {
		t.Fatalf("got %d series, %d dropped for %s; want one", len(series), d.invalid, d.first)
	}
	if !reflect.DeepEqual(series[0].Labels, want) {
		t.Errorf("labels\n got %v\nwant %v", series[0].Labels, want)
	}
}

// TestOTLPMetricsQuantileAttribute checks that a summary point's own attribute called
// quantile stays on its _count and _sum but gives way to the quantile of each quantile
// series, so that the quantiles stay apart.
func TestOTLPMetricsQuantileAttribute(t *testing.T) {
	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("rpc.latency")
	dp := m.SetEmptySummary().DataPoints().AppendEmpty()
	dp.Attributes().PutStr("quantile", "x")
	dp.SetTimestamp(1_700_000_000_000_000_000)
	dp.SetCount(2)
	dp.SetSum(3)
	for _, q := range []float64{0.5, 0.9} {
		qv := dp.QuantileValues().AppendEmpty()
		qv.SetQuantile(q)
		qv.SetValue(q)
	}
	series, d, err := DecodeOTLPMetrics(encodeOTLP(t, md, false), false, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var got [][]signal.Label
	for _, s := range series {
		got = append(got, s.Labels)
	}
	want := [][]signal.Label{
		lbl("__name__", "rpc_latency_count", "quantile", "x"),
		lbl("__name__", "rpc_latency_sum", "quantile", "x"),
		lbl("__name__", "rpc_latency", "quantile", "0.5"),
		lbl("__name__", "rpc_latency", "quantile", "0.9"),
	}
	if d.invalid != 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("got %v (%d dropped)\nwant %v", got, d.invalid, want)
	}
}

// TestOTLPSumNames checks that a cumulative monotonic sum gets the _total that tells
// detection it is a counter, and that other sums keep their names.
func TestOTLPSumNames(t *testing.T) {
	cases := []struct {
		name      string
		monotonic bool
		temporal  pmetric.AggregationTemporality
		want      string
	}{
		{"http.server.requests", true, pmetric.AggregationTemporalityCumulative,
			"http_server_requests_total"},
		{"jobs_total", true, pmetric.AggregationTemporalityCumulative, "jobs_total"},
		{"queue.size", false, pmetric.AggregationTemporalityCumulative, "queue_size"},
		{"bytes.sent", true, pmetric.AggregationTemporalityDelta, "bytes_sent"},
	}
	for _, tc := range cases {
		md := pmetric.NewMetrics()
		m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().
			AppendEmpty()
		m.SetName(tc.name)
		sum := m.SetEmptySum()
		sum.SetIsMonotonic(tc.monotonic)
		sum.SetAggregationTemporality(tc.temporal)
		dp := sum.DataPoints().AppendEmpty()
		dp.SetIntValue(5)
		dp.SetTimestamp(1_700_000_000_000_000_000)
		series, _, err := DecodeOTLPMetrics(encodeOTLP(t, md, false), false,
			time.Unix(1_700_000_000, 0))
		if err != nil || len(series) != 1 {
			t.Fatalf("%s: %d series, err %v", tc.name, len(series), err)
		}
		if got := signal.LabelValue(series[0].Labels, "__name__"); got != tc.want {
			t.Errorf("%s (monotonic %v, %v) named %q, want %q", tc.name, tc.monotonic,
				tc.temporal, got, tc.want)
		}
	}
}
