package detect

import (
	"testing"

	"github.com/cerebro-aiops/cerebro/internal/signal"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestOffHeapGauge checks that /metrics shows the bytes held off the Go heap, which the
// runtime's heap metrics leave out. Race builds map nothing (see offheap.Map), so there the
// gauge may read 0.
func TestOffHeapGauge(t *testing.T) {
	reg := prometheus.NewRegistry()
	e, err := New(Config{}, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	ls := labelsOf("queue_depth", "service", "q")
	e.Observe(signal.Series{Labels: ls, Points: []signal.Point{{T: 1000, V: 1}}}, nil)
	const name = "cerebro_detect_offheap_bytes"
	if n, err := testutil.GatherAndCount(reg, name); err != nil || n != 1 {
		t.Fatalf("%s gathered %d times, err %v; want once", name, n, err)
	}
	got, want := testutil.ToFloat64(e.m.offHeap), float64(e.OffHeapBytes())
	if got != want || (got <= 0 && e.recs.mapped.mapped() > 0) {
		t.Errorf("%s = %v, want %v, above 0 since memory is mapped", name, got, want)
	}
}
