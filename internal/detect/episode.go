package detect

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// Leak and forecast significance. A leak is steady growth: a slope many standard errors
// from zero, a line that explains most of the variance, and growth that matters.
const (
	leakT        = 10.0 // slope / standard error
	leakR2       = 0.7
	leakGrowth   = 0.02 // growth over one trend window, as a fraction of the level
	forecastPrec = 0.06 // the slope's ±2 standard errors must stay within this fraction
	forecastR2   = 0.5
	trendQuiet   = 3.0 // below this slope / standard error an episode calms down
	minTrendFrac = 0.5 // fraction of the trend window a series must have lived

	minHistorySamples = 20 // samples a series needs, besides MinHistory, before it pages
)

// emitCtx carries what signals need from one Observe call. A call by reference brings no
// labels: they are rebuilt from the series' stored key when a signal or the settings need
// them, which is rare.
type emitCtx struct {
	e      *Engine
	sh     *shard
	tr     *trends // the series' trends, or nil
	labels []signal.Label
	name   string
	stored string // the engine's packed key of the series (names.go), for labels on demand
	key    string // series key, built on first use
}

// seriesLabels returns the series' labels, parsed from its stored key if the call brought
// none. They are parsed from a copy: the stored key goes with the series when it is
// evicted, and signals keep their labels.
func (c *emitCtx) seriesLabels() []signal.Label {
	if c.labels == nil && c.stored != "" {
		c.labels, _ = c.e.names.unpack(strings.Clone(c.stored))
		c.name = signal.LabelValue(c.labels, "__name__")
	}
	return c.labels
}

// metricName returns the series' __name__.
func (c *emitCtx) metricName() string {
	c.seriesLabels()
	return c.name
}

func (c *emitCtx) seriesKey() string {
	if c.key == "" {
		c.key = signal.SeriesKey(c.seriesLabels())
	}
	return c.key
}

// owner returns the series' owner (ownerOf), from its labels on first use only: a call
// by reference brings no labels, and rebuilding them on every sample would cost more
// than the sample.
func (c *emitCtx) owner() string {
	if !c.tr.ownerSet {
		c.tr.owner, c.tr.ownerSet = ownerOf(c.seriesLabels()), true
	}
	return c.tr.owner
}

// dropTrends forgets the trends of st, which has turned out to be a counter.
func (c *emitCtx) dropTrends(st *series) {
	if st.trended {
		delete(c.sh.trends, st.idx)
		st.trended, c.tr = false, nil
	}
}

// stepAnomaly runs the anomaly episode: fire at onset, escalate to critical once, resolve
// after ResolveAfter and calmSamples below resolveFactor × threshold (hysteresis, so a
// score hovering at the threshold does not flap).
func (st *series) stepAnomaly(c *emitCtx, t int64, v float64, r Result,
	out []signal.Signal) []signal.Signal {
	th := float64(st.threshold)
	crit := 1 - (1-th)*0.4
	ep := &st.anomaly
	if !ep.firing {
		if r.Score < th || !st.mayPage(t, c.e.cfg.MinHistory) {
			return out
		}
		*ep = episode{firing: true, since: t, peak: float32(r.Score), critical: r.Score >= crit}
		return append(out, c.anomalySignal(st, t, v, r, signal.StatusFiring))
	}
	ep.peak = max(ep.peak, float32(r.Score))
	if r.Score >= crit && !ep.critical {
		ep.critical = true
		out = append(out, c.anomalySignal(st, t, v, r, signal.StatusFiring))
	}
	if ep.calmFor(t, r.Score >= th*resolveFactor, c.e.cfg.ResolveAfter) {
		ep.firing = false
		out = append(out, c.anomalySignal(st, t, v, r, signal.StatusResolved))
	}
	return out
}

// mayPage reports whether the series has enough history to open an anomaly episode.
func (st *series) mayPage(t int64, minHistory time.Duration) bool {
	if minHistory < 0 {
		return true
	}
	return st.det.n >= minHistorySamples && st.warm(t, minHistory)
}

// calmFor counts calm samples and reports when the episode has been calm long enough.
func (ep *episode) calmFor(t int64, active bool, after time.Duration) bool {
	if active {
		ep.calm = 0
		return false
	}
	if ep.calm == 0 {
		ep.calmSince = t
	}
	ep.calm = min(ep.calm+1, math.MaxUint16-1)
	return ep.calm >= calmSamples && t-ep.calmSince >= after.Milliseconds()
}

func (c *emitCtx) anomalySignal(st *series, t int64, v float64, r Result,
	status signal.Status) signal.Signal {
	s := c.base(st, "anomaly", signal.KindAnomaly, t, status)
	s.Value = v
	s.Score = r.Score
	s.Expected = &signal.Range{Low: r.Expected - 3*r.Spread, High: r.Expected + 3*r.Spread}
	s.Annotations = map[string]string{"detector": r.Detector, "z": fmt.Sprintf("%.1f", r.Z)}
	if st.counter {
		s.Annotations["value"] = "rate per second"
	}
	s.Summary = explain(c.seriesKey(), st, t, v, r, status)
	return s
}

