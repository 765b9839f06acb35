//go:build !amd64 && !arm64

package prefetch

// Line does nothing on this architecture: the loads it would start happen, later, when
// the line is read.
func Line(uintptr) {}

// Lines does nothing on this architecture, as Line.
func Lines(uintptr, int) {}
