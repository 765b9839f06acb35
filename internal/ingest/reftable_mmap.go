//go:build unix && !race

package ingest

import (
	"syscall"
	"unsafe"
)

// mapSlots returns n empty slots, mapped off the heap for a page or more, and whether
// they are mapped. The slots hold no Go pointer, so the collector need not see them.
func mapSlots(n int) ([]refSlot, bool) {
	if n*slotBytes >= 4096 {
		b, err := syscall.Mmap(-1, 0, n*slotBytes, syscall.PROT_READ|syscall.PROT_WRITE,
			syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err == nil {
			return unsafe.Slice((*refSlot)(unsafe.Pointer(&b[0])), n), true
		}
	}
	return make([]refSlot, n), false
}

// unmapSlots returns slots that mapSlots mapped.
func unmapSlots(s []refSlot) {
	_ = syscall.Munmap(unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*slotBytes))
}
