//go:build !unix || race

package detect

// allocChunk takes a chunk of records from the Go heap. The race detector checks only
// memory the Go runtime allocated, so race builds keep the records there, where it
// watches them.
func (m *mappings) allocChunk() *[slabChunk]series {
	return new([slabChunk]series)
}

func (m *mappings) release() {}
