package detect

import (
	"math"
	"unsafe"
)

// slabChunk is the records per chunk of a slab: at about 700 bytes a record, 700 KiB,
// large enough that a million series take a few thousand mappings, and only the pages
// records have reached are ever touched.
const slabChunk = 1024

// slab holds one shard's series records in fixed chunks, allocated off the Go heap where
// the platform allows (see allocChunk). A record holds no Go pointer, so the collector
// neither scans the chunks nor counts them against GOGC: a million records cost their
// size once, not up to twice as on the heap. A record keeps its index for life, which
// is what series references name; freed indexes are reused, newest first.
//
// A slab is not safe for concurrent use; the shard lock guards it.
type slab struct {
	chunks [][]series
	n      uint32   // records ever handed out; indexes below it are valid
	free   []uint32 // indexes of freed records
	mapped *mappings
}

// at returns the record at index i, which must be below s.n.
func (s *slab) at(i uint32) *series {
	return &s.chunks[i/slabChunk][i%slabChunk]
}

// alloc returns the index of a free record, zeroed except for its generation, or false
// when the indexes a reference can name are used up.
func (s *slab) alloc() (uint32, bool) {
	if k := len(s.free); k > 0 {
		i := s.free[k-1]
		s.free = s.free[:k-1]
		gen := s.at(i).gen
		*s.at(i) = series{idx: i, gen: gen}
		return i, true
	}
	if s.n > maxRefIndex {
		return 0, false
	}
	if int(s.n/slabChunk) == len(s.chunks) {
		s.chunks = append(s.chunks, s.mapped.allocChunk())
	}
	i := s.n
	s.n++
	*s.at(i) = series{idx: i, gen: 1}
	return i, true
}

// release frees record i. Its generation moves on, so that references to the series it
// held no longer match; a record whose generation would wrap is retired instead, so that
// no reference can ever name a later series.
func (s *slab) release(i uint32) {
	st := s.at(i)
	st.live = false
	if st.gen == math.MaxUint32 {
		return
	}
	st.gen++
	s.free = append(s.free, i)
}

// touchedBytes is about what the records cost in resident memory: every full chunk, and
// the pages of the last one that records have reached.
func (s *slab) touchedBytes() int64 {
	if s.n == 0 {
		return 0
	}
	full := int64(s.n/slabChunk) * slabChunk * recBytes
	part := int64(s.n%slabChunk) * recBytes
	return full + (part+pageBytes-1)/pageBytes*pageBytes
}

const (
	recBytes  = int64(unsafe.Sizeof(series{}))
	pageBytes = 4096
)

// mappings is the list of chunks an engine allocated off the heap, freed by a cleanup
// once the engine is unreachable.
type mappings struct {
	regions [][]byte
}
