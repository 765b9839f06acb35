package ingest

import (
	"hash/maphash"
	"sync"
)

// seriesKey names a raw remote_write label encoding by two independent 64-bit hashes of
// its bytes. Keying the cache by the bytes themselves cost about 200 bytes per series,
// the largest part of ingest's memory per series; 128 bits keep the chance that two of a
// million label sets share a key below 10^-26, so the cache keeps no bytes to compare.
type seriesKey [2]uint64

// seriesTable is a bounded concurrent map from label encodings to their decoded label
// sets, sharded like table. A shard that reaches its share of the limit is emptied.
type seriesTable struct {
	seeds  [2]maphash.Seed
	limit  int
	shards [tableShards]seriesShard
}

type seriesShard struct {
	mu sync.RWMutex
	m  map[seriesKey]cachedLabels
	_  [40]byte // keeps shards on their own cache lines
}

func newSeriesTable(limit int) *seriesTable {
	t := &seriesTable{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		limit: max(limit/tableShards, 1)}
	for i := range t.shards {
		t.shards[i].m = make(map[seriesKey]cachedLabels)
	}
	return t
}

func (t *seriesTable) key(b []byte) seriesKey {
	return seriesKey{maphash.Bytes(t.seeds[0], b), maphash.Bytes(t.seeds[1], b)}
}

func (t *seriesTable) get(k seriesKey) (cachedLabels, bool) {
	sh := &t.shards[k[0]%tableShards]
	sh.mu.RLock()
	c, ok := sh.m[k]
	sh.mu.RUnlock()
	return c, ok
}

func (t *seriesTable) put(k seriesKey, c cachedLabels) {
	sh := &t.shards[k[0]%tableShards]
	sh.mu.Lock()
	if len(sh.m) >= t.limit {
		sh.m = make(map[seriesKey]cachedLabels) // a cleared map would keep its buckets
	}
	sh.m[k] = c
	sh.mu.Unlock()
}
