package detect

// A reference names one series of one engine, as Prometheus's SeriesRef does: a source
// that caches it by the series' raw label bytes can hand it back with later samples and
// skip decoding the labels, and the engine skips hashing them, the table lookup and the
// key check. Its bits, from the lowest: the shard (8), the record's index in the shard's
// slab (24) and the record's generation (32). The generation moves on when the record is
// freed, and a record is retired before its generation wraps, so a reference to an
// evicted series never names another one: it is refused, and the source must send the
// labels again.
const (
	refShardBits = 8
	refIndexBits = 24
	maxRefIndex  = 1<<refIndexBits - 1

	// ignoredRef names every series that the engine does not track by configuration
	// (histogram buckets): generation 0 is never handed out.
	ignoredRef = maxRefIndex << refShardBits
)

// makeRef returns the reference of record st in shard i.
func makeRef(shard int, st *series) uint64 {
	return uint64(st.gen)<<(refShardBits+refIndexBits) |
		uint64(st.idx)<<refShardBits | uint64(shard)
}

// splitRef returns the parts of a reference.
func splitRef(ref uint64) (shard int, idx, gen uint32) {
	return int(ref % numShards), uint32(ref>>refShardBits) & maxRefIndex,
		uint32(ref >> (refShardBits + refIndexBits))
}

// byRef returns the live series that ref names in sh, or nil. The caller holds sh.mu.
func (sh *shard) byRef(idx, gen uint32) *series {
	if idx >= sh.recs.n || gen == 0 {
		return nil
	}
	if st := sh.recs.at(idx); st.live && st.gen == gen {
		return st
	}
	return nil
}
