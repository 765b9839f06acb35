package ingest

import (
	"hash/maphash"
	"sync"
	"unicode/utf8"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// Bounds of a route's label cache: about 100 MiB of strings and, for a typical label set,
// 400 bytes per cached series at most.
const (
	defaultInternLimit = 1 << 20
	defaultSeriesLimit = 1 << 20
)

// maxInternLen leaves long strings out of the table: they are rarely repeated.
const maxInternLen = 256

// labelCache is what a metric route remembers between requests so that steady traffic
// allocates nothing per sample: one shared string per distinct label name or value, and the
// decoded, validated label set of each distinct raw remote_write label encoding. It is safe
// for concurrent use.
type labelCache struct {
	seeds  [2]maphash.Seed
	strs   *table[string, string]
	series *table[seriesKey, cachedLabels]
}

// cachedLabels is a decoded label set: sorted labels, or the reason they are unusable.
type cachedLabels struct {
	labels []signal.Label
	hash   uint64 // signal.HashLabels(labels)
	bad    dropReason
}

// seriesKey names a raw remote_write label encoding by two independent 64-bit hashes of
// its bytes. Keying the cache by the bytes themselves cost about 200 bytes per series,
// the largest part of ingest's memory per series; 128 bits keep the chance that two of a
// million label sets share a key below 10^-26, so the cache keeps no bytes to compare.
type seriesKey [2]uint64

func newLabelCache() *labelCache {
	return &labelCache{
		seeds:  [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		strs:   newTable[string, string](defaultInternLimit),
		series: newTable[seriesKey, cachedLabels](defaultSeriesLimit),
	}
}

// intern returns the shared string equal to b, and false if b is not valid UTF-8. Strings
// are checked once, when first seen.
func (c *labelCache) intern(b []byte) (string, bool) {
	if len(b) > maxInternLen {
		return string(b), utf8.Valid(b)
	}
	h := maphash.Bytes(c.seeds[0], b)
	sh := c.strs.at(h)
	sh.mu.RLock()
	s, ok := sh.m[string(b)] // no copy of b: the compiler looks the bytes up as they are
	sh.mu.RUnlock()
	if ok {
		return s, true
	}
	if !utf8.Valid(b) {
		return "", false
	}
	s = string(b)
	c.strs.put(h, s, s)
	return s, true
}

// seriesKey returns the key of a raw label encoding; its first half picks the shard.
func (c *labelCache) seriesKey(b []byte) seriesKey {
	return seriesKey{maphash.Bytes(c.seeds[0], b), maphash.Bytes(c.seeds[1], b)}
}

// labels returns the cached label set of key.
func (c *labelCache) labels(k seriesKey) (cachedLabels, bool) {
	return c.series.get(k[0], k)
}

// keep caches the label set of key.
func (c *labelCache) keep(k seriesKey, l cachedLabels) {
	c.series.put(k[0], k, l)
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
