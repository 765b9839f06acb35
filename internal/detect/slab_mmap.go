//go:build unix && !race

package detect

import (
	"syscall"
	"unsafe"
)

// allocChunk maps a zeroed chunk of records outside the Go heap. Where the kernel
// refuses, the chunk comes from the heap instead: pointer-free, so never scanned, but
// counted against GOGC.
func (m *mappings) allocChunk() *[slabChunk]series {
	b := m.mmap(int(slabChunk * recBytes))
	if b == nil {
		return new([slabChunk]series)
	}
	return (*[slabChunk]series)(unsafe.Pointer(&b[0]))
}

// allocBytes maps n zeroed bytes outside the Go heap, or takes them from the heap where
// the kernel refuses.
func (m *mappings) allocBytes(n int) []byte {
	if b := m.mmap(n); b != nil {
		return b
	}
	return make([]byte, n)
}

func (m *mappings) mmap(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	m.regions = append(m.regions, b)
	m.bytes += int64(n)
	return b
}

// release unmaps every chunk. Nothing may use the records afterwards.
func (m *mappings) release() {
	for _, b := range m.regions {
		_ = syscall.Munmap(b)
	}
	m.regions = nil
}
