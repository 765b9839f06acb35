package detect

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// TestTableMatchesMap inserts and deletes at random, with hashes drawn from a small range
// so that runs are long and equal hashes common, and checks every lookup against a map.
func TestTableMatchesMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	tb := table{seedA: 1, seedB: 3}
	want := map[string]*series{}
	keys := map[*series]string{}
	hashOf := func(k string) uint64 { n, _ := strconv.Atoi(k); return uint64(n % 97) }
	for step := 0; step < 20000; step++ {
		k := strconv.Itoa(rng.IntN(400))
		got := tb.find(hashOf(k), func(st *series) bool { return keys[st] == k })
		if got != want[k] {
			t.Fatalf("step %d: find(%s) = %p, want %p", step, k, got, want[k])
		}
		switch {
		case got == nil:
			st := &series{}
			tb.insert(hashOf(k), st)
			want[k], keys[st] = st, k
		case rng.IntN(2) == 0:
			n := tb.deleteIf(func(s *series) bool { return s == got })
			if n != 1 {
				t.Fatalf("step %d: deleted %d, want 1", step, n)
			}
			delete(want, k)
		}
		if tb.n != len(want) {
			t.Fatalf("step %d: table holds %d, want %d", step, tb.n, len(want))
		}
	}
}

// TestHashCollisions forces every series onto one hash: each must keep its own state,
// through detection, eviction and a snapshot.
func TestHashCollisions(t *testing.T) {
	collide := func([]signal.Label) uint64 { return 42 }
	a := newEngine(t, Config{MaxSeries: 100, StaleAfter: time.Minute})
	a.hash = collide
	ls := func(i int) []signal.Label { return labelsOf("cpu", "pod", "p"+itoa(i+1)) }
	for i := 0; i < 20; i++ {
		// Series i sits at level 10*i: a state shared between two of them would fire.
		if out := feed(a, ls(i), labStart, 5*time.Second, 60, func(int) float64 {
			return float64(10 * i)
		}); len(out) != 0 {
			t.Fatalf("series %d fired %v: states are shared", i, summaries(out))
		}
	}
	if a.Len() != 20 {
		t.Fatalf("tracking %d series, want 20", a.Len())
	}

	var buf bytes.Buffer
	if err := a.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	b := newEngine(t, Config{MaxSeries: 100, StaleAfter: time.Minute})
	clk := withClock(b)
	b.hash = collide
	if err := b.Restore(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	sh := &b.shards[42%numShards]
	for i := 0; i < 20; i++ {
		st := sh.find(42, ls(i))
		if st == nil || st.det.level != float64(10*i) {
			t.Fatalf("restored series %d: %+v", i, st)
		}
	}

	// Series 0 to 9 go on, the others fall silent and are evicted to make room.
	clk.advance(10 * time.Minute)
	later := labStart.Add(10 * time.Minute)
	for i := 0; i < 10; i++ {
		feed(b, ls(i), later, 5*time.Second, 1, func(int) float64 { return float64(10 * i) })
	}
	b.cfg.MaxSeries = 20
	feed(b, ls(99), later, 5*time.Second, 1, func(int) float64 { return 1 })
	if b.Len() != 11 || sh.find(42, ls(3)) == nil || sh.find(42, ls(15)) != nil {
		t.Fatalf("after eviction: tracking %d series, want 11 with 0-9 and 99", b.Len())
	}
}

// TestLimitIsExact checks that max_series holds over the whole engine: exactly the limit
// is admitted, however the series spread over the shards.
func TestLimitIsExact(t *testing.T) {
	e := newEngine(t, Config{MaxSeries: 1000})
	for i := 0; i < 3000; i++ {
		ls := labelsOf("m", "i", itoa(i+1))
		e.Observe(signal.Series{Labels: ls, Points: []signal.Point{{T: 1000, V: 1}}}, nil)
	}
	held := 0
	for i := range e.shards {
		held += e.shards[i].series.n
	}
	if e.Len() != 1000 || held != 1000 || gaugeValue(e.m.series) != 1000 {
		t.Fatalf("Len %d, held %d, gauge %v; want 1000", e.Len(), held, gaugeValue(e.m.series))
	}
	if got := counterValue(e.m.dropped); got != 2000 {
		t.Fatalf("dropped %v, want 2000", got)
	}
}

// TestKeys checks that keys tell apart label sets that a plain concatenation would not.
func TestKeys(t *testing.T) {
	sets := [][]signal.Label{
		{{Name: "a", Value: "bc"}},
		{{Name: "ab", Value: "c"}},
		{{Name: "a", Value: "b"}, {Name: "c", Value: ""}},
		{{Name: "a", Value: string(make([]byte, 300))}},
		{{Name: "a", Value: string(make([]byte, 301))}},
		{},
	}
	for i, x := range sets {
		k := keyOf(x)
		if back, ok := parseKey(k); !ok || len(back) != len(x) || keyOf(back) != k {
			t.Errorf("set %d: parseKey(keyOf) = %v, %v", i, back, ok)
		}
		for j, y := range sets {
			if keyMatches(k, y) != (i == j) {
				t.Errorf("keyMatches(key of set %d, set %d) = %v", i, j, i != j)
			}
		}
	}
}

// TestShardSize keeps shards on their own 128-byte blocks, the padding's reason to be.
func TestShardSize(t *testing.T) {
	if n := unsafe.Sizeof(shard{}); n%128 != 0 {
		t.Fatalf("shard is %d bytes, want a multiple of 128: adjust its padding", n)
	}
}

// gaugeValue reads a gauge's current value.
func gaugeValue(g prometheus.Metric) float64 {
	m := &dto.Metric{}
	if err := g.Write(m); err != nil {
		return math.NaN()
	}
	return m.GetGauge().GetValue()
}

// TestPackedKeys checks packed keys as TestKeys checks plain ones, with names numbered in
// one byte, in two, and spelled out once the dictionary is full.
func TestPackedKeys(t *testing.T) {
	d := newNameDict()
	for i := 0; i < maxNames-1; i++ {
		d.number("n" + strconv.Itoa(i))
	}
	sets := [][]signal.Label{
		{{Name: "n1", Value: "bc"}},
		{{Name: "n1", Value: "b"}, {Name: "n200", Value: "c"}},
		{{Name: "n200", Value: "b"}, {Name: "n1", Value: "c"}},
		{{Name: "a", Value: string(make([]byte, 300))}}, // takes the last number
		{{Name: "full", Value: "x"}, {Name: "n3", Value: ""}},
		{{Name: "fullx", Value: ""}},
		{},
	}
	for i, x := range sets {
		k := d.pack(x)
		if back, ok := d.unpack(k); !ok || len(back) != len(x) || d.pack(back) != k {
			t.Errorf("set %d: unpack(pack) = %v, %v", i, back, ok)
		}
		for j, y := range sets {
			if d.matches(k, y) != (i == j) {
				t.Errorf("matches(key of set %d, set %d) = %v", i, j, i != j)
			}
		}
	}
	if n := len(*d.list.Load()); n != maxNames {
		t.Errorf("dictionary holds %d names, want %d", n, maxNames)
	}
}
