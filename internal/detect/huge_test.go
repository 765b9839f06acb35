package detect

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// TestHugeValuesSkipped: a series alternating between 1 and a huge finite value drove a
// float32 field to infinity from 1e20 on, so its snapshot record could not be read back.
// Values beyond maxValue are skipped and counted, and the state stays restorable.
func TestHugeValuesSkipped(t *testing.T) {
	for _, big := range []float64{1e18, 1e19, 2e20, 1e155, math.MaxFloat64} {
		e := newEngine(t, Config{})
		sigs := feed(e, labelsOf("poison", "a", "b"), labStart, time.Second, 200,
			func(i int) float64 {
				if i%2 == 0 {
					return 1
				}
				return big
			})
		for _, s := range sigs {
			if _, err := json.Marshal(s); err != nil {
				t.Errorf("big %g: signal cannot be stored: %v", big, err)
			}
		}
		var buf bytes.Buffer
		if err := e.Snapshot(&buf); err != nil {
			t.Fatal(err)
		}
		if err := newEngine(t, Config{}).Restore(&buf); err != nil {
			t.Errorf("big %g: restoring: %v", big, err)
		}
		skipped := counterValue(e.m.skipped.WithLabelValues("out_of_range"))
		if want := big > maxValue; (skipped == 100) != want {
			t.Errorf("big %g: %v samples skipped as out_of_range", big, skipped)
		}
	}
}

// TestRestoreSkipsBadRecord: one record with an impossible value costs only its own
// series, not the ones after it, and a lower max_series is reported, not silent.
func TestRestoreSkipsBadRecord(t *testing.T) {
	e := newEngine(t, Config{})
	var all [][]signal.Label
	for _, inst := range []string{"a", "b", "c", "d", "e"} {
		ls := labelsOf("m", "instance", inst)
		all = append(all, ls)
		feed(e, ls, labStart, time.Second, 30, func(i int) float64 { return float64(i % 5) })
	}
	st := e.shards[e.hash(all[2])%numShards].find(e.hash(all[2]), all[2])
	st.det.level = math.NaN()
	var buf bytes.Buffer
	if err := e.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}

	got := newEngine(t, Config{})
	err := got.Restore(bytes.NewReader(buf.Bytes()))
	if err == nil || !strings.Contains(err.Error(), "1 with impossible values") {
		t.Errorf("restore error %v, want one series skipped", err)
	}
	if got.Len() != 4 {
		t.Errorf("%d series restored, want the 4 good ones", got.Len())
	}

	small := newEngine(t, Config{MaxSeries: 2})
	err = small.Restore(bytes.NewReader(buf.Bytes()))
	if err == nil || !strings.Contains(err.Error(), "beyond max_series") {
		t.Errorf("restore into max_series 2: error %v, want the dropped series named", err)
	}
	if small.Len() != 2 {
		t.Errorf("%d series restored into max_series 2", small.Len())
	}
}
