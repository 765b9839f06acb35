//go:build !unix || race

package detect

// allocChunk takes a chunk of records from the Go heap. The race detector checks only
// memory the Go runtime allocated, so race builds keep the records there, where it
// watches them.
func (m *mappings) allocChunk() *[slabChunk]series {
	return new([slabChunk]series)
}

// allocBytes takes n zeroed bytes from the Go heap.
func (m *mappings) allocBytes(n int) []byte {
	return make([]byte, n)
}

func (m *mappings) release() {}
