//go:build !unix || race

package ingest

// mapSlots takes the slots from the heap: race builds keep them there, where the race
// detector watches them.
func mapSlots(n int) ([]refSlot, bool) { return make([]refSlot, n), false }

func unmapSlots([]refSlot) {}
