// Package lab is a simulated service world for the demo, the end-to-end tests and the
// outcome benchmarks. It is not a pipeline stage: it stands in for the production systems
// CEREBRO watches, and it speaks their real protocols.
//
// A handful of services call each other along a fixed graph (see DefaultTopology). Each
// serves Prometheus-format metrics with realistic request rates, latency histograms, error
// counters, CPU and memory, all with bounded noise and a daily shape whose period is
// configurable so that a short run still shows it. Every series carries a service label
// and lab_build_info{service,version} says which version runs.
//
// In: HTTP control calls (POST /deploy, POST /rollback) or the same calls made in-process
// (Lab.Deploy, Lab.Rollback). A deploy whose version names a fault ("v2-leaky") activates
// it: the memory-leak fault makes one service grow its memory steadily and fail more
// requests while its latency rises, and the slowdown spreads to its callers with smaller
// amplitude. A rollback clears it.
//
// Out: /metrics for a real Prometheus to scrape, optional remote_write pushes, change
// events posted to CEREBRO on every deploy and rollback, and the ground truth (GET /truth,
// Lab.Truth) that tests and benchmarks score against.
//
// Concurrency: the world's state sits behind one mutex. It advances lazily to the clock's
// time whenever it is read (a scrape, a push, a control call), integrating the counters in
// steps of at most one simulated second, so the numbers do not depend on how often it is
// scraped and tests can drive it with a fake clock without sleeping.
package lab
