package cli

import (
	"bytes"
	"encoding/json"
	"strings"
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
			r.Rounds != 3 || r.Samples != 9000 || r.PerSecPerCore <= 0 {
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

// TestBenchDetectFlags: every flag is checked before any size runs. A tester's
// --series 10000,abc timed 10,000 series before failing on abc, --warmup 5 was timed as
// 10 without a word, and --rounds 5 timed 1,000 rounds at 10,000 series unexplained.
func TestBenchDetectFlags(t *testing.T) {
	good := benchDetectFlags{sizes: "10000", rounds: 5, warmup: minWarmup, batch: 500}
	tests := []struct {
		name string
		edit func(*benchDetectFlags)
		want string
	}{
		{"bad size last", func(f *benchDetectFlags) { f.sizes = "10000,abc" }, `"abc"`},
		{"zero size", func(f *benchDetectFlags) { f.sizes = "0" }, "positive"},
		{"negative size", func(f *benchDetectFlags) { f.sizes = "100,-5" }, `"-5"`},
		{"empty size", func(f *benchDetectFlags) { f.sizes = "100," }, "positive"},
		{"zero rounds", func(f *benchDetectFlags) { f.rounds = 0 }, "--rounds 0"},
		{"negative rounds", func(f *benchDetectFlags) { f.rounds = -1 }, "--rounds -1"},
		{"short warmup", func(f *benchDetectFlags) { f.warmup = 5 }, "below 10"},
		{"negative warmup", func(f *benchDetectFlags) { f.warmup = -1 }, "--warmup -1"},
		{"zero batch", func(f *benchDetectFlags) { f.batch = 0 }, "--batch 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := good
			tt.edit(&f)
			var out bytes.Buffer
			err := runBenchDetect(&out, f)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one naming %s", err, tt.want)
			}
			if out.Len() != 0 {
				t.Errorf("ran before failing:\n%s", out.String())
			}
		})
	}
	if sizes, err := checkBenchDetect(good); err != nil || len(sizes) != 1 {
		t.Errorf("good flags: %v %v", sizes, err)
	}
	// The floor the help states: 10 million samples a size.
	if got := timedRounds(10_000, 5); got != 1000 {
		t.Errorf("10,000 series, 5 rounds asked: %d timed", got)
	}
	if got := timedRounds(10, 5_000_000); got != 5_000_000 {
		t.Errorf("10 series, 5,000,000 rounds asked: %d timed", got)
	}
}
