package detect

import (
	"math"
	"strings"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

const (
	notMonotone   = math.MaxUint16
	monotoneRun   = 30 // non-decreasing samples before a drop is read as a counter reset
	resolveFactor = 0.7
	calmSamples   = 10 // a firing episode needs at least this many calm samples to resolve
)

// maxValue is the largest magnitude scored. The detector keeps parts of its state in
// float32 and squares residuals in float64: from about 1e20 on, a series alternating
// between 1 and such a value drove a field to infinity, which made its scores NaN, its
// signals unstorable and its snapshot unreadable. No real gauge or rate comes near 1e18
// (an exabyte); a value beyond it is a sender's bug, skipped and counted as out_of_range.
const maxValue = 1e18

// series is the state of one series: its detector and episodes. It holds no Go pointer,
// so that it can live in a slab off the heap; what does need pointers is kept by the
// record's index: the key (see keyOf) in the slab, which tells apart series whose hashes
// collide and gives back the labels for signals, and the trends, which few series have,
// in the shard.
type series struct {
	det       Detector
	prevRaw   float64 // last raw value, for counter rates
	prevT     int64
	limit     float64 // capacity for forecasts, when hasLimit
	threshold float32 // firing score; 0 until the settings are resolved
	mono      uint16  // non-decreasing run length, or notMonotone
	counter   bool
	hasLimit  bool
	leakable  bool
	trended   bool   // has trends in its shard
	idx       uint32 // index in the engine's slab, for life
	seen      uint32 // engine clock (see Engine.clock) of the last batch, for eviction
	anomaly   episode
}

// trends is the state of leak detection and forecasts. Most series need neither, so it
// is allocated apart, which keeps the common series small.
type trends struct {
	leakTrend trend // over TrendWindow; of the rate, for a request counter (its load)
	fcTrend   trend // over ForecastWindow
	leak      episode
	forecast  episode
	// owner is the series' service and instance (ownerOf), found on first use; not
	// snapshotted, it is the labels' to say.
	owner string
	// ownerSet tells an owner of "" (no service label) from one not looked up yet.
	ownerSet bool
	// published is the sample time of a load series' last fit in the engine's load book.
	published int64
}

// episode is the hysteresis state of one kind of signal of one series.
type episode struct {
	since     int64 // onset, Unix ms
	calmSince int64
	peak      float32
	calm      uint16
	firing    bool
	critical  bool
}

// init sets up a fresh record for a series named name.
func (st *series) init(name string) {
	st.counter, st.leakable = isCounterName(name), isMemoryName(name)
	st.det.reset()
}

// isCounterName reports the Prometheus and OpenMetrics counter suffixes; histogram and
// summary _count and _sum series are counters too.
func isCounterName(name string) bool {
	for _, s := range []string{"_total", "_count", "_sum", "_bucket"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// isMemoryName picks the series that leak detection watches.
func isMemoryName(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"mem", "heap", "rss", "resident", "working_set"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// builtinLimit gives the capacity of series whose name says it: ratios and utilizations
// saturate at 1, percentages at 100, free and available amounts run out at 0.
func builtinLimit(name string) (float64, bool) {
	switch {
	case strings.HasSuffix(name, "_ratio"), strings.HasSuffix(name, "_utilization"):
		return 1, true
	case strings.HasSuffix(name, "_percent"):
		return 100, true
	case strings.Contains(name, "_free"), strings.Contains(name, "_avail"):
		return 0, true
	}
	return 0, false
}

// observe runs one point through the series and appends any signals it raises.
func (st *series) observe(c *emitCtx, p signal.Point, out []signal.Signal,
	stats *batchStats) []signal.Signal {
	switch {
	case math.IsNaN(p.V) || math.IsInf(p.V, 0):
		stats.nan++
		return out
	case p.T < 0:
		stats.badTime++
		return out
	case st.prevT != 0 && p.T <= st.prevT:
		stats.order++
		return out
	}
	x, ok := st.value(c, p)
	if !ok {
		return out
	}
	if math.Abs(x) > maxValue {
		stats.huge++
		return out
	}
	res := st.det.Step(p.T, x)
	if res.Skipped {
		stats.order++
		return out
	}
	stats.scored++
	out = st.stepAnomaly(c, p.T, x, res, out)
	if tr := c.tr; tr != nil && st.counter {
		st.stepLoad(c, p.T, x)
	} else if tr != nil {
		if st.warm(p.T, c.e.cfg.TrendWindow) {
			tr.leakTrend.update(p.T, x, c.e.cfg.TrendWindow.Seconds())
		}
		tr.fcTrend.update(p.T, x, c.e.cfg.ForecastWindow.Seconds())
		out = st.stepLeak(c, p.T, out)
		out = st.stepForecast(c, p.T, out)
	}
	return out
}

// warm reports whether the series has lived for window. The leak trend starts only then:
// a brand-new process grows its memory while it warms up (heaps, caches, JIT), and a fit
// over that ramp is not a leak.
func (st *series) warm(t int64, window time.Duration) bool {
	return t-st.det.season.start >= window.Milliseconds()
}

// value turns a raw point into the value the detector sees: the per-second rate for a
// counter, the value itself for a gauge. A gauge that has only ever gone up for
// monotoneRun samples and then drops by half is taken for a counter that was reset, and
// starts again as one.
func (st *series) value(c *emitCtx, p signal.Point) (float64, bool) {
	prev, prevT := st.prevRaw, st.prevT
	st.prevRaw, st.prevT = p.V, p.T
	if prevT == 0 {
		return p.V, !st.counter
	}
	if st.counter {
		dt := float64(p.T-prevT) / 1000
		if p.V < prev {
			// A reset: the counter restarted, and how much it grew across the restart is
			// unknown. Skip the point rather than score a made-up rate.
			return 0, false
		}
		return (p.V - prev) / dt, true
	}
	switch {
	case p.V >= prev && st.mono < notMonotone-1:
		st.mono++
	case p.V < 0.5*prev && st.mono >= monotoneRun && st.mono != notMonotone:
		st.counter = true
		st.det.reset()
		c.dropTrends(st)
		return 0, false
	case p.V < prev:
		st.mono = notMonotone
	}
	return p.V, true
}

// stepLoad follows the rate of a request counter over TrendWindow and publishes its fit
// as part of its owner's load, at most every loadEvery of the window: the load book is
// engine-wide, behind one lock, and a sample every second from many counters would
// queue on it for no better answer.
func (st *series) stepLoad(c *emitCtx, t int64, rate float64) {
	w := c.e.cfg.TrendWindow
	c.tr.leakTrend.update(t, rate, w.Seconds())
	if t-c.tr.published < w.Milliseconds()/loadEvery {
		return
	}
	c.tr.published = t
	slope, se, now, _, ok := c.tr.leakTrend.fit(t)
	owner := c.owner()
	if !ok || owner == "" {
		return
	}
	c.e.loads.put(owner, st.idx, loadPart{slope: slope, se: se, level: now, at: t},
		loadFresh*w.Milliseconds())
}
