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
	b, err := syscall.Mmap(-1, 0, int(slabChunk*recBytes),
		syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return new([slabChunk]series)
	}
	m.regions = append(m.regions, b)
	return (*[slabChunk]series)(unsafe.Pointer(&b[0]))
}

// release unmaps every chunk. Nothing may use the records afterwards.
func (m *mappings) release() {
	for _, b := range m.regions {
		_ = syscall.Munmap(b)
	}
	m.regions = nil
}
