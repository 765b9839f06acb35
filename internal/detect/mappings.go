package detect

import (
	"sync"
	"unsafe"

	"github.com/cerebro-aiops/cerebro/internal/offheap"
)

// mappings is what an engine allocated off the Go heap: record chunks, key space and
// table slots. The collector does not see this memory: it must hold no pointer to the
// heap that nothing on the heap also holds, and a cleanup unmaps it once the engine is
// unreachable. Where the kernel refuses a mapping (or in race builds), the memory comes
// from the heap instead, and then it is ordinary Go memory.
type mappings struct {
	mu      sync.Mutex
	regions map[*byte][]byte
	bytes   int64 // mapped now
}

func newMappings() *mappings {
	return &mappings{regions: map[*byte][]byte{}}
}

// alloc returns n zeroed bytes, mapped if it can.
func (m *mappings) alloc(n int) ([]byte, bool) {
	b := offheap.Map(n)
	if b == nil {
		return nil, false
	}
	m.mu.Lock()
	m.regions[&b[0]] = b
	m.bytes += int64(n)
	m.mu.Unlock()
	return b, true
}

// free unmaps a region that alloc mapped; p is its first byte.
func (m *mappings) free(p unsafe.Pointer) {
	m.mu.Lock()
	b, ok := m.regions[(*byte)(p)]
	delete(m.regions, (*byte)(p))
	m.bytes -= int64(len(b))
	m.mu.Unlock()
	if ok {
		offheap.Unmap(b)
	}
}

// mapped returns the bytes mapped now.
func (m *mappings) mapped() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bytes
}

// release unmaps everything. Nothing may use the memory afterwards.
func (m *mappings) release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.regions {
		offheap.Unmap(b)
	}
	clear(m.regions)
	m.bytes = 0
}

// allocChunk returns a zeroed chunk, mapped if it can.
func (m *mappings) allocChunk() *chunk {
	if b, ok := m.alloc(int(unsafe.Sizeof(chunk{}))); ok {
		return (*chunk)(unsafe.Pointer(&b[0]))
	}
	return new(chunk)
}

// allocSlots returns n empty table slots, mapped if it can, and whether they are.
func (m *mappings) allocSlots(n int) ([]slot, bool) {
	if b, ok := m.alloc(n * int(unsafe.Sizeof(slot{}))); ok {
		return unsafe.Slice((*slot)(unsafe.Pointer(&b[0])), n), true
	}
	return make([]slot, n), false
}
