// Package ingest is the first stage of the pipeline: it receives the real protocols of the
// tools a team already runs (webhooks, remote_write, OTLP, Loki push) over HTTP and turns
// them into signal.Signal values, samples or log lines for the later stages.
//
// Every route answers 2xx only after its sink has made the input durable; bad input gets a
// 4xx JSON error naming the problem, and nothing from a rejected request is stored. Handlers
// are safe for concurrent use; each request is decoded on its own goroutine.
package ingest
