//go:build unix && !race

package detect

import "syscall"

// mapBytes maps n zeroed bytes outside the Go heap, or returns nil if the kernel refuses.
func mapBytes(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	return b
}

// unmapBytes returns what mapBytes mapped.
func unmapBytes(b []byte) { _ = syscall.Munmap(b) }
