// Package loadgen is a Prometheus remote_write load generator for benchmarks. It sends
// the same sequence of snappy-compressed WriteRequests to any receiver (CEREBRO,
// Prometheus, anything that speaks remote_write 1.0) and reports the sustained rate of
// accepted samples and the errors.
//
// Series are encoded once; each round patches values and timestamps in place, so the
// generator spends its CPU on compression and HTTP rather than on protobuf encoding, and
// leaves as much of the machine as it can to the receiver. Run starts Concurrency
// goroutines, each owning a fixed share of the batches, and returns when all have stopped.
package loadgen
