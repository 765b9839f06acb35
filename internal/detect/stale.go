package detect

import (
	"fmt"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// ResolveStale resolves the firing episodes (anomaly, leak, forecast) of series that have
// sent nothing for StaleAfter by the engine's wall clock, and appends the resolved
// signals to out. Without it a series that stopped while firing (a pod deleted mid-
// incident, a target dropped from the scrape) kept its episode, and so its incident,
// open for good: nothing else resolves an episode but the series' own samples. The
// series' state stays, for the series may come back; eviction is separate.
//
// The server calls it about once a minute. It visits every series, one shard lock at a
// time: some milliseconds at a million series, against a minute of samples.
func (e *Engine) ResolveStale(out []signal.Signal) []signal.Signal {
	now, stale := e.clock(), staleSeconds(e.cfg.StaleAfter)
	at := e.wallNow()
	for i := range e.shards {
		sh := &e.shards[i]
		sh.mu.Lock()
		sh.series.each(func(_ uint64, st *series) {
			if st.idle(now, stale) {
				out = e.resolveSilent(sh, st, at, out)
			}
		})
		sh.mu.Unlock()
	}
	return out
}

// resolveSilent resolves whatever episode of st is firing, as of at. The caller holds
// the shard lock.
func (e *Engine) resolveSilent(sh *shard, st *series, at time.Time,
	out []signal.Signal) []signal.Signal {
	c := &emitCtx{e: e, sh: sh, stored: *sh.recs.key(st.idx)}
	if st.trended {
		c.tr = sh.trends[st.idx]
	}
	for _, what := range []string{"anomaly", "leak", "forecast"} {
		if what != "anomaly" && c.tr == nil {
			break
		}
		ep := c.episodeOf(st, what)
		if !ep.firing {
			continue
		}
		ep.firing = false
		out = append(out, c.silentSignal(st, what, at))
	}
	return out
}

// silentSignal is the resolve of an episode whose series stopped sending.
func (c *emitCtx) silentSignal(st *series, what string, at time.Time) signal.Signal {
	kind := signal.KindAnomaly
	if what == "forecast" {
		kind = signal.KindForecast
	}
	s := c.base(st, what, kind, at.UnixMilli(), signal.StatusResolved)
	if what != "anomaly" {
		s.Name = c.metricName() + " " + what
		s.Labels["detector"] = what
	}
	last := time.UnixMilli(st.prevT).UTC()
	s.Annotations = map[string]string{"resolved_by": "stale", "last_sample": last.Format(
		time.RFC3339)}
	s.Summary = fmt.Sprintf("%s stopped reporting: no sample for %s since %s; its %s is "+
		"resolved without a verdict (since %s)", c.seriesKey(), c.e.cfg.StaleAfter,
		last.Format(time.RFC3339), what, s.StartsAt.Format(time.RFC3339))
	return s
}

// wallNow is the engine's wall clock: a test's, or the real one.
func (e *Engine) wallNow() time.Time {
	if e.now != nil {
		return e.now()
	}
	return time.Now()
}
