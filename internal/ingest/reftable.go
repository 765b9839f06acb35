package ingest

import (
	"math/bits"
	"sync"
	"unsafe"

	"github.com/cerebro-aiops/cerebro/internal/offheap"
)

// refTable maps series keys to the sink's references: open addressing with linear probing
// over slots of the key and the reference, sharded by the key's first half. Tables of a
// page or more are mapped off the Go heap (mapSlots), so that a million references cost
// their 24 bytes a slot once, not up to twice under GOGC as a Go map's do. A reference of
// 0 marks an empty slot: it is never stored.
//
// Limits: a shard that reaches its share of the limit is emptied and refills from later
// misses, as the label sets then go by labels once more.
type refTable struct {
	limit  int
	shards [tableShards]refShard
}

type refShard struct {
	mu    sync.RWMutex
	slots []refSlot // length a power of two, or nil while empty
	n     int
	onMap bool     // slots are mapped, and unmapped when replaced
	_     [64]byte // keeps shards on their own cache lines
}

type refSlot struct {
	key seriesKey
	ref uint64
}

// mapSlots returns n empty slots, mapped off the heap for a page or more, and whether
// they are mapped. The slots hold no Go pointer, so the collector need not see them.
func mapSlots(n int) ([]refSlot, bool) {
	if n*slotBytes >= 4096 {
		if b := offheap.Map(n * slotBytes); b != nil {
			return unsafe.Slice((*refSlot)(unsafe.Pointer(&b[0])), n), true
		}
	}
	return make([]refSlot, n), false
}

// unmapSlots returns slots that mapSlots mapped.
func unmapSlots(s []refSlot) {
	offheap.Unmap(unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*slotBytes))
}

func newRefTable(limit int) *refTable {
	return &refTable{limit: max(limit/tableShards, 1)}
}

func (t *refTable) at(k seriesKey) *refShard { return &t.shards[k[0]%tableShards] }

// home mixes the key's second half, independent of the first that picked the shard.
func home(k seriesKey, mask uint64) uint64 {
	hi, lo := bits.Mul64(k[1], 0x9E3779B97F4A7C15)
	return (hi ^ lo) & mask
}

// get returns the reference of k, or 0.
func (t *refTable) get(k seriesKey) uint64 {
	sh := t.at(k)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	if sh.n == 0 {
		return 0
	}
	mask := uint64(len(sh.slots) - 1)
	for i := home(k, mask); sh.slots[i].ref != 0; i = (i + 1) & mask {
		if sh.slots[i].key == k {
			return sh.slots[i].ref
		}
	}
	return 0
}

// put sets the reference of k; a reference of 0 removes k.
func (t *refTable) put(k seriesKey, ref uint64) {
	sh := t.at(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if i, ok := sh.find(k); ok {
		if ref == 0 {
			sh.deleteAt(i)
		} else {
			sh.slots[i].ref = ref
		}
		return
	}
	if ref == 0 {
		return
	}
	if sh.n >= t.limit {
		sh.reset(0)
	}
	if (sh.n+1)*4 > len(sh.slots)*3 {
		sh.reset(max(16, 2*len(sh.slots)))
	}
	sh.place(refSlot{k, ref})
	sh.n++
}

func (sh *refShard) find(k seriesKey) (uint64, bool) {
	if sh.n == 0 {
		return 0, false
	}
	mask := uint64(len(sh.slots) - 1)
	for i := home(k, mask); sh.slots[i].ref != 0; i = (i + 1) & mask {
		if sh.slots[i].key == k {
			return i, true
		}
	}
	return 0, false
}

func (sh *refShard) place(s refSlot) {
	mask := uint64(len(sh.slots) - 1)
	i := home(s.key, mask)
	for sh.slots[i].ref != 0 {
		i = (i + 1) & mask
	}
	sh.slots[i] = s
}

// reset replaces the slots with n empty ones (none for 0), moving the entries over
// unless n is 0, and unmaps the old slots.
func (sh *refShard) reset(n int) {
	old, wasMapped := sh.slots, sh.onMap
	sh.slots, sh.onMap, sh.n = nil, false, 0
	if n > 0 {
		sh.slots, sh.onMap = mapSlots(n)
		for _, s := range old {
			if s.ref != 0 {
				sh.place(s)
				sh.n++
			}
		}
	}
	if wasMapped {
		unmapSlots(old)
	}
}

// deleteAt empties slot i and shifts the entries after it back, so that no probe run is
// broken.
func (sh *refShard) deleteAt(i uint64) {
	mask := uint64(len(sh.slots) - 1)
	for j := (i + 1) & mask; sh.slots[j].ref != 0; j = (j + 1) & mask {
		if (j-home(sh.slots[j].key, mask))&mask >= (j-i)&mask {
			sh.slots[i] = sh.slots[j]
			i = j
		}
	}
	sh.slots[i] = refSlot{}
	sh.n--
}

// release unmaps every shard's slots. Nothing may use the table afterwards.
func (t *refTable) release() {
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		if sh.onMap {
			unmapSlots(sh.slots)
		}
		sh.slots, sh.onMap, sh.n = nil, false, 0
		sh.mu.Unlock()
	}
}

const slotBytes = int(unsafe.Sizeof(refSlot{}))
