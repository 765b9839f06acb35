package ingest

import (
	"hash/maphash"
	"runtime"
	"sync"
)

// defaultSeriesLimit bounds a route's series cache: at 24 to 64 bytes an entry, 256 MiB
// at most. Unusable label sets are bounded apart, so that a flood of them cannot push
// out the references.
const (
	defaultSeriesLimit = 1 << 22
	defaultBadLimit    = 1 << 16
)

// labelCache is what a metric route remembers between requests so that steady traffic
// decodes no labels: for each distinct raw remote_write label encoding, the sink's
// reference to the series (see signal.Series.Ref), or the reason its labels are unusable.
// Labels are decoded only for a series the cache does not know, and for one whose
// reference the sink has forgotten. It is safe for concurrent use.
type labelCache struct {
	seeds [2]maphash.Seed
	refs  *refTable
	bad   *table[seriesKey, dropReason]
}

// cachedSeries is what the cache knows of a label encoding: the sink's reference to the
// series, or why its labels are unusable.
type cachedSeries struct {
	ref uint64
	bad dropReason
}

// seriesKey names a raw remote_write label encoding by two independent 64-bit hashes of
// its bytes. Keying the cache by the bytes themselves would cost about 200 bytes per
// series; 128 bits keep the chance that two of a million label sets share a key below
// 10^-26, so the cache keeps no bytes to compare.
type seriesKey [2]uint64

func newLabelCache() *labelCache {
	c := &labelCache{
		seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		refs:  newRefTable(defaultSeriesLimit),
		bad:   newTable[seriesKey, dropReason](defaultBadLimit),
	}
	// The reference slots are mapped off the heap: they go with the cache.
	runtime.AddCleanup(c, (*refTable).release, c.refs)
	return c
}

// seriesKey returns the key of a raw label encoding; its first half picks the shard.
func (c *labelCache) seriesKey(b []byte) seriesKey {
	return seriesKey{maphash.Bytes(c.seeds[0], b), maphash.Bytes(c.seeds[1], b)}
}

// lookup returns what the cache knows of key: a reference or a drop reason, or false.
func (c *labelCache) lookup(k seriesKey) (cachedSeries, bool) {
	if ref := c.refs.get(k); ref != 0 {
		return cachedSeries{ref: ref}, true
	}
	if bad, ok := c.bad.get(k[0], k); ok {
		return cachedSeries{bad: bad}, true
	}
	return cachedSeries{}, false
}

// keep caches what is known of key. A zero reference with usable labels is remembered
// as nothing known, so that a sink that dropped a series is asked again.
func (c *labelCache) keep(k seriesKey, v cachedSeries) {
	if v.bad != keep {
		c.bad.put(k[0], k, v.bad)
		return
	}
	c.refs.put(k, v.ref)
}

const tableShards = 64

// table is a bounded concurrent map, sharded by a hash the caller computes to keep lock
// contention low.
//
// Limits: a shard that reaches its share of the limit is emptied; values already handed
// out stay valid, and the shard refills from later misses.
type table[K comparable, V any] struct {
	limit  int
	shards [tableShards]tableShard[K, V]
}

type tableShard[K comparable, V any] struct {
	mu sync.RWMutex
	m  map[K]V
	_  [40]byte // keeps shards on their own cache lines
}

func newTable[K comparable, V any](limit int) *table[K, V] {
	t := &table[K, V]{limit: max(limit/tableShards, 1)}
	for i := range t.shards {
		t.shards[i].m = make(map[K]V)
	}
	return t
}

// at returns the shard of hash h.
func (t *table[K, V]) at(h uint64) *tableShard[K, V] {
	return &t.shards[h%tableShards]
}

func (t *table[K, V]) get(h uint64, k K) (V, bool) {
	sh := t.at(h)
	sh.mu.RLock()
	v, ok := sh.m[k]
	sh.mu.RUnlock()
	return v, ok
}

func (t *table[K, V]) put(h uint64, k K, v V) {
	sh := t.at(h)
	sh.mu.Lock()
	if len(sh.m) >= t.limit {
		sh.m = make(map[K]V) // a cleared map would keep its buckets
	}
	sh.m[k] = v
	sh.mu.Unlock()
}
