package detect

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// TestSeriesHasNoPointers keeps the record pointer-free: the slab holds records off the
// heap, where the collector would not see a pointer and would free what it points to.
func TestSeriesHasNoPointers(t *testing.T) {
	var walk func(reflect.Type, string)
	walk = func(ty reflect.Type, path string) {
		switch ty.Kind() {
		case reflect.Struct:
			for i := 0; i < ty.NumField(); i++ {
				walk(ty.Field(i).Type, path+"."+ty.Field(i).Name)
			}
		case reflect.Array:
			walk(ty.Elem(), path+"[]")
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.String, reflect.Chan,
			reflect.Func, reflect.Interface, reflect.UnsafePointer:
			t.Errorf("series%s is a %s: records must hold no Go pointer", path, ty.Kind())
		}
	}
	walk(reflect.TypeOf(series{}), "")
}

// feedRef feeds points one at a time by reference: labels only when the engine asks for
// them, as remote_write does. It returns the signals and how often labels were needed.
func feedRef(e *Engine, ls []signal.Label, start time.Time, step time.Duration, n int,
	value func(i int) float64) ([]signal.Signal, int) {
	var out []signal.Signal
	var ref uint64
	asked := 0
	for i := 0; i < n; i++ {
		p := []signal.Point{{T: start.Add(time.Duration(i) * step).UnixMilli(), V: value(i)}}
		s := signal.Series{Points: p, Ref: ref}
		if ref != 0 {
			if out = e.ObserveRef(&s, out); s.Ref != 0 {
				continue
			}
		}
		asked++
		s = signal.Series{Labels: ls, Points: p}
		out = e.ObserveRef(&s, out)
		ref = s.Ref
	}
	return out, asked
}

// TestRefMatchesLabels checks that a series fed by reference raises the same signals, with
// the same labels, as one fed by labels, and asks for its labels only once.
func TestRefMatchesLabels(t *testing.T) {
	ls := labelsOf("process_resident_memory_bytes", "service", "api", "pod", "a-1")
	value := func(seed uint64) func(int) float64 {
		rng := rand.New(rand.NewPCG(seed, 9))
		return func(i int) float64 {
			v := 1e6 + 1e3*rng.NormFloat64()
			if i >= 300 && i < 340 {
				v += 5e4
			}
			return v
		}
	}
	want := feed(newEngine(t, Config{}), ls, labStart, 5*time.Second, 500, value(1))
	got, asked := feedRef(newEngine(t, Config{}), ls, labStart, 5*time.Second, 500, value(1))
	if asked != 1 {
		t.Errorf("labels asked %d times, want once", asked)
	}
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("by reference %d signals, by labels %d (want some)", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if g.Fingerprint != w.Fingerprint || g.Name != w.Name || g.Summary != w.Summary ||
			!reflect.DeepEqual(g.Labels, w.Labels) || g.Score != w.Score {
			t.Errorf("signal %d by reference %+v, by labels %+v", i, g, w)
		}
	}
}

// TestRefAfterEviction checks that a reference to an evicted series is refused without
// applying its points, even once another series holds the record, and that the series
// comes back by labels with a new reference.
func TestRefAfterEviction(t *testing.T) {
	e := newEngine(t, Config{MaxSeries: 1, StaleAfter: time.Minute})
	clk := withClock(e)
	e.hash = func([]signal.Label) uint64 { return 7 } // one shard, one record to reuse
	a, b := labelsOf("m", "s", "a"), labelsOf("m", "s", "b")
	pt := func(min int) []signal.Point {
		return []signal.Point{{T: labStart.Add(time.Duration(min) * time.Minute).UnixMilli(), V: 1}}
	}
	sa := signal.Series{Labels: a, Points: pt(0)}
	e.ObserveRef(&sa, nil)
	refA := sa.Ref
	if refA == 0 {
		t.Fatal("no reference for a new series")
	}
	clk.advance(10 * time.Minute)
	sb := signal.Series{Labels: b, Points: pt(10)} // a is idle: evicted for b
	e.ObserveRef(&sb, nil)
	if sb.Ref == 0 || sb.Ref == refA || e.Len() != 1 {
		t.Fatalf("ref of b %x (a's %x), %d series held", sb.Ref, refA, e.Len())
	}
	_, idxA, _ := splitRef(refA)
	if _, idxB, _ := splitRef(sb.Ref); idxA != idxB {
		t.Fatalf("b took record %d, not a's freed %d: the test needs the reuse", idxB, idxA)
	}
	stale := signal.Series{Points: pt(11), Ref: refA}
	e.ObserveRef(&stale, nil)
	st := e.shards[7].find(7, b)
	if stale.Ref != 0 || st == nil || st.det.lastT != pt(10)[0].T {
		t.Fatalf("stale reference: Ref %x after, b's last sample %v", stale.Ref, st)
	}
	again := signal.Series{Points: pt(12), Ref: sb.Ref}
	e.ObserveRef(&again, nil)
	if again.Ref != sb.Ref || st.det.lastT != pt(12)[0].T {
		t.Fatalf("b's own reference refused or not applied")
	}
}

