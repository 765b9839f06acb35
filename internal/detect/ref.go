package detect

// A reference names one series of one engine, as Prometheus's SeriesRef does: a source
// that caches it by the series' raw label bytes can hand it back with later samples and
// skip decoding the labels, and the engine skips hashing them, the table lookup and the
// key check. Its bits, from the lowest: the shard (8), the record's index in the
// engine's slab (32) and the record's generation (24). The generation moves on when the record is
// freed, and a record is retired before its generation wraps, so a reference to an
// evicted series never names another one: it is refused, and the source must send the
// labels again.
const (
	refShardBits = 8
	refIndexBits = 32
	maxRefIndex  = 1<<refIndexBits - 1
	maxRefGen    = 1<<(64-refShardBits-refIndexBits) - 1

	// ignoredRef names every series that the engine does not track by configuration
	// (histogram buckets): generation 0 is never handed out.
	ignoredRef = maxRefIndex << refShardBits

	// longRef names every series the engine refuses for its labels' length
	// (Config.MaxLabelBytes), so that a source stops sending their labels again.
	longRef = maxRefIndex<<refShardBits | 1
)

// ref returns the reference of st, a series of shard i. The caller holds its lock.
func (e *Engine) ref(i int, st *series) uint64 {
	gen := e.recs.tag(st.idx).Load() >> refShardBits
	return uint64(gen)<<(refShardBits+refIndexBits) | uint64(st.idx)<<refShardBits | uint64(i)
}

// splitRef returns the parts of a reference.
func splitRef(ref uint64) (shard int, idx, gen uint32) {
	return int(ref % numShards), uint32(ref >> refShardBits),
		uint32(ref >> (refShardBits + refIndexBits))
}

// byRef returns the live series of shard i that ref names, or nil. The caller holds the
// shard's lock.
func (e *Engine) byRef(i int, idx, gen uint32) *series {
	if !e.recs.holds(idx, i, gen) {
		return nil
	}
	return e.recs.at(idx)
}
