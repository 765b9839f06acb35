//go:build amd64 || arm64

package prefetch

// Line starts loading the cache line at addr into every cache level. It returns at
// once; addr need not be mapped.
func Line(addr uintptr)
