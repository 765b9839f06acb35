// Package signal is the shared vocabulary of the pipeline: the Signal that every ingest
// source produces and every later stage consumes, and the identity rules that dedup and
// lifecycle tracking rely on.
//
// A Signal is a value; nothing in this package blocks or holds state, so it is safe for
// concurrent use.
package signal
