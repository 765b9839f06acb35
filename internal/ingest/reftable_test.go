package ingest

import (
	"math/rand/v2"
	"testing"
)

// TestRefTableMatchesMap puts, overwrites and removes at random, with keys that crowd a
// few shards and slots, and checks every lookup against a map, across growth and the
// emptying of a full shard.
func TestRefTableMatchesMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	tb := newRefTable(tableShards * 3000)
	want := map[seriesKey]uint64{}
	for step := 0; step < 200000; step++ {
		k := seriesKey{uint64(rng.IntN(4)), uint64(rng.IntN(5000)) << 40}
		if got := tb.get(k); got != want[k] {
			t.Fatalf("step %d: get(%x) = %d, want %d", step, k, got, want[k])
		}
		ref := uint64(rng.IntN(3))
		sh := tb.at(k)
		full := sh.n >= tb.limit && want[k] == 0 && ref != 0
		tb.put(k, ref)
		if full {
			for w := range want {
				if tb.at(w) == sh {
					delete(want, w)
				}
			}
		}
		if ref == 0 {
			delete(want, k)
		} else {
			want[k] = ref
		}
	}
	n := 0
	for i := range tb.shards {
		n += tb.shards[i].n
	}
	if n != len(want) {
		t.Fatalf("table holds %d, want %d", n, len(want))
	}
	tb.release()
}
