// Package pull is the pull mode of metric ingest: instead of receiving remote_write, it
// asks a Prometheus server's HTTP API for the series of configured selectors at a fixed
// interval and hands the samples to the same ingest.SeriesSink as the push routes.
//
// A Puller queries /api/v1/query for each selector at each tick. After a gap (a failed
// query, a slow sink, or a restart of CEREBRO, whose positions the Puller's snapshot
// keeps) it asks /api/v1/query_range for the missed span, up to MaxCatchUp, so that
// detection sees the samples it missed in order. Run blocks on one goroutine and queries
// the selectors one after another.
package pull
