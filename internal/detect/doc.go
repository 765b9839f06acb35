// Package detect is the streaming anomaly detection and forecasting stage. Metric samples
// come in as signal.Series batches (from remote_write, OTLP or the pull mode); anomaly and
// forecast signals come out, to go back on the bus like any other signal.
//
// Per series, a Detector keeps a robust baseline (level, spread and, found automatically,
// a daily profile on the clock's hours and day-of-the-week offsets) and scores each
// sample, using only the past, with six detectors: spike, level shift, variance change,
// cusum (small shifts that last), spike rate and gap. Each detector's statistic is judged
// against an upper tail learned on the
// series itself (peaks over a threshold with an exponential or Pareto excess), so the
// score means "how rare is this here", and the most surprising detector gives the
// series' score in [0, 1]. A spike that recurs at the same time every day (a cron job)
// is routine. Counters are turned into per-second rates first. On top of the detectors,
// the Engine runs episodes with hysteresis (fire at onset, resolve after a calm spell),
// a leak detector for memory series and time-to-exhaustion forecasts for series with a
// known capacity. docs/detect.md has the design and the NAB figures.
//
// Work per sample is O(1) and memory per series is fixed (about 0.8 KiB, its labels
// included as the key that tells apart series whose hashes collide); the number of series
// is bounded by Config.MaxSeries, idle series are evicted, and the state can be
// snapshotted and restored across restarts. The records and keys live off the Go heap
// (slab.go, keyarena.go), so the collector neither scans them nor doubles them.
//
// A source that caches label sets (remote_write) sends known series by the reference
// Engine.ObserveRef handed back, as Prometheus's SeriesRef, and skips decoding, hashing
// and looking up their labels; a reference to an evicted series is refused, never
// reused for another (ref.go).
//
// Concurrency: Engine.Observe and ObserveRef are safe for concurrent use. Series are
// spread over 256 shards by a hash of their labels, each with its own mutex and
// open-addressing table; the records of all shards share one slab, whose lock is taken
// only when a series is created or evicted, as is the one shared counter (series held,
// against MaxSeries). A Detector alone is not safe for concurrent use.
package detect
