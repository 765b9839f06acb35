package detect

import "unsafe"

// Keys up to maxArenaKey bytes live in the key arena, in classes of keyGrain bytes;
// longer ones stay on the heap. The cap is what bounds the arena (see keyArena): with
// 16-byte classes up to 128 bytes, there are 8 classes, and a typical key, 60 to 120
// bytes with its names numbered, still fits in one.
const (
	keyGrain    = 16
	maxArenaKey = 128
	arenaRegion = 1 << 20
	keyClasses  = maxArenaKey/keyGrain + 1
)

// keyArena keeps the series keys off the Go heap, as the slab keeps the records: a
// million keys of 80 bytes cost 80 MB once, not up to twice under GOGC with a string
// header and an allocator class each. A key is handed out as a string pointing into the
// arena, valid until it is dropped: whoever keeps part of a key past the shard lock must
// copy it (see emitCtx.seriesLabels). Freed space is reused by keys of the same class.
//
// Bound: a class takes new space only when none of its freed space is left, so it never
// holds more blocks than the most keys of that class ever live at once, at most the peak
// series count N. The arena therefore never takes more than N × 576 B (the 8 classes'
// sizes summed), plus the region being filled and under maxArenaKey lost at the end of
// each region, whatever the history of key lengths. With a cap of 1 KiB, 64 classes, key
// lengths drifting upward left freed space in every class behind them: up to N × 33 KiB,
// 1.6 GB at max_series 50,000. Longer keys are ordinary heap strings, which the
// collector frees once they are dropped.
//
// The slab's lock guards the arena.
type keyArena struct {
	cur     []byte                       // what is left of the newest region
	free    [keyClasses][]unsafe.Pointer // freed keys' space, by class
	long    map[*byte]string             // keys too long for the arena, kept alive here
	heap    [][]byte                     // regions the heap gave, kept alive here
	regions int64                        // regions taken
	mapped  *mappings
}

// reservedBytes is the space of every region the arena has taken, the figure that its
// bound limits.
func (a *keyArena) reservedBytes() int64 { return a.regions * arenaRegion }

// usedBytes is the arena's space handed out, free or not.
func (a *keyArena) usedBytes() int64 {
	return a.reservedBytes() - int64(len(a.cur))
}

// put returns key stored in the arena, or key itself if it is too long for it.
func (a *keyArena) put(key string) string {
	n := len(key)
	if n == 0 {
		return key
	}
	if n > maxArenaKey {
		// The chunk that holds the key is off the heap: the map is what keeps it alive.
		if a.long == nil {
			a.long = map[*byte]string{}
		}
		a.long[unsafe.StringData(key)] = key
		return key
	}
	c := (n + keyGrain - 1) / keyGrain
	var p unsafe.Pointer
	if l := a.free[c]; len(l) > 0 {
		p, a.free[c] = l[len(l)-1], l[:len(l)-1]
	} else {
		size := c * keyGrain
		if len(a.cur) < size {
			a.grow()
		}
		p, a.cur = unsafe.Pointer(&a.cur[0]), a.cur[size:]
	}
	copy(unsafe.Slice((*byte)(p), n), key)
	return unsafe.String((*byte)(p), n)
}

// grow starts a new region. One from the heap is kept alive here: the keys in it are
// held by chunks off the heap, which the collector does not see.
func (a *keyArena) grow() {
	b, ok := a.mapped.alloc(arenaRegion)
	if !ok {
		b = make([]byte, arenaRegion)
		a.heap = append(a.heap, b)
	}
	a.cur = b
	a.regions++
}

// drop frees the space of a key that put returned.
func (a *keyArena) drop(key string) {
	n := len(key)
	if n == 0 {
		return
	}
	if n > maxArenaKey {
		delete(a.long, unsafe.StringData(key))
		return
	}
	c := (n + keyGrain - 1) / keyGrain
	a.free[c] = append(a.free[c], unsafe.Pointer(unsafe.StringData(key)))
}
