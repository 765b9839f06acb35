// Package prefetch asks the CPU to start loading a cache line that a later step will
// read. The detect engine's lookups by labels land on a random slot of a table far
// larger than the caches, one DRAM miss (about 100 ns) each; asking for the slot of the
// series a few places ahead in a batch overlaps those misses with the work on the
// series before it.
//
// A prefetch never faults and never changes memory, so an address computed from a
// table that another goroutine has since replaced is harmless: the line is loaded for
// nothing. Addresses are uintptrs, not pointers, so that the collector never sees one.
package prefetch
