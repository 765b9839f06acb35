package detect

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/cerebro-aiops/cerebro/internal/prefetch"
)

// slabChunk is the records per chunk of the slab: at about 700 bytes a record, 700 KiB,
// so that a million series take about a thousand mappings, and only the pages records
// have reached are ever touched.
const slabChunk = 1024

// slab holds the engine's series records in chunks, allocated off the Go heap where the
// platform allows (see allocChunk). A record holds no Go pointer, so the collector
// neither scans the chunks nor counts them against GOGC: a million records cost their
// size once, not up to twice as on the heap. A record keeps its index for life, which
// is what series references name; freed indexes are reused, newest first.
//
// One slab serves every shard, so that series created one after the other lie side by
// side whatever shard they hash to: a remote_write queue or a scrape sends them in that
// order again, and the prefetcher then hides most cache misses. Per-shard slabs scattered
// them over 256 places and lost a third of the throughput at 100,000 series.
//
// The slab's lock guards allocation only. A record, and its key, belong to the shard of
// its series: they are read and written under that shard's lock, which also orders them
// after the allocation. Its tag, the generation and shard that a reference must match,
// is atomic: a stale reference may name a record that another shard holds now, and is
// refused on the tag alone, without touching the record.
type slab struct {
	mu     sync.Mutex
	dir    atomic.Pointer[[]*chunk] // grown by copy, so that readers need no lock
	n      uint32                   // records ever handed out
	free   []uint32                 // indexes of freed records
	keys   keyArena
	mapped *mappings
}

// chunk is slabChunk records with their keys and tags. It lives off the heap with the
// records: the keys point into the key arena, or, for the rare long key, to a heap
// string that the arena keeps too.
type chunk struct {
	recs [slabChunk]series
	keys [slabChunk]string
	tags [slabChunk]atomic.Uint32 // generation<<8 | shard
}

// tagOf is the tag of a record of generation gen held by shard i.
func tagOf(gen uint32, i int) uint32 { return gen<<refShardBits | uint32(i) }

// at returns the record at index i, which must have been handed out.
func (s *slab) at(i uint32) *series {
	return &(*s.dir.Load())[i/slabChunk].recs[i%slabChunk]
}

// key returns where the key of the series in record i is kept.
func (s *slab) key(i uint32) *string {
	return &(*s.dir.Load())[i/slabChunk].keys[i%slabChunk]
}

// tag returns the tag of record i.
func (s *slab) tag(i uint32) *atomic.Uint32 {
	return &(*s.dir.Load())[i/slabChunk].tags[i%slabChunk]
}

// prefetch starts loading the tag and the first line of record i, if the slab has it.
// It takes no lock: the chunk directory is replaced, never changed, and a record's
// address does not depend on who holds it.
func (s *slab) prefetch(i uint32) {
	d := s.dir.Load()
	if d == nil || int(i/slabChunk) >= len(*d) {
		return
	}
	c := (*d)[i/slabChunk]
	prefetch.Line(uintptr(unsafe.Pointer(&c.tags[i%slabChunk])))
	prefetchRecord(&c.recs[i%slabChunk])
}

// recLines is how many cache lines a record can span: its bytes, and one more for a
// record that does not start on a line.
const recLines = int(recBytes+63)/64 + 1

// prefetchRecord starts loading every line of st. A step reads most of the record's
// lines, in an order the hardware prefetcher does not follow, so each line's miss used
// to come after the one before.
func prefetchRecord(st *series) {
	prefetch.Lines(uintptr(unsafe.Pointer(st))&^63, recLines)
}

// holds reports whether record i holds a series of shard sh of generation gen.
func (s *slab) holds(i uint32, sh int, gen uint32) bool {
	d := s.dir.Load()
	if d == nil || int(i/slabChunk) >= len(*d) {
		return false
	}
	return gen != 0 && (*d)[i/slabChunk].tags[i%slabChunk].Load() == tagOf(gen, sh)
}

// alloc returns the index of a free record, zeroed and with key, for shard sh, or false
// when the indexes a reference can name are used up. The caller holds the lock of shard
// sh.
func (s *slab) alloc(sh int, key string) (uint32, bool) {
	s.mu.Lock()
	i, ok := s.take()
	if ok {
		key = s.keys.put(key)
	}
	s.mu.Unlock()
	if !ok {
		return 0, false
	}
	*s.at(i) = series{idx: i}
	*s.key(i) = key
	t := s.tag(i)
	t.Store(tagOf(max(t.Load()>>refShardBits, 1), sh))
	return i, true
}

func (s *slab) take() (uint32, bool) {
	if k := len(s.free); k > 0 {
		i := s.free[k-1]
		s.free = s.free[:k-1]
		return i, true
	}
	if s.n == maxRefIndex {
		return 0, false
	}
	if d := s.dir.Load(); d == nil || int(s.n/slabChunk) == len(*d) {
		s.grow()
	}
	i := s.n
	s.n++
	return i, true
}

// grow adds a chunk. The caller holds s.mu.
func (s *slab) grow() {
	var old []*chunk
	if d := s.dir.Load(); d != nil {
		old = *d
	}
	d := append(old[:len(old):len(old)], s.mapped.allocChunk())
	s.dir.Store(&d)
}

// release frees record i; the caller holds the lock of its series' shard. Its
// generation moves on, so that references to the series it held no longer match; a
// record whose generation would leave the bits a reference has for it is retired
// instead, so that no reference can ever name a later series.
func (s *slab) release(i uint32) {
	key := *s.key(i)
	*s.key(i) = ""
	t := s.tag(i)
	gen := t.Load() >> refShardBits
	if gen < maxRefGen {
		t.Store(tagOf(gen+1, 0))
	}
	s.mu.Lock()
	s.keys.drop(key)
	if gen < maxRefGen {
		s.free = append(s.free, i)
	}
	s.mu.Unlock()
}

// touchedBytes is about what the slab's mapped memory costs in resident memory: every
// full chunk, the pages of the last one that records have reached, and the key space
// handed out.
func (s *slab) touchedBytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	full := int64(s.n/slabChunk) * int64(unsafe.Sizeof(chunk{}))
	part := int64(s.n%slabChunk) * recBytes
	return full + (part+pageBytes-1)/pageBytes*pageBytes + s.keys.usedBytes()
}

const (
	recBytes  = int64(unsafe.Sizeof(series{}))
	pageBytes = 4096
)
