//go:build unix && !race

package offheap

import "syscall"

// Map maps n zeroed bytes outside the Go heap, or returns nil if the kernel refuses.
func Map(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	return b
}

// Unmap returns what Map mapped. Nothing may use the bytes afterwards.
func Unmap(b []byte) { _ = syscall.Munmap(b) }