// TestRefKinds checks the references of series the engine does not keep: buckets are
// named by one reference that skips them, dropped series get none.
func TestRefKinds(t *testing.T) {
	e := newEngine(t, Config{MaxSeries: 1})
	pts := []signal.Point{{T: 1000, V: 1}}
	bucket := signal.Series{Labels: labelsOf("x_bucket", "le", "1"), Points: pts}
	e.ObserveRef(&bucket, nil)
	if bucket.Ref != ignoredRef {
		t.Fatalf("bucket ref %x, want %x", bucket.Ref, ignoredRef)
	}
	byRef := signal.Series{Points: pts, Ref: ignoredRef}
	e.ObserveRef(&byRef, nil)
	if byRef.Ref != ignoredRef || e.Len() != 0 {
		t.Fatalf("bucket by reference: ref %x, %d series", byRef.Ref, e.Len())
	}
	first := signal.Series{Labels: labelsOf("m", "i", "1"), Points: pts}
	second := signal.Series{Labels: labelsOf("m", "i", "2"), Points: pts}
	e.ObserveRef(&first, nil)
	e.ObserveRef(&second, nil)
	if first.Ref == 0 || second.Ref != 0 {
		t.Fatalf("refs %x and %x, want one and none (limit 1)", first.Ref, second.Ref)
	}
	for _, ref := range []uint64{first.Ref + 1<<40, first.Ref ^ 1<<8, maxRefGen << 40} {
		s := signal.Series{Points: []signal.Point{{T: 2000, V: 1}}, Ref: ref}
		if e.ObserveRef(&s, nil); s.Ref != 0 {
			t.Errorf("made-up ref %x accepted", ref)
		}
	}
}

// TestRefSurvivesRestore checks that a restored engine gives the same series back by
// labels with a reference of its own, and keeps the trends of the series that have them.
func TestRefSurvivesRestore(t *testing.T) {
	a := newEngine(t, Config{})
	ls := labelsOf("process_resident_memory_bytes", "pod", "p")
	feed(a, ls, labStart, 5*time.Second, 100, func(i int) float64 { return float64(1e6 + i) })
	var buf bytes.Buffer
	if err := a.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	b := newEngine(t, Config{})
	if err := b.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	h := signal.HashLabels(ls)
	sh := &b.shards[h%numShards]
	st := sh.find(h, ls)
	if st == nil || !st.trended || sh.trends[st.idx] == nil || sh.trends[st.idx].fcTrend.t0 == 0 {
		t.Fatalf("restored series %+v without its trends", st)
	}
	later := labStart.Add(time.Hour).UnixMilli()
	s := signal.Series{Labels: ls, Points: []signal.Point{{T: later, V: 1e6}}}
	b.ObserveRef(&s, nil)
	if s.Ref != b.ref(int(h%numShards), st) || b.Len() != 1 {
		t.Fatalf("ref %x, %d series after restore", s.Ref, b.Len())
	}
}

// TestChurnKeepsKeys admits and evicts series of many key lengths, some too long for the
// key arena, so that records and key space are reused: every series held must still be
// found by its labels, with its own key, and by its reference.
func TestChurnKeepsKeys(t *testing.T) {
	e := newEngine(t, Config{MaxSeries: 50, StaleAfter: time.Minute})
	clk := withClock(e)
	rng := rand.New(rand.NewPCG(3, 4))
	refs := map[string]uint64{}
	for step := 0; step < 3000; step++ {
		pod := string(bytes.Repeat([]byte{byte('a' + rng.IntN(26))}, 1+rng.IntN(1200)))
		ls := labelsOf("m", "pod", pod, "n", itoa(step%97+1))
		s := signal.Series{Labels: ls, Points: []signal.Point{{T: int64(step) * 10_000, V: 1}}}
		e.ObserveRef(&s, nil)
		if s.Ref != 0 {
			refs[e.names.pack(ls)] = s.Ref
		}
		clk.advance(10 * time.Second)
	}
	held := 0
	for i := range e.shards {
		sh := &e.shards[i]
		sh.series.each(func(h uint64, st *series) {
			held++
			key := *e.recs.key(st.idx)
			ls, ok := e.names.unpack(key)
			if !ok || sh.find(h, ls) != st || e.hash(ls) != h {
				t.Fatalf("record %d: key %q does not name it", st.idx, key)
			}
			if ref := refs[key]; e.byRef(splitRef(ref)) != st {
				t.Fatalf("record %d: its last reference %x does not name it", st.idx, ref)
			}
		})
	}
	if held != e.Len() || held == 0 || counterValue(e.m.evicted) < 100 {
		t.Fatalf("%d series in the tables, %d held, %v evicted (want 100 or more)", held,
			e.Len(), counterValue(e.m.evicted))
	}
}
