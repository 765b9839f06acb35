// Package demo runs the bad-deploy scenario end to end in one process: a CEREBRO server on
// embedded defaults, the lab pushing its metrics by remote_write, a warm-up backfilled
// from simulated history, the injection of a leaking deploy, and a watch on CEREBRO's own
// API that reports the incident as it unfolds, then the rollback and the resolution.
//
// Everything it reports comes from CEREBRO's HTTP API, as a user would see it; the lab's
// ground truth is used only to judge the outcome.
package demo
