package loadgen

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/prometheus/prompb"
)

// receiver decodes every request with prompb and records what it got.
type receiver struct {
	mu       sync.Mutex
	last     map[string]int64 // series label -> latest timestamp
	samples  int
	disorder int
	fail     bool
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	raw, err := snappy.Decode(nil, body)
	var req prompb.WriteRequest
	if err == nil {
		err = req.Unmarshal(raw)
	}
	if err != nil || r.Header.Get("Content-Encoding") != "snappy" || rc.fail {
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, ts := range req.Timeseries {
		id := ts.Labels[len(ts.Labels)-1].Value
		for _, s := range ts.Samples {
			if s.Timestamp <= rc.last[id] {
				rc.disorder++
			}
			rc.last[id] = s.Timestamp
			rc.samples++
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func TestRun(t *testing.T) {
	cases := []struct {
		name        string
		series      int
		batch       int
		concurrency int
		fail        bool
	}{
		{name: "several batches", series: 250, batch: 100, concurrency: 2},
		{name: "more workers than batches", series: 30, batch: 100, concurrency: 4},
		{name: "receiver refuses", series: 10, batch: 5, concurrency: 1, fail: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := &receiver{last: map[string]int64{}, fail: tc.fail}
			srv := httptest.NewServer(rc)
			defer srv.Close()

			res, err := Run(context.Background(), Config{Target: srv.URL, Series: tc.series,
				BatchSize: tc.batch, Concurrency: tc.concurrency,
				Duration: 200 * time.Millisecond}, nil)
			if tc.fail {
				// A run that no request got through measures nothing: it fails, quoting why.
				if err == nil || !strings.Contains(err.Error(), "400 Bad Request") {
					t.Fatalf("run refused throughout gave error %v", err)
				}
				if res.Errors == 0 || res.Samples != 0 || res.LastError == "" {
					t.Fatalf("refusals not counted: %+v", res)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			srv.Close() // waits for the handlers still running, so rc is read alone
			rc.mu.Lock()
			defer rc.mu.Unlock()
			// A request in flight when the run ends may reach the receiver uncounted.
			inFlight := tc.concurrency * tc.batch
			if res.Errors != 0 || res.Samples == 0 || int(res.Samples) > rc.samples ||
				rc.samples-int(res.Samples) > inFlight {
				t.Fatalf("result %+v, receiver counted %d samples", res, rc.samples)
			}
			if res.Rounds >= 2 && (res.WarmSamplesPerSec <= 0 || res.WarmSeconds <= 0 ||
				res.WarmSeconds > res.Seconds) {
				t.Errorf("%d rounds but no warm rate: %+v", res.Rounds, res)
			}
			if len(rc.last) != tc.series || rc.disorder != 0 {
				t.Errorf("receiver saw %d series (want %d), %d out of order", len(rc.last),
					tc.series, rc.disorder)
			}
			// Rounds far faster than the 1 s step must not carry sample times a step a
			// round into the future, where receivers refuse them (the old code reached
			// minutes ahead here). Rounds under a millisecond still move time on by one
			// each: 30 series give about 9 a millisecond, 1.6 s ahead after 200 ms.
			now := time.Now().UnixMilli()
			for id, ts := range rc.last {
				if ts > now+5000 {
					t.Fatalf("series %s at %d ms, %d ms ahead of the clock after %d rounds",
						id, ts, ts-now, res.Rounds)
				}
			}
		})
	}
}

// TestBatchDeterministic checks that a round's payload depends only on its inputs and that
// prompb reads back the patched values and times.
func TestBatchDeterministic(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixMilli()
	for _, p := range []Pattern{Steady, Sawtooth} {
		t.Run(string(p), func(t *testing.T) {
			b1, b2 := newBatch(10, 3), newBatch(10, 3)
			raw1 := append([]byte(nil), b1.raw...)
			raw2 := append([]byte(nil), b2.raw...)
			b1.fill(raw1, t0, 7, p)
			b2.fill(raw2, t0, 7, p)
			if string(raw1) != string(raw2) {
				t.Fatal("same inputs gave different payloads")
			}
			var req prompb.WriteRequest
			if err := req.Unmarshal(raw1); err != nil {
				t.Fatal(err)
			}
			if len(req.Timeseries) != 3 {
				t.Fatalf("got %d series", len(req.Timeseries))
			}
			for i, ts := range req.Timeseries {
				s := ts.Samples[0]
				if want := p.value(10+i, 7); s.Timestamp != t0 || s.Value != want {
					t.Errorf("series %d: sample %+v, want %v at %d", i, s, want, t0)
				}
				if len(ts.Labels) != 8 || ts.Labels[0].Name != "__name__" {
					t.Errorf("series %d: labels %v", i, ts.Labels)
				}
			}
		})
	}
}

// TestPatterns checks the shape of each pattern: sawtooth steps by one and wraps at 100,
// steady stays near its level with the spread the doc comment promises and never repeats.
func TestPatterns(t *testing.T) {
	if v0, v1 := Sawtooth.value(3, 0), Sawtooth.value(3, 1); v1-v0 != 1 {
		t.Errorf("sawtooth steps from %v to %v", v0, v1)
	}
	if v := Sawtooth.value(0, 100); v != 0.5 {
		t.Errorf("sawtooth at round 100 is %v, want 0.5", v)
	}

	const n = 20000
	var sum, sq float64
	prev := math.NaN()
	for r := range n {
		v := Steady.value(7, r)
		if v == prev {
			t.Fatalf("steady repeats %v at round %d", v, r)
		}
		prev = v
		z := (v/170 - 1) / 0.02 // series 7 has level 170
		sum += z
		sq += z * z
	}
	mean := sum / n
	sd := math.Sqrt(sq/n - mean*mean)
	if math.Abs(mean) > 0.05 || math.Abs(sd-1) > 0.05 {
		t.Errorf("steady noise has mean %.3f and sd %.3f, want 0 and 1", mean, sd)
	}
}
