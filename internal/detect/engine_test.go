package detect

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

func labelsOf(name string, kv ...string) []signal.Label {
	ls := []signal.Label{{Name: "__name__", Value: name}}
	for i := 0; i+1 < len(kv); i += 2 {
		ls = append(ls, signal.Label{Name: kv[i], Value: kv[i+1]})
	}
	signal.SortLabels(ls)
	return ls
}

func newEngine(t *testing.T, cfg Config) *Engine {
	t.Helper()
	e, err := New(cfg, nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// testClock is a wall clock that a test moves by hand.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time          { return c.t }
func (c *testClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// withClock makes e run on a test clock that starts at labStart.
func withClock(e *Engine) *testClock {
	c := &testClock{t: labStart}
	e.now, e.start = c.now, c.t
	return c
}

// feed sends points one by one, as a scrape or remote_write would, from a value function.
func feed(e *Engine, ls []signal.Label, start time.Time, step time.Duration, n int,
	value func(i int) float64) []signal.Signal {
	var out []signal.Signal
	for i := 0; i < n; i++ {
		p := signal.Point{T: start.Add(time.Duration(i) * step).UnixMilli(), V: value(i)}
		out = e.Observe(signal.Series{Labels: ls, Points: []signal.Point{p}}, out)
	}
	return out
}

// TestEpisodeSignals checks the whole life of one anomaly: one firing at onset with the
// identity, service, expected range and explanation, no flapping while it lasts, and one
// resolve once the series has been back to normal for a while.
func TestEpisodeSignals(t *testing.T) {
	e := newEngine(t, Config{})
	ls := labelsOf("http_request_duration_seconds", "service", "api", "route", "/pay")
	rng := rand.New(rand.NewPCG(1, 2))
	out := feed(e, ls, labStart, 5*time.Second, 400, func(i int) float64 {
		v := 0.1 + 0.005*rng.NormFloat64()
		if i >= 200 && i < 230 {
			v += 0.5
		}
		return v
	})
	var firing, resolved []signal.Signal
	for _, s := range out {
		switch s.Status {
		case signal.StatusFiring:
			firing = append(firing, s)
		case signal.StatusResolved:
			resolved = append(resolved, s)
		}
	}
	if len(firing) == 0 || len(firing) > 2 || len(resolved) != 1 {
		t.Fatalf("got %d firing and %d resolved signals, want 1-2 (onset, escalation) and 1",
			len(firing), len(resolved))
	}
	f, r := firing[0], resolved[0]
	onset := labStart.Add(200 * 5 * time.Second)
	wantFP, _ := signal.Identity("detect", signal.SeriesKey(ls), "anomaly")
	checks := []struct {
		name string
		ok   bool
	}{
		{"kind", f.Kind == signal.KindAnomaly && f.Source == "detect"},
		{"fingerprint", f.Fingerprint == wantFP && r.Fingerprint == wantFP},
		{"onset time", f.EventTime.Equal(onset) && f.StartsAt.Equal(onset)},
		{"service", f.Service == "api"},
		{"name", f.Name == "http_request_duration_seconds"},
		{"score", f.Score >= 0.5 && f.Score <= 1},
		{"expected", f.Expected != nil && f.Expected.High < 0.2 && f.Expected.Low > 0},
		{"summary", strings.Contains(f.Summary, "above the expected range")},
		{"resolve time", r.EventTime.After(onset.Add(30*5*time.Second)) && r.EndsAt.Equal(r.EventTime)},
		{"resolve starts", r.StartsAt.Equal(onset)},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s wrong: firing %+v resolved %+v", c.name, f, r)
		}
	}
}

// TestBadInput feeds what broken exporters send: nothing may panic, the bad points are
// skipped and counted, and the good ones still score.
func TestBadInput(t *testing.T) {
	reg := prometheus.NewRegistry()
	e, err := New(Config{}, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	ls := labelsOf("queue_depth", "service", "q")
	tests := []struct {
		name   string
		points []signal.Point
		reason string
		want   float64
	}{
		{"nan", []signal.Point{{T: 1000, V: math.NaN()}}, "nan", 1},
		{"inf", []signal.Point{{T: 1000, V: math.Inf(1)}, {T: 1001, V: math.Inf(-1)}}, "nan", 3},
		{"negative time", []signal.Point{{T: -5, V: 1}}, "bad_time", 1},
		{"good", []signal.Point{{T: 2000, V: 1}, {T: 3000, V: 2}}, "", 0},
		{"duplicate", []signal.Point{{T: 3000, V: 2}}, "out_of_order", 1},
		{"out of order", []signal.Point{{T: 2500, V: 2}}, "out_of_order", 2},
		{"empty", nil, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.Observe(signal.Series{Labels: ls, Points: tt.points}, nil)
			if tt.reason == "" {
				return
			}
			got := counterValue(e.m.skipped.WithLabelValues(tt.reason))
			if got != tt.want {
				t.Errorf("skipped{reason=%q} = %v, want %v", tt.reason, got, tt.want)
			}
		})
	}
	if got := e.scored(); got != 2 {
		t.Errorf("scored samples = %v, want 2", got)
	}
}

// TestCardinalityLimit churns many short-lived series through a small engine: memory
// stays bounded, drops are counted, and idle series are evicted to make room.
func TestCardinalityLimit(t *testing.T) {
	e := newEngine(t, Config{MaxSeries: 512, StaleAfter: time.Minute})
	clk := withClock(e)
	ls := func(i int) []signal.Label { return labelsOf("pod_cpu", "pod", string(rune('a'+i%26))+itoa(i)) }
	// 5000 series all at once: most are dropped.
	for i := 0; i < 5000; i++ {
		e.Observe(signal.Series{Labels: ls(i), Points: []signal.Point{{T: 1000, V: 1}}}, nil)
	}
	if n := e.Len(); n > 512 {
		t.Fatalf("tracking %d series, limit 512", n)
	}
	if counterValue(e.m.dropped) == 0 {
		t.Fatal("no drop counted")
	}
	// Much later, new series arrive: the idle ones are evicted and the new ones admitted.
	clk.advance(10 * time.Minute)
	later := int64(10 * 60 * 1000)
	admitted := 0
	for i := 5000; i < 5400; i++ {
		e.Observe(signal.Series{Labels: ls(i), Points: []signal.Point{{T: later, V: 1}}}, nil)
	}
	for i := 5000; i < 5400; i++ {
		sh := &e.shards[signal.HashLabels(ls(i))%numShards]
		if sh.find(signal.HashLabels(ls(i)), ls(i)) != nil {
			admitted++
		}
	}
	if admitted < 300 || e.Len() > 512 {
		t.Fatalf("admitted %d of 400 new series (tracking %d), want most of them", admitted, e.Len())
	}
}

// TestEvictionIgnoresSampleClocks sends series steadily, some stamped at real time and
// some backfilled two days behind, plus one batch stamped 9 minutes ahead, into a full
// engine. Judged by sample time, the batch made every steady series of the shards it
// reached look stale: they were evicted while still being sent, and new series were
// dropped. On the engine's wall clock only the silent series go, and the new series get
// their room. Every series is in one shard, so that its sweep frees all the silent ones:
// a full engine sweeps only the new series' shard (see admit).
func TestEvictionIgnoresSampleClocks(t *testing.T) {
	const steady, idle, ahead, fresh = 400, 400, 200, 200
	e := newEngine(t, Config{MaxSeries: steady + idle + ahead, StaleAfter: time.Minute})
	clk := withClock(e)
	e.hash = func(ls []signal.Label) uint64 { return signal.HashLabels(ls)<<8 | 7 }
	ls := func(kind string, i int) []signal.Label { return labelsOf("m", kind, itoa(i+1)) }
	send := func(l []signal.Label, at time.Time) {
		e.Observe(signal.Series{Labels: l, Points: []signal.Point{{T: at.UnixMilli(), V: 1}}}, nil)
	}
	for i := 0; i < idle; i++ {
		send(ls("idle", i), clk.t) // once, then silent
	}
	for round := 0; round < 24; round++ {
		for i := 0; i < steady; i++ {
			at := clk.t
			if i%2 == 1 {
				at = at.Add(-48 * time.Hour) // a sender backfilling two days behind
			}
			send(ls("steady", i), at)
		}
		if round == 4 {
			for i := 0; i < ahead; i++ {
				send(ls("ahead", i), clk.t.Add(9*time.Minute))
			}
		}
		for i := 0; round >= 12 && i < fresh; i++ {
			send(ls("fresh", i), clk.t) // resent every round, as a sender would
		}
		clk.advance(15 * time.Second)
	}
	for kind, n := range map[string]int{"steady": steady, "fresh": fresh} {
		for i := 0; i < n; i++ {
			if h := e.hash(ls(kind, i)); e.shards[7].find(h, ls(kind, i)) == nil {
				t.Fatalf("%s series %d is not held (%v evicted, %v dropped)", kind, i,
					counterValue(e.m.evicted), counterValue(e.m.dropped))
			}
		}
	}
	ev, drop := counterValue(e.m.evicted), counterValue(e.m.dropped)
	if ev != idle+ahead || drop != 0 {
		t.Fatalf("%v evicted, %v dropped, want the %d silent series evicted and no drop", ev,
			drop, idle+ahead)
	}
}

// TestRestoreCountsAsSeen checks that restored series are seen at restore time: the
// snapshot keeps no wall clock, and a restart must not make all of them evictable. Both
// series are in one shard, the one a full engine sweeps for the new one.
func TestRestoreCountsAsSeen(t *testing.T) {
	a := newEngine(t, Config{})
	old := labelsOf("m", "s", "old")
	feed(a, old, labStart, 5*time.Second, 30, func(int) float64 { return 1 })
	var buf bytes.Buffer
	if err := a.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}

	b := newEngine(t, Config{MaxSeries: 1, StaleAfter: time.Minute})
	clk := withClock(b)
	b.hash = func(ls []signal.Label) uint64 { return signal.HashLabels(ls)<<8 | 7 }
	clk.advance(time.Hour) // the restore comes long after the engine started
	if err := b.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	feed(b, labelsOf("m", "s", "new"), labStart.Add(time.Hour), time.Second, 1,
		func(int) float64 { return 1 })
	h := b.hash(old)
	if b.shards[h%numShards].find(h, old) == nil || counterValue(b.m.dropped) != 1 {
		t.Fatalf("restored series evicted at once (%v dropped)", counterValue(b.m.dropped))
	}
}

func itoa(i int) string {
	b := []byte{}
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// TestCounters checks that counters are scored on their rate and that resets are no
// anomaly.
func TestCounters(t *testing.T) {
	tests := []struct {
		name     string
		metric   string
		value    func(i int) float64
		wantFire bool
	}{
		{"steady counter with a reset", "http_requests_total", func(i int) float64 {
			return float64((i%150)*250 + i%3)
		}, false},
		{"counter whose rate jumps", "http_requests_total", func(i int) float64 {
			if i < 150 {
				return float64(i*250 + i%3)
			}
			return float64(150*250 + (i-150)*2500)
		}, true},
		{"monotone series without the suffix, reset later", "jobs_done", func(i int) float64 {
			return float64((i%120)*100 + i%2)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, Config{})
			out := feed(e, labelsOf(tt.metric, "job", "x"), labStart, 5*time.Second, 300, tt.value)
			fired := false
			for _, s := range out {
				if s.Status == signal.StatusFiring && s.Kind == signal.KindAnomaly {
					fired = true
				}
			}
			// The unsuffixed series fires once at most, when its first reset is still read
			// as a drop; it must then be treated as a counter and stay quiet.
			if fired != tt.wantFire && !(tt.metric == "jobs_done" && countFiring(out) <= 1) {
				t.Errorf("fired = %v, want %v: %v", fired, tt.wantFire, summaries(out))
			}
		})
	}
}

func countFiring(out []signal.Signal) int {
	n := 0
	for _, s := range out {
		if s.Status == signal.StatusFiring {
			n++
		}
	}
	return n
}

func summaries(out []signal.Signal) []string {
	var s []string
	for _, x := range out {
		s = append(s, string(x.Status)+": "+x.Summary)
	}
	return s
}

// TestSkipBuckets checks that _bucket series are ignored unless asked for.
func TestSkipBuckets(t *testing.T) {
	ls := labelsOf("http_request_duration_seconds_bucket", "le", "0.5")
	for _, include := range []bool{false, true} {
		e := newEngine(t, Config{IncludeBuckets: include})
		feed(e, ls, labStart, time.Second, 3, func(i int) float64 { return float64(i) })
		if got := e.Len() == 1; got != include {
			t.Errorf("include_buckets=%v: tracked=%v", include, got)
		}
	}
}

// TestSnapshotRoundTrip checks that a restored engine continues exactly where the
// snapshotted one was: same scores, same signals.
func TestSnapshotRoundTrip(t *testing.T) {
	a := newEngine(t, Config{})
	rng := rand.New(rand.NewPCG(3, 4))
	val := func(int) float64 { return 50 + rng.NormFloat64() }
	var series [][]signal.Label
	for i := 0; i < 50; i++ {
		ls := labelsOf("process_resident_memory_bytes", "pod", "p"+itoa(i+1))
		series = append(series, ls)
		feed(a, ls, labStart, 5*time.Second, 200, val)
	}
	var buf bytes.Buffer
	if err := a.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	b := newEngine(t, Config{})
	if err := b.Restore(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	if a.Len() != b.Len() {
		t.Fatalf("restored %d series, want %d", b.Len(), a.Len())
	}
	next := labStart.Add(200 * 5 * time.Second)
	for _, ls := range series {
		sa := feed(a, ls, next, 5*time.Second, 40, func(i int) float64 { return 80 })
		sb := feed(b, ls, next, 5*time.Second, 40, func(i int) float64 { return 80 })
		if len(sa) == 0 || len(sa) != len(sb) || sa[0].Summary != sb[0].Summary {
			t.Fatalf("restored engine diverges: %v vs %v", summaries(sa), summaries(sb))
		}
	}
}

// TestRestoreVersion9 checks that a snapshot of the version before the trends' lagged
// differences restores every series, its trends' lag read as a random walk's, and that
// anomaly detection goes on as if the engine had not restarted.
func TestRestoreVersion9(t *testing.T) {
	a := newEngine(t, Config{})
	rng := rand.New(rand.NewPCG(5, 6))
	ls := labelsOf("process_resident_memory_bytes", "pod", "p1")
	feed(a, ls, labStart, 5*time.Second, 200, func(int) float64 { return 50 + rng.NormFloat64() })
	var buf bytes.Buffer
	if err := a.snapshot(&buf, snapNoLag); err != nil {
		t.Fatal(err)
	}
	b := newEngine(t, Config{})
	if err := b.Restore(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatalf("restoring version 9: %v", err)
	}
	if b.Len() != 1 {
		t.Fatalf("restored %d series, want 1", b.Len())
	}
	h := b.hash(ls)
	sh := &b.shards[h%numShards]
	tr := sh.trends[sh.find(h, ls).idx]
	if tr == nil || tr.fcTrend.c == 0 && tr.leakTrend.c == 0 {
		t.Fatalf("trends not restored: %+v", tr)
	}
	if lt := tr.leakTrend; lt.lastD != 0 || lt.mdd1 != lt.md*lt.md {
		t.Errorf("lag not started as a random walk's: lastD %v, mdd1 %v, md² %v",
			lt.lastD, lt.mdd1, lt.md*lt.md)
	}
	next := labStart.Add(200 * 5 * time.Second)
	sa := feed(a, ls, next, 5*time.Second, 40, func(int) float64 { return 80 })
	sb := feed(b, ls, next, 5*time.Second, 40, func(int) float64 { return 80 })
	if len(sa) == 0 || len(sa) != len(sb) || sa[0].Summary != sb[0].Summary {
		t.Fatalf("restored engine diverges: %v vs %v", summaries(sa), summaries(sb))
	}
}

// TestRestoreRejects checks that broken snapshots fail cleanly.
func TestRestoreRejects(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"bad magic", []byte("NOTASNAPSHOT....")},
		{"bad version", append([]byte(snapMagic), 8, 0, 0, 0, 1, 0, 0, 0)},
		{"truncated", append([]byte(snapMagic), 1, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 1, 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, Config{})
			if err := e.Restore(bytes.NewReader(tt.data)); err == nil {
				t.Error("no error")
			}
		})
	}
}

