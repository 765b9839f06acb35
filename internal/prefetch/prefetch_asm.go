//go:build amd64 || arm64

package prefetch

// Line starts loading the cache line at addr into every cache level. It returns at
// once; addr need not be mapped.
func Line(addr uintptr)

// Lines starts loading the n 64-byte lines from addr on, as Line does each: one call for
// a whole record, whose lines a step then reads in no order a hardware prefetcher
// follows.
func Lines(addr uintptr, n int)
