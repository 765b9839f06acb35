package detect

import (
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// numShards splits the series index so that concurrent Observe calls on different series
// rarely share a lock.
const numShards = 256

// Engine runs the detectors of every series. It is safe for concurrent use: series are
// spread over shards by a hash of their labels, each shard with its own lock, so two
// calls contend only when their series share a shard.
type Engine struct {
	cfg       Config
	log       *slog.Logger
	overrides []compiledOverride
	mute      []*Selector
	caps      []compiledCapacity
	threshold float64
	m         *metrics
	hash      func([]signal.Label) uint64 // signal.HashLabels; tests force collisions with it
	shards    [numShards]shard
	recs      *slab            // every series' record, off the heap
	names     *nameDict        // the label names of packed keys
	loads     *loadBook        // each owner's load, for leak detection (leakctx.go)
	changes   changeBook       // each service's last change, named in leaks
	held      atomic.Int64     // series held over all shards, against MaxSeries
	lastDrop  atomic.Int64     // Unix ns of the last "series dropped" log line
	lastLong  atomic.Int64     // Unix ns of the last "labels too long" log line
	now       func() time.Time // a test's wall clock; nil: the coarse clock (clock.go)
	start     time.Time        // when New ran, the engine clock's zero
}

// mutedThreshold is above every score: a muted series is scored and learns, but never
// pages, and gets no leak or forecast trends.
const mutedThreshold = 2

type compiledOverride struct {
	sel       *Selector
	threshold float64
}

type compiledCapacity struct {
	sel   *Selector
	limit float64
}

// shard is one lock's share of the series. It is padded to a multiple of 128 bytes so
// that cores working on neighbouring shards do not keep stealing each other's lock word.
type shard struct {
	shardState
	_ [128 - unsafe.Sizeof(shardState{})%128]byte // never empty: a trailing empty field is padded
}

type shardState struct {
	mu        sync.Mutex
	series    table              // hash to record
	id        int                // index in Engine.shards, for references
	recs      *slab              // the engine's records
	names     *nameDict          // the engine's, for keys
	trends    map[uint32]*trends // by record index, for the records with trended set
	scored    uint64             // samples scored, for cerebro_detect_samples_total
	lastSweep uint32             // engine clock at the last eviction sweep
}

// New builds an Engine from cfg (defaults applied here). It starts nothing. reg may be
// nil to skip metrics registration.
func New(cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Engine, error) {
	cfg = cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("configuring detect: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{
		cfg:       cfg,
		log:       log.With("component", "detect"),
		threshold: Threshold(cfg.Sensitivity),
		hash:      signal.HashLabels,
		loads:     newLoadBook(),
		changes:   changeBook{last: map[string]change{}},
	}
	e.start = time.Now()
	e.m = newMetrics(e.scored, func() float64 { return float64(e.OffHeapBytes()) })
	for _, o := range cfg.Overrides {
		sel, _ := ParseSelector(o.Selector)
		e.overrides = append(e.overrides, compiledOverride{sel, Threshold(o.Sensitivity)})
	}
	for _, m := range cfg.Mute {
		sel, _ := ParseSelector(m)
		e.mute = append(e.mute, sel)
	}
	for _, c := range cfg.Capacities {
		sel, _ := ParseSelector(c.Selector)
		e.caps = append(e.caps, compiledCapacity{sel, c.Limit})
	}
	m := newMappings()
	e.recs = &slab{mapped: m, keys: keyArena{mapped: m}}
	e.names = newNameDict()
	for i := range e.shards {
		sh := &e.shards[i]
		sh.series.seedA = rand.Uint64()
		sh.series.seedB = rand.Uint64() | 1
		sh.id, sh.recs, sh.names = i, e.recs, e.names
		sh.series.mapped = m
		sh.trends = map[uint32]*trends{}
	}
	// The records live off the heap: they go when the engine does, and not before, since
	// every path to a record passes through the engine.
	runtime.AddCleanup(e, (*mappings).release, e.recs.mapped)
	if reg != nil {
		if err := e.m.register(reg); err != nil {
			return nil, fmt.Errorf("registering detect metrics: %w", err)
		}
	}
	return e, nil
}

// Observe applies a batch of points of one series in order and appends the signals it
// raises to out. NaN and ±Inf values, and points not after the previous one (duplicates,
// out of order), are skipped and counted. s.Hash, when not zero, must be
// signal.HashLabels(s.Labels): a wrong one cannot mix two series' states, but it keeps
// a second state for the series. Safe for concurrent use.
func (e *Engine) Observe(s signal.Series, out []signal.Signal) []signal.Signal {
	return e.ObserveRef(&s, out)
}

// ObserveRef is Observe by reference. A series with labels is found by them, and s.Ref
// is set to its reference (see ref.go), or to 0 if the engine does not hold it (the
// series limit); a caller may send later batches of the same labels with that Ref and no
// labels. A series with Ref and no labels skips the lookup; if the reference no longer
// names a series (it was evicted), no point is applied, s.Ref is set to 0, and the
// caller must send the batch again with the labels.
func (e *Engine) ObserveRef(s *signal.Series, out []signal.Signal) []signal.Signal {
	if len(s.Points) == 0 {
		return out
	}
	if len(s.Labels) == 0 && s.Ref != 0 {
		return e.observeRef(s, out)
	}
	s.Ref = 0
	name := signal.LabelValue(s.Labels, "__name__")
	if !e.cfg.IncludeBuckets && strings.HasSuffix(name, "_bucket") {
		e.m.skipped.WithLabelValues("bucket").Add(float64(len(s.Points)))
		s.Ref = ignoredRef
		return out
	}
	if labelBytes(s.Labels) > e.cfg.MaxLabelBytes {
		e.refuseLong(s)
		return out
	}
	h := s.Hash
	if h == 0 {
		h = e.hash(s.Labels)
	}
	i := int(h % numShards)
	sh := &e.shards[i]

	sh.mu.Lock()
	defer sh.mu.Unlock()
	st := sh.find(h, s.Labels)
	if st == nil {
		if st = e.admit(sh, h, s.Labels, name); st == nil {
			return out
		}
	}
	s.Ref = e.ref(i, st)
	ctx := emitCtx{e: e, sh: sh, labels: s.Labels, name: name}
	return e.apply(&ctx, st, s.Points, out)
}

// batchLead is how many series ahead ObserveBatch prefetches: a series takes a few
// hundred nanoseconds, a DRAM miss about one hundred.
const batchLead = 4

// ObserveBatch is ObserveRef on every series of batch, in order, as a remote_write or
// OTLP request brings them. It is faster than calling ObserveRef on each: while it
// works on one series it prefetches the table slot (by labels) or the record (by
// reference) of the series batchLead places ahead, so that the cache misses of random
// lookups overlap. It sets the Hash of series with labels and no hash.
func (e *Engine) ObserveBatch(batch []signal.Series, out []signal.Signal) []signal.Signal {
	for i := range min(batchLead, len(batch)) {
		e.prefetch(&batch[i])
	}
	for i := range batch {
		if j := i + batchLead; j < len(batch) {
			e.prefetch(&batch[j])
		}
		out = e.ObserveRef(&batch[i], out)
	}
	return out
}

// prefetch starts loading what ObserveRef will first need of s: its table slot, or its
// record when s goes by reference. It takes no lock.
func (e *Engine) prefetch(s *signal.Series) {
	if len(s.Labels) == 0 {
		if s.Ref != 0 && s.Ref != ignoredRef {
			_, idx, _ := splitRef(s.Ref)
			e.recs.prefetch(idx)
		}
		return
	}
	if s.Hash == 0 {
		s.Hash = e.hash(s.Labels)
	}
	e.shards[s.Hash%numShards].series.prefetchHome(s.Hash)
}

// observeRef applies a batch to the series that s.Ref names.
func (e *Engine) observeRef(s *signal.Series, out []signal.Signal) []signal.Signal {
	switch s.Ref {
	case ignoredRef:
		e.m.skipped.WithLabelValues("bucket").Add(float64(len(s.Points)))
		return out
	case longRef:
		e.m.skipped.WithLabelValues("labels_too_long").Add(float64(len(s.Points)))
		return out
	}
	i, idx, gen := splitRef(s.Ref)
	sh := &e.shards[i]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	st := e.byRef(i, idx, gen)
	if st == nil {
		s.Ref = 0
		return out
	}
	ctx := emitCtx{e: e, sh: sh, stored: *e.recs.key(idx)}
	return e.apply(&ctx, st, s.Points, out)
}

// labelBytes is the length of a label set's names and values.
func labelBytes(ls []signal.Label) int {
	n := 0
	for _, l := range ls {
		n += len(l.Name) + len(l.Value)
	}
	return n
}

// refuseLong skips the points of a series whose labels are longer than MaxLabelBytes,
// logging it at most once a minute.
func (e *Engine) refuseLong(s *signal.Series) {
	e.m.skipped.WithLabelValues("labels_too_long").Add(float64(len(s.Points)))
	s.Ref = longRef
	now := time.Now().UnixNano()
	last := e.lastLong.Load()
	if now-last < int64(time.Minute) || !e.lastLong.CompareAndSwap(last, now) {
		return
	}
	name := signal.LabelValue(s.Labels, "__name__")
	e.log.Warn("series labels too long, not tracking it", "max_label_bytes",
		e.cfg.MaxLabelBytes, "label_bytes", labelBytes(s.Labels), "metric", trim(name, 200))
}

// trim cuts s to at most n bytes for a log line.
func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// apply runs points through st and marks it seen now, whatever the points' times: a
// sender that keeps sending is alive even if its clock is off or it backfills. The
// caller holds the shard lock.
func (e *Engine) apply(c *emitCtx, st *series, pts []signal.Point,
	out []signal.Signal) []signal.Signal {
	prefetchRecord(st)
	st.seen = e.clock()
	if st.threshold == 0 {
		e.resolveSettings(c.sh, st, c.seriesLabels(), c.metricName())
	}
	if st.trended {
		c.tr = c.sh.trends[st.idx]
	}
	var stats batchStats
	for _, p := range pts {
		out = st.observe(c, p, out, &stats)
	}
	c.sh.scored += uint64(stats.scored)
	e.m.add(stats)
	return out
}

// admit creates the state of a new series, evicting idle ones when the engine is full.
// The limit is held over the whole engine, not split per shard: with per-shard quotas
// the shards that hashing filled first dropped series while max_series was still 2 to 5%
// away.
//
// Limits: a full engine sweeps only the new series' shard, so a new series is dropped
// while its shard has no idle series even if others do; new series land in every shard
// soon enough to free them.
func (e *Engine) admit(sh *shard, h uint64, ls []signal.Label, name string) *series {
	if !e.reserve() {
		e.evictStale(sh)
		if !e.reserve() {
			e.m.dropped.Inc()
			e.logDrop(ls)
			return nil
		}
	}
	st := sh.add(h, e.names.pack(ls))
	if st == nil {
		// Every index a reference can name is taken: 16 M series in one shard.
		e.held.Add(-1)
		e.m.dropped.Inc()
		e.logDrop(ls)
		return nil
	}
	st.init(name)
	e.m.series.Inc()
	return st
}

// add takes a record for a new series with hash h and key, or returns nil if the slab
// is out of indexes.
func (sh *shard) add(h uint64, key string) *series {
	idx, ok := sh.recs.alloc(sh.id, key)
	if !ok {
		return nil
	}
	st := sh.recs.at(idx)
	sh.series.insert(h, st)
	return st
}

// remove frees the record of st, which the caller has taken out of the table.
func (sh *shard) remove(st *series) {
	if st.trended {
		delete(sh.trends, st.idx)
	}
	sh.recs.release(st.idx)
}

// find returns the series with hash h and labels ls, or nil. Every hash match is
// confirmed on the full key, so label sets whose hashes collide keep their own states.
func (sh *shard) find(h uint64, ls []signal.Label) *series {
	return sh.series.find(h, func(st *series) bool {
		return sh.names.matches(*sh.recs.key(st.idx), ls)
	})
}

// reserve takes room for one more series, if there is any.
func (e *Engine) reserve() bool {
	if e.held.Add(1) > int64(e.cfg.MaxSeries) {
		e.held.Add(-1)
		return false
	}
	return true
}

// evictStale removes series that have received nothing for StaleAfter of the engine's
// wall clock. Sample times would not do: senders set them, and one batch stamped minutes
// ahead moved a shard's clock past every other series there, which were then evicted
// while still being sent, and the sweeps stopped until that clock was passed. It sweeps
// a shard at most once per quarter of StaleAfter, and at most once a second, so that a
// flood of new series cannot make every insert scan the shard.
func (e *Engine) evictStale(sh *shard) {
	now, stale := e.clock(), staleSeconds(e.cfg.StaleAfter)
	if now-sh.lastSweep < max(stale/4, 1) {
		return
	}
	sh.lastSweep = now
	n := sh.series.deleteIf(func(st *series) bool {
		if !st.idle(now, stale) {
			return false
		}
		sh.remove(st)
		return true
	})
	e.held.Add(-int64(n))
	e.m.series.Sub(float64(n))
	e.m.evicted.Add(float64(n))
}

// idle reports whether st has received nothing for more than stale seconds of the engine
// clock at now.
func (st *series) idle(now, stale uint32) bool {
	return now > st.seen && now-st.seen > stale
}

// clock is the engine's wall clock: whole seconds since New, which a series record
// keeps in 4 bytes for 136 years.
func (e *Engine) clock() uint32 {
	var d int64
	if e.now != nil {
		d = int64(e.now().Sub(e.start) / time.Second)
	} else {
		d = coarseNow() - e.start.Unix()
	}
	if d < 0 {
		return 0
	}
	return uint32(min(d, math.MaxUint32))
}

// staleSeconds is d in whole seconds of the engine clock, rounded up, so that a series
// is not evicted before it has been silent for d (less the coarse clock's lag, at most
// coarseTick), though up to 2 s after.
func staleSeconds(d time.Duration) uint32 {
	return uint32(min((d+time.Second-1)/time.Second, math.MaxUint32))
}

// logDrop logs a dropped series at most once a minute.
func (e *Engine) logDrop(ls []signal.Label) {
	now := time.Now().UnixNano()
	last := e.lastDrop.Load()
	if now-last < int64(time.Minute) || !e.lastDrop.CompareAndSwap(last, now) {
		return
	}
	e.log.Warn("series limit reached, dropping new series",
		"max_series", e.cfg.MaxSeries, "series", signal.SeriesKey(ls))
}

// resolveSettings applies the mutes, overrides and capacities that match a series.
func (e *Engine) resolveSettings(sh *shard, st *series, ls []signal.Label, name string) {
	for _, m := range e.mute {
		if m.Matches(ls) {
			st.threshold = mutedThreshold
			return
		}
	}
	st.threshold = float32(e.threshold)
	for _, o := range e.overrides {
		if o.sel.Matches(ls) {
			st.threshold = float32(o.threshold)
			break
		}
	}
	st.limit, st.hasLimit = builtinLimit(name)
	for _, c := range e.caps {
		if c.sel.Matches(ls) {
			st.limit, st.hasLimit = c.limit, true
			break
		}
	}
	// Gauges that can leak or run out get trends; so do request counters, whose rate's
	// trend is their owner's load, against which leak detection judges memory growth.
	load := st.counter && isLoadName(name)
	if ((st.leakable || st.hasLimit) && !st.counter || load) && !st.trended {
		sh.trends[st.idx] = &trends{}
		st.trended = true
	}
}

// scored sums the shards' scored-sample counts.
func (e *Engine) scored() float64 {
	var n uint64
	for i := range e.shards {
		sh := &e.shards[i]
		sh.mu.Lock()
		n += sh.scored
		sh.mu.Unlock()
	}
	return float64(n)
}

// OffHeapBytes returns about the resident memory the series records take outside the Go
// heap, which heap statistics do not see.
func (e *Engine) OffHeapBytes() int64 {
	return min(e.recs.touchedBytes(), e.recs.mapped.mapped()) + e.tableBytes()
}

// tableBytes sums the shards' table slots off the heap.
func (e *Engine) tableBytes() int64 {
	var n int64
	for i := range e.shards {
		sh := &e.shards[i]
		sh.mu.Lock()
		n += sh.series.mappedBytes()
		sh.mu.Unlock()
	}
	return n
}

// Len returns the number of series tracked.
func (e *Engine) Len() int {
	return int(e.held.Load())
}
