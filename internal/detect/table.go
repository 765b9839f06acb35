package detect

import (
	"math/bits"
	"sync/atomic"
	"unsafe"

	"github.com/cerebro-aiops/cerebro/internal/prefetch"
)

// table is one shard's index of series: open addressing with linear probing over slots
// that hold the full 64-bit label hash next to the state pointer. A lookup reads one slot
// (usually one cache line) and then the state it wants; a probe past another series
// compares hashes in the slot array and never loads that series' state. The Go map it
// replaces spent a third of the engine's time at a million series loading its control
// words and then the slot.
//
// Equal hashes are allowed: every hash match is confirmed on the series' full identity
// (the shard's find checks the key), so two label sets that collide keep two states.
// The states live in the shard's slab, off the heap; the slots point into it.
//
// The slot position mixes the hash with a per-engine secret, so that label sets crafted
// against the public label hash cannot pile into one probe run. A table is not safe for
// concurrent use; the shard lock guards it.
type table struct {
	slots  []slot // length a power of two, or nil while empty
	n      int
	seedA  uint64 // the secret of home; seedB is odd
	seedB  uint64
	mapped *mappings // where slots come from: off the heap, as the records they point to
	onMap  bool      // slots are mapped, and freed to mapped when replaced

	// base and mask are where the slots are and their index mask, published for
	// prefetchHome, which runs without the shard lock. A reader may see a stale or torn
	// pair; it then prefetches a useless line, which is all it can do with it.
	base atomic.Uintptr
	mask atomic.Uint64
}

type slot struct {
	h  uint64
	st *series // nil marks an empty slot
}

// maxLoad is the fill, in quarters, past which the table doubles: linear probing stays
// near one cache line per lookup below three quarters.
const maxLoad = 3

func (t *table) home(h uint64) uint64 {
	return t.homeIn(h, uint64(len(t.slots)-1))
}

// homeIn is the home slot of h in slots of index mask mask.
func (t *table) homeIn(h, mask uint64) uint64 {
	hi, lo := bits.Mul64(h^t.seedA, t.seedB)
	return (hi ^ lo) & mask
}

// find returns the first state with hash h that ok accepts, or nil. ok confirms the
// identity: equal hashes are allowed.
func (t *table) find(h uint64, ok func(*series) bool) *series {
	if t.n == 0 {
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	for i := t.home(h); t.slots[i].st != nil; i = (i + 1) & mask {
		if s := &t.slots[i]; s.h == h && ok(s.st) {
			return s.st
		}
	}
	return nil
}

// prefetchHome starts loading the home slot of hash h, so that a find of h a little
// later does not wait for memory. It is safe without the shard lock: it reads only the
// published base and mask and the seeds, which never change after New.
func (t *table) prefetchHome(h uint64) {
	base := t.base.Load()
	if base == 0 {
		return
	}
	i := t.homeIn(h, t.mask.Load())
	prefetch.Line(base + uintptr(i)*unsafe.Sizeof(slot{}))
}

// insert adds a series that is not in the table yet.
func (t *table) insert(h uint64, st *series) {
	if (t.n+1)*4 > len(t.slots)*maxLoad {
		t.grow()
	}
	t.place(h, st)
	t.n++
}

func (t *table) place(h uint64, st *series) {
	mask := uint64(len(t.slots) - 1)
	i := t.home(h)
	for t.slots[i].st != nil {
		i = (i + 1) & mask
	}
	t.slots[i] = slot{h, st}
}

func (t *table) grow() {
	old, wasMapped := t.slots, t.onMap
	n := max(8, 2*len(old))
	if t.mapped != nil && n*int(unsafe.Sizeof(slot{})) >= pageBytes {
		t.slots, t.onMap = t.mapped.allocSlots(n)
	} else {
		t.slots, t.onMap = make([]slot, n), false
	}
	for _, s := range old {
		if s.st != nil {
			t.place(s.h, s.st)
		}
	}
	t.base.Store(uintptr(unsafe.Pointer(&t.slots[0])))
	t.mask.Store(uint64(n - 1))
	if wasMapped {
		t.mapped.free(unsafe.Pointer(&old[0]))
	}
}

// mappedBytes returns the bytes of slots off the heap.
func (t *table) mappedBytes() int64 {
	if !t.onMap {
		return 0
	}
	return int64(len(t.slots)) * int64(unsafe.Sizeof(slot{}))
}

// deleteAt empties slot i and shifts the entries after it back, so that no probe run is
// broken and no tombstones accumulate. Entries move only into the emptied slot or later
// ones of the same run, which deleteIf relies on.
func (t *table) deleteAt(i uint64) {
	mask := uint64(len(t.slots) - 1)
	for j := (i + 1) & mask; t.slots[j].st != nil; j = (j + 1) & mask {
		// The entry at j may fill the hole at i only if its home is not after i on the
		// way to j.
		if (j-t.home(t.slots[j].h))&mask >= (j-i)&mask {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = slot{}
	t.n--
}

// deleteIf removes every series for which drop is true and returns how many it removed.
func (t *table) deleteIf(drop func(*series) bool) int {
	n := 0
	for i := uint64(0); i < uint64(len(t.slots)); {
		if st := t.slots[i].st; st != nil && drop(st) {
			// The shift may have moved a later entry into slot i: look at it again.
			t.deleteAt(i)
			n++
			continue
		}
		i++
	}
	return n
}

// each calls f on every series in the table.
func (t *table) each(f func(h uint64, st *series)) {
	for _, s := range t.slots {
		if s.st != nil {
			f(s.h, s.st)
		}
	}
}
