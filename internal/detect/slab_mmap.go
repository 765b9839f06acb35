//go:build unix && !race

package detect

import (
	"syscall"
	"unsafe"
)

// allocChunk maps a zeroed chunk of records outside the Go heap. Where the kernel
// refuses, the chunk comes from the heap instead: pointer-free, so never scanned, but
// counted against GOGC.
func (m *mappings) allocChunk() []series {
	size := int(slabChunk * recBytes)
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]series, slabChunk)
	}
	m.regions = append(m.regions, b)
	return unsafe.Slice((*series)(unsafe.Pointer(&b[0])), slabChunk)
}

// release unmaps every chunk. Nothing may use the records afterwards.
func (m *mappings) release() {
	for _, b := range m.regions {
		_ = syscall.Munmap(b)
	}
	m.regions = nil
}
