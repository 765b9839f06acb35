package prefetch

import (
	"testing"
	"unsafe"
)

// TestNeverFaults: callers prefetch from tables another goroutine may have replaced and
// unmapped, so an address that is not mapped must cost nothing. A load there would
// crash the test.
func TestNeverFaults(t *testing.T) {
	for _, addr := range []uintptr{0, 64, 1 << 47, ^uintptr(0) &^ 63} {
		Line(addr)
		Lines(addr, 12)
	}
	Lines(0, 0)
	Lines(0, -1)

	buf := make([]byte, 4096)
	Lines(uintptr(unsafe.Pointer(&buf[0])), len(buf)/64)
	if buf[0] != 0 || buf[4095] != 0 {
		t.Fatal("a prefetch changed memory")
	}
}