// FuzzRestore decodes arbitrary bytes as a snapshot: it must never panic, and whatever it
// restores must be usable.
func FuzzRestore(f *testing.F) {
	e, _ := New(Config{MaxSeries: 1000}, nil, nil)
	feed(e, labelsOf("m", "a", "b"), labStart, time.Second, 30, func(i int) float64 {
		return float64(i % 7)
	})
	for _, v := range []uint32{snapVersion, snapNoCRC} {
		var buf bytes.Buffer
		_ = e.snapshot(&buf, v)
		f.Add(buf.Bytes())
	}
	f.Add([]byte(snapMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, _ := New(Config{MaxSeries: 1000}, nil, nil)
		_ = r.Restore(bytes.NewReader(data))
		if r.Len() > 1000+numShards {
			t.Fatalf("restored %d series past the limit", r.Len())
		}
		for _, ls := range restoredLabels(r) {
			feed(r, ls, labStart.Add(time.Hour), 4*time.Hour, 3,
				func(i int) float64 { return float64(i) })
		}
	})
}

// TestConcurrentObserve runs many goroutines on overlapping series (run with -race).
func TestConcurrentObserve(t *testing.T) {
	e := newEngine(t, Config{})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				ls := labelsOf("cpu", "core", itoa(i%37+1))
				p := signal.Point{T: int64(1000 + i*1000 + g), V: float64(i % 5)}
				e.Observe(signal.Series{Labels: ls, Points: []signal.Point{p}}, nil)
			}
		}(g)
	}
	wg.Wait()
	if e.Len() != 37 {
		t.Fatalf("tracking %d series, want 37", e.Len())
	}
}

