package cli

import (
	"encoding/json"
	"testing"
)

// TestBenchDetectJSON runs the detect bench small, by labels and by reference, one
// series per call and in batches, and checks the figures it measures are sane and the
// names --json gives them.
func TestBenchDetectJSON(t *testing.T) {
	for _, f := range []benchDetectFlags{
		{batch: 1}, {batch: 500}, {batch: 500, refs: true}, {batch: 7, refs: true},
	} {
		f.warmup = minWarmup
		r, err := benchDetectSize(3000, 3, "", f)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		if r.Series != 3000 || r.Batch != f.batch || r.ByRef != f.refs ||
			r.Samples != 9000 || r.PerSecPerCore <= 0 {
			t.Errorf("%+v: figures %+v", f, r)
		}
		// The state is about 800 bytes a series; the goal is at most 1 KiB.
		if r.BytesPerSeries < 500 || r.BytesPerSeries > 4096 {
			t.Errorf("%+v: %.0f bytes per series", f, r.BytesPerSeries)
		}
	}

	// The keys the issue asks --json for.
	b, err := json.Marshal(benchDetectReport{PerSecPerCore: 1, BytesPerSeries: 2})
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]any
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	if keys["samples_per_sec_per_core"] != 1.0 || keys["bytes_per_series"] != 2.0 {
		t.Errorf("--json prints %s", b)
	}
}
