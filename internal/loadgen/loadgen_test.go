package loadgen

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
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
			if err != nil {
				t.Fatal(err)
			}
			if tc.fail {
				if res.Errors == 0 || res.Samples != 0 || res.LastError == "" {
					t.Fatalf("refusals not counted: %+v", res)
				}
				return
			}
			// A request in flight when the run ends may reach the receiver uncounted.
			inFlight := tc.concurrency * tc.batch
			if res.Errors != 0 || res.Samples == 0 || int(res.Samples) > rc.samples ||
				rc.samples-int(res.Samples) > inFlight {
				t.Fatalf("result %+v, receiver counted %d samples", res, rc.samples)
			}
			if len(rc.last) != tc.series || rc.disorder != 0 {
				t.Errorf("receiver saw %d series (want %d), %d out of order", len(rc.last),
					tc.series, rc.disorder)
			}
		})
	}
}

// TestBatchDeterministic checks that a round's payload depends only on its inputs and that
// prompb reads back the patched values and times.
func TestBatchDeterministic(t *testing.T) {
	b1, b2 := newBatch(10, 3), newBatch(10, 3)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixMilli()
	raw1 := append([]byte(nil), b1.raw...)
	raw2 := append([]byte(nil), b2.raw...)
	b1.fill(raw1, t0, 7)
	b2.fill(raw2, t0, 7)
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
		if want := float64((i*7+7)%100) + 0.5; s.Timestamp != t0 || s.Value != want {
			t.Errorf("series %d: sample %+v, want %v at %d", i, s, want, t0)
		}
		if len(ts.Labels) != 8 || ts.Labels[0].Name != "__name__" {
			t.Errorf("series %d: labels %v", i, ts.Labels)
		}
	}
}