// counterValue reads a counter's current value.
func counterValue(c prometheus.Metric) float64 {
	m := &dto.Metric{}
	if err := c.Write(m); err != nil {
		return math.NaN()
	}
	return m.GetCounter().GetValue()
}

// TestLongLabelsRefused: a series whose labels exceed max_label_bytes is not tracked and
// its samples are counted as skipped, by labels and by the reference it gets back, so
// that long label values cannot grow memory per series without bound; a series just
// within the limit is tracked.
func TestLongLabelsRefused(t *testing.T) {
	e := newEngine(t, Config{MaxLabelBytes: 512})
	long := labelsOf("http_requests_total", "path", strings.Repeat("x", 500))
	fits := labelsOf("http_requests_total", "path", strings.Repeat("y", 400))
	pts := []signal.Point{{T: 1000, V: 1}, {T: 2000, V: 2}}

	s := signal.Series{Labels: long, Points: pts}
	e.ObserveRef(&s, nil)
	if s.Ref != longRef {
		t.Fatalf("ref %x for a refused series, want longRef", s.Ref)
	}
	byRef := signal.Series{Ref: s.Ref, Points: []signal.Point{{T: 3000, V: 3}}}
	e.ObserveRef(&byRef, nil)
	e.Observe(signal.Series{Labels: fits, Points: pts}, nil)

	if e.Len() != 1 {
		t.Errorf("holding %d series, want only the one within the limit", e.Len())
	}
	skipped := counterValue(e.m.skipped.WithLabelValues("labels_too_long"))
	if skipped != 3 {
		t.Errorf("%v samples skipped as labels_too_long, want 3", skipped)
	}
	if err := (Config{MaxLabelBytes: 100}).Defaults().Validate(); err == nil ||
		!strings.Contains(err.Error(), "max_label_bytes: 100 is under 256") {
		t.Errorf("max_label_bytes 100: %v", err)
	}
}
