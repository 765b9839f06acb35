package detect

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
	held      atomic.Int64 // series held over all shards, against MaxSeries
	lastDrop  atomic.Int64 // Unix ns of the last "series dropped" log line
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

// shard is one lock's share of the series. It is padded to 128 bytes so that cores
// working on neighbouring shards do not keep stealing each other's lock word.
type shard struct {
	mu        sync.Mutex
	series    table
	maxT      int64  // latest sample time seen in the shard
	scored    uint64 // samples scored, for cerebro_detect_samples_total
	lastSweep int64  // maxT at the last eviction sweep
	_         [128 - 80]byte
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
	}
	e.m = newMetrics(e.scored)
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
	for i := range e.shards {
		e.shards[i].series.seedA = rand.Uint64()
		e.shards[i].series.seedB = rand.Uint64() | 1
	}
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
	if len(s.Points) == 0 {
		return out
	}
	name := signal.LabelValue(s.Labels, "__name__")
	if !e.cfg.IncludeBuckets && strings.HasSuffix(name, "_bucket") {
		e.m.skipped.WithLabelValues("bucket").Add(float64(len(s.Points)))
		return out
	}
	h := s.Hash
	if h == 0 {
		h = e.hash(s.Labels)
	}
	sh := &e.shards[h%numShards]

	sh.mu.Lock()
	defer sh.mu.Unlock()
	st := sh.series.find(h, s.Labels)
	if st == nil {
		// The shard's clock moves with new series too, or a shard full of idle series
		// would never see time pass and never evict them.
		sh.maxT = max(sh.maxT, s.Points[len(s.Points)-1].T)
		if st = e.admit(sh, h, s, name); st == nil {
			return out
		}
	}
	if st.threshold == 0 {
		e.resolveSettings(st, s.Labels, name)
	}
	ctx := emitCtx{e: e, labels: s.Labels, name: name}
	var stats batchStats
	for _, p := range s.Points {
		out = st.observe(&ctx, p, out, &stats)
	}
	sh.maxT = max(sh.maxT, st.det.lastT)
	sh.scored += uint64(stats.scored)
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
func (e *Engine) admit(sh *shard, h uint64, s signal.Series, name string) *series {
	if !e.reserve() {
		e.evictStale(sh)
		if !e.reserve() {
			e.m.dropped.Inc()
			e.logDrop(s.Labels)
			return nil
		}
	}
	st := newSeries(name)
	st.key = keyOf(s.Labels)
	sh.series.insert(h, st)
	e.m.series.Inc()
	return st
}

// reserve takes room for one more series, if there is any.
func (e *Engine) reserve() bool {
	if e.held.Add(1) > int64(e.cfg.MaxSeries) {
		e.held.Add(-1)
		return false
	}
	return true
}

// evictStale removes series silent for StaleAfter in sample time. It sweeps a shard at
// most once per quarter of StaleAfter, so a flood of new series cannot make every insert
// scan the shard.
func (e *Engine) evictStale(sh *shard) {
	stale := e.cfg.StaleAfter.Milliseconds()
	if sh.lastSweep != 0 && sh.maxT-sh.lastSweep < stale/4 {
		return
	}
	sh.lastSweep = sh.maxT
	n := sh.series.deleteIf(func(st *series) bool {
		return sh.maxT-st.det.lastT > stale
	})
	e.held.Add(-int64(n))
	e.m.series.Sub(float64(n))
	e.m.evicted.Add(float64(n))
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
func (e *Engine) resolveSettings(st *series, ls []signal.Label, name string) {
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
	if (st.leakable || st.hasLimit) && !st.counter && st.trends == nil {
		st.trends = &trends{}
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

// Len returns the number of series tracked.
func (e *Engine) Len() int {
	return int(e.held.Load())
}
