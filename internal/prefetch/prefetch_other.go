//go:build !amd64 && !arm64

package prefetch

// Line does nothing on this architecture: the loads it would start happen, later, when
// the line is read.
func Line(uintptr) {}
