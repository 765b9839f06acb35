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
			// Rounds far faster than the 1 s step must not carry sample times into the
			// future, where receivers refuse them (stepping a second a round reached
			// minutes ahead here, stepping a millisecond a round over a second).
			now := time.Now().UnixMilli()
			for id, ts := range rc.last {
				if ts > now {
					t.Fatalf("series %s at %d ms, %d ms ahead of the clock after %d rounds",
						id, ts, ts-now, res.Rounds)
				}
			}
		})
	}
}

// TestRunFewSeriesFollowsClock runs a few series twice against one receiver, as a tester
// did with 20 and then 5 series. Rounds of a few series take microseconds; when each
// stepped a millisecond past the last, the first run left its series stamped seconds ahead
// of the clock and the second run, starting at the clock, sent only samples older than
// those, which the receiver skipped as out of order.
func TestRunFewSeriesFollowsClock(t *testing.T) {
	rc := &receiver{last: map[string]int64{}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	const d = 300 * time.Millisecond
	for run := range 2 {
		// A run cannot know the last one's times: one that starts within the millisecond
		// the last one ended in sends that millisecond again (seen under -race).
		time.Sleep(2 * time.Millisecond)
		start := time.Now()
		res, err := Run(context.Background(), Config{Target: srv.URL, Series: 5,
			Pattern: Sawtooth, Duration: d}, nil)
		if err != nil {
			t.Fatal(err)
		}
		end := time.Now().UnixMilli()
		rc.mu.Lock()
		for id, ts := range rc.last {
			if ts > end {
				t.Errorf("run %d: series %s %d ms ahead of the clock", run, id, ts-end)
			}
		}
		disorder := rc.disorder
		rc.mu.Unlock()
		if disorder != 0 {
			t.Fatalf("run %d: receiver saw %d samples out of order", run, disorder)
		}
		// One round a millisecond at most, and the clock's millisecond of the first.
		if ms := end - start.UnixMilli(); res.Rounds > ms+1 {
			t.Errorf("run %d: %d rounds in %d ms", run, res.Rounds, ms)
		}
	}
}

// TestRoundTime pins the sample time of a round: Step after the first round's while
// that is behind the clock, then the clock, and never the same millisecond twice.
func TestRoundTime(t *testing.T) {
	const t0, now = 1_000_000, 1_010_000
	tests := []struct {
		r    int
		last int64
		want int64
	}{
		{r: 0, last: t0 - 1, want: t0},
		{r: 3, last: t0 + 2000, want: t0 + 3000}, // behind the clock: a step a round
		{r: 20, last: t0 + 9000, want: now},      // the step would pass the clock
		{r: 21, last: now, want: now + 1},        // same millisecond: the next one,
		{r: 22, last: now + 1, want: now + 2},    // which the caller waits for
	}
	for _, tt := range tests {
		if got := roundTime(t0, tt.r, time.Second, tt.last, now); got != tt.want {
			t.Errorf("round %d after %d: %d, want %d", tt.r, tt.last, got, tt.want)
		}
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