// base fills what every detect signal shares.
func (c *emitCtx) base(st *series, what string, kind signal.Kind, t int64,
	status signal.Status) signal.Signal {
	fp, _ := signal.Identity("detect", c.seriesKey(), what)
	labels := signal.LabelMap(c.seriesLabels())
	ep := c.episodeOf(st, what)
	s := signal.Signal{
		Kind:        kind,
		Source:      "detect",
		NativeID:    c.seriesKey(),
		Fingerprint: fp,
		Name:        c.metricName(),
		Service:     signal.ServiceFromLabels(labels),
		Severity:    signal.SeverityWarning,
		Status:      status,
		StartsAt:    time.UnixMilli(ep.since).UTC(),
		EventTime:   time.UnixMilli(t).UTC(),
		Labels:      labels,
	}
	if ep.critical {
		s.Severity = signal.SeverityCritical
	}
	if status == signal.StatusResolved {
		s.EndsAt = s.EventTime
	}
	c.e.m.signals.WithLabelValues(string(kind), string(status)).Inc()
	return s
}

func (c *emitCtx) episodeOf(st *series, what string) *episode {
	switch what {
	case "leak":
		return &c.tr.leak
	case "forecast":
		return &c.tr.forecast
	}
	return &st.anomaly
}

// explain writes the plain-language summary of an anomaly signal.
func explain(key string, st *series, t int64, v float64, r Result, status signal.Status) string {
	what := "value"
	if st.counter {
		what = "rate"
	}
	since := time.UnixMilli(st.anomaly.since).UTC().Format(time.RFC3339)
	if status == signal.StatusResolved && math.Abs(r.Z) <= 3 {
		return fmt.Sprintf("%s back to normal: %s %s within the expected range %s "+
			"(anomalous since %s)", key, what, num(v),
			rangeText(r.Expected, r.Spread), since)
	}
	if status == signal.StatusResolved {
		// The score fell while the value stayed out: the series has kept the new
		// behaviour long enough for its tails to learn it (a ramp, a wider spread).
		return fmt.Sprintf("%s no longer anomalous: %s %s is still outside the expected "+
			"range %s, but the series has kept it long enough to make it its normal "+
			"(score %.2f; anomalous since %s)", key, what, num(v),
			rangeText(r.Expected, r.Spread), r.Score, since)
	}
	dir := "above"
	if r.Z < 0 {
		dir = "below"
	}
	return fmt.Sprintf("%s detector on %s: %s %s is %.1f standard deviations %s the expected "+
		"range %s (score %.2f), since %s", r.Detector, key, what, num(v), math.Abs(r.Z), dir,
		rangeText(r.Expected, r.Spread), r.Score, since)
}

func rangeText(mid, spread float64) string {
	return num(mid-3*spread) + " to " + num(mid+3*spread)
}

func num(v float64) string { return fmt.Sprintf("%.4g", v) }

// trendFit returns a trend's fit once it has seen frac of its window.
func trendFit(r *trend, window time.Duration, frac float64, t int64) (
	slope, se, now, r2 float64, ok bool) {
	if float64(t-r.t0) < frac*float64(window.Milliseconds()) {
		return 0, 0, 0, 0, false
	}
	return r.fit(t)
}

// stepLeak names steady growth of a memory series a leak, unless its owner's load grew
// at least as fast: memory that follows the traffic (caches, pools, buffers) is not
// leaking, and says so again once the traffic stops growing and the memory does not.
func (st *series) stepLeak(c *emitCtx, t int64, out []signal.Signal) []signal.Signal {
	if !st.leakable {
		return out
	}
	slope, se, now, r2, ok := trendFit(&c.tr.leakTrend, c.e.cfg.TrendWindow, minTrendFrac, t)
	if !ok {
		return out
	}
	growth := slope * c.e.cfg.TrendWindow.Seconds()
	steady := slope > leakT*se || c.tr.leakTrend.driftT() > leakT
	leaking := slope > 0 && steady && r2 >= leakR2 && growth >= leakGrowth*math.Abs(now)
	ep := &c.tr.leak
	if !ep.firing {
		if !leaking {
			return out
		}
		load, known := c.loadGrowth(t)
		if known && load.significant && load.frac >= growth/math.Abs(now) {
			c.e.m.leaksHeld.Inc()
			return out
		}
		*ep = episode{firing: true, since: t}
		s := c.leakSignal(st, t, slope, now, r2, signal.StatusFiring)
		c.leakContext(&s, load, known)
		return append(out, s)
	}
	if ep.calmFor(t, slope > trendQuiet*se, c.e.cfg.ResolveAfter) {
		ep.firing = false
		out = append(out, c.leakSignal(st, t, slope, now, r2, signal.StatusResolved))
	}
	return out
}

// loadGrowth returns the growth of the series' owner's load over the trend window, if
// the owner has load series.
func (c *emitCtx) loadGrowth(t int64) (loadGrowth, bool) {
	owner := c.owner()
	if owner == "" {
		return loadGrowth{}, false
	}
	return c.e.loads.growth(owner, t, c.e.cfg.TrendWindow)
}

