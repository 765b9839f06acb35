package ingest

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// TestSeriesFilter checks that the filter drops and counts what remote_write would.
func TestSeriesFilter(t *testing.T) {
	now := time.Unix(1000, 0)
	ms := now.UnixMilli()
	name := func(n string, extra ...signal.Label) []signal.Label {
		return append([]signal.Label{{Name: "__name__", Value: n}}, extra...)
	}
	pt := func(t int64) []signal.Point { return []signal.Point{{T: t, V: 1}} }
	in := []signal.Series{
		{Labels: name("ok", signal.Label{Name: "job", Value: ""}), Points: pt(ms)},
		{Labels: name("future"), Points: pt(now.Add(100 * 365 * 24 * time.Hour).UnixMilli())},
		{Labels: name("skew_ok"), Points: pt(now.Add(MaxFutureSkew).UnixMilli())},
		{Labels: name(""), Points: pt(ms)},
		{Labels: name("neg"), Points: pt(-1000)},
		{Labels: name("nan"), Points: []signal.Point{{T: ms, V: math.NaN()}}},
		{Labels: name("long", signal.Label{Name: "v", Value: strings.Repeat("y", 9000)}),
			Points: pt(ms)},
		{Labels: name("bad\xff"), Points: pt(ms)},
	}
	reasons := []string{"future_timestamp", "no_metric_name", "negative_timestamp", "nan",
		"label_limit", "invalid_label"}
	before := make([]float64, len(reasons))
	for i, r := range reasons {
		before[i] = testutil.ToFloat64(seriesMetrics.dropped.WithLabelValues("test", r))
	}
	got := NewSeriesFilter("test", nil).Filter(in, now)
	want := []signal.Series{{Labels: name("ok"), Points: pt(ms)},
		{Labels: name("skew_ok"), Points: pt(now.Add(MaxFutureSkew).UnixMilli())}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("kept %v, want %v", got, want)
	}
	for i, r := range reasons {
		n := testutil.ToFloat64(seriesMetrics.dropped.WithLabelValues("test", r)) - before[i]
		if n != 1 {
			t.Errorf("%v samples dropped as %s, want 1", n, r)
		}
	}
}
