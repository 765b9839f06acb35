// Package store keeps what CEREBRO must not lose: the signal log, the current state of
// every signal identity, incidents with their members, timelines and hypotheses, and the
// cursors of the consumers that read the log.
//
// The signal log is the spine of the pipeline: ingest appends to it and answers 2xx only
// after the append committed; correlate reads it in order from its cursor and commits its
// cursor in the same transaction as the incident changes, so a restart neither loses nor
// repeats work. The embedded default is SQLite (pure Go) in WAL mode with one writer
// connection; methods are safe for concurrent use.
package store