// leakContext adds to a firing leak signal what tells it from growth that follows
// traffic, and the change its service had shortly before, if any: the likely cause.
func (c *emitCtx) leakContext(s *signal.Signal, load loadGrowth, known bool) {
	svc := serviceOf(c.owner())
	s.Annotations = map[string]string{}
	if known {
		s.Annotations["load_growth"] = fmt.Sprintf("%.3f", load.frac)
		s.Summary += fmt.Sprintf("; the load of %s changed by %+.1f%% over the same %s",
			svc, 100*load.frac, c.e.cfg.TrendWindow)
	}
	ch, ok := c.e.changeBefore(svc, c.tr.leak.since)
	if !ok {
		return
	}
	s.Annotations["after_change"] = ch.what
	s.Annotations["change_at"] = ch.at.UTC().Format(time.RFC3339)
	s.Summary += fmt.Sprintf("; first seen %s after %s",
		time.UnixMilli(c.tr.leak.since).Sub(ch.at).Round(time.Second), ch.what)
}

func (c *emitCtx) leakSignal(st *series, t int64, slope, now, r2 float64,
	status signal.Status) signal.Signal {
	s := c.base(st, "leak", signal.KindAnomaly, t, status)
	s.Name = c.metricName() + " leak"
	s.Labels["detector"] = "leak"
	s.Value = now
	s.Score = math.Min(1, r2)
	perHour := slope * 3600
	since := time.UnixMilli(c.tr.leak.since).UTC().Format(time.RFC3339)
	s.Summary = fmt.Sprintf("leak detector on %s: steady growth of %s per hour "+
		"(%.0f%% of the variance is the trend), now %s, since %s",
		c.seriesKey(), num(perHour), 100*r2, num(now), since)
	if status == signal.StatusResolved {
		s.Summary = fmt.Sprintf("leak on %s stopped growing (leaking since %s)",
			c.seriesKey(), since)
	}
	return s
}

// stepForecast raises a forecast when the series is projected to reach its capacity
// within the horizon.
func (st *series) stepForecast(c *emitCtx, t int64, out []signal.Signal) []signal.Signal {
	if !st.hasLimit {
		return out
	}
	slope, se, now, r2, ok := trendFit(&c.tr.fcTrend, c.e.cfg.ForecastWindow, 1.0/3, t)
	if !ok {
		return out
	}
	mid, early, late, crosses := crossing(slope, se, now, st.limit)
	horizon := c.e.cfg.ForecastHorizon.Seconds()
	// Fire only on a precise trend: a forecast whose time is off by half is worse than none.
	soon := crosses && mid <= horizon && 2*se <= forecastPrec*math.Abs(slope) &&
		r2 >= forecastR2
	ep := &c.tr.forecast
	if !ep.firing {
		if !soon {
			return out
		}
		*ep = episode{firing: true, since: t}
		return append(out, c.forecastSignal(st, t, now, mid, early, late, signal.StatusFiring))
	}
	stillSoon := crosses && mid <= 2*horizon && math.Abs(slope) > trendQuiet*se
	if ep.calmFor(t, stillSoon, c.e.cfg.ResolveAfter) {
		ep.firing = false
		out = append(out, c.forecastSignal(st, t, now, mid, early, late, signal.StatusResolved))
	}
	return out
}

func (c *emitCtx) forecastSignal(st *series, t int64, now, mid, early, late float64,
	status signal.Status) signal.Signal {
	s := c.base(st, "forecast", signal.KindForecast, t, status)
	s.Labels["detector"] = "forecast"
	s.Value = now
	s.Expected = &signal.Range{Low: st.limit, High: st.limit}
	at := time.UnixMilli(t).Add(secs(mid)).UTC()
	s.Annotations = map[string]string{
		"limit":        num(st.limit),
		"projected_at": at.Format(time.RFC3339),
		"earliest":     time.UnixMilli(t).Add(secs(early)).UTC().Format(time.RFC3339),
	}
	lateText := "no later bound: the trend could still flatten"
	if !math.IsInf(late, 1) {
		s.Annotations["latest"] = time.UnixMilli(t).Add(secs(late)).UTC().Format(time.RFC3339)
		lateText = "latest in " + secs(late).Round(time.Second).String()
	}
	s.Summary = fmt.Sprintf("forecast on %s: at the current trend it reaches %s in about %s "+
		"(at %s; earliest in %s, %s); now %s", c.seriesKey(), num(st.limit),
		secs(mid).Round(time.Second), at.Format(time.RFC3339),
		secs(early).Round(time.Second), lateText, num(now))
	if status == signal.StatusResolved {
		s.Summary = fmt.Sprintf("forecast on %s: no longer projected to reach %s within %s",
			c.seriesKey(), num(st.limit), c.e.cfg.ForecastHorizon)
	}
	return s
}

func secs(s float64) time.Duration {
	return time.Duration(math.Min(s, 1e9) * float64(time.Second))
}
