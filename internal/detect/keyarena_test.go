package detect

import (
	"fmt"
	"testing"
)

// TestKeyArenaBoundedUnderDrift drives the pattern that once grew the arena without
// bound: a fixed number of live series, replaced phase after phase by series whose keys
// are 16 bytes longer than the last phase's, up to past 1 KiB. The arena must stay within
// the bound its doc comment promises, and long keys must not pile up on the heap.
func TestKeyArenaBoundedUnderDrift(t *testing.T) {
	const live, phases, perPhase = 1000, 70, 3000
	a := keyArena{mapped: newMappings()}
	defer a.mapped.release()
	keys, ids := make([]string, live), make([]int, live)
	for n := range phases * perPhase {
		size := 16 + n/perPhase*keyGrain
		i := n % live
		if keys[i] != "" {
			a.drop(keys[i])
		}
		keys[i], ids[i] = a.put(driftKey(n, size)), n
		if n%perPhase != perPhase-1 {
			continue
		}
		if got, bound := a.reservedBytes(), keyArenaBound(live); got > bound {
			t.Fatalf("keys of %d B: arena holds %d B, bound %d B", size, got, bound)
		}
		if len(a.long) > live {
			t.Fatalf("keys of %d B: %d long keys kept for %d live", size, len(a.long), live)
		}
	}
	for i, k := range keys {
		if want := driftKey(ids[i], len(k)); k != want {
			t.Fatalf("key %d is %q, want %q", i, k, want)
		}
	}
}

// keyArenaBound is what keyArena's doc comment promises for live series at most: 576
// bytes each, written out rather than derived from the classes so that raising the cap
// fails here, plus the region being filled.
func keyArenaBound(live int) int64 {
	regions := (int64(live)*576 + arenaRegion - 1) / arenaRegion
	return (regions + 1) * arenaRegion
}

// driftKey is a key of size bytes, unique to n.
func driftKey(n, size int) string { return fmt.Sprintf("%0*d", size, n) }
