// Package logs is the log stage of the pipeline: online template mining per service and the
// log signals it raises.
//
// In: signal.LogLine values from the OTLP logs and Loki push routes, and deploy notices
// (NoteChange). Out: logpattern signals: a template never seen before at warning level or
// above, a template whose rate shifts against its own baseline, and an error template that
// appears right after a deploy.
//
// Mining is streaming. Each message is split into words, the usual variable shapes
// (numbers, hex, IPs, paths, UUIDs, sizes, dates, booleans) are masked as <*>, and the
// masked word sequence is matched against the templates of the same length and first word
// by position-wise similarity, as the Drain family of parsers does. A matched template
// generalizes the positions that differ into <*>; an unmatched line starts a new template.
// A hash of the masked sequence short-cuts the search for shapes seen before.
//
// State is bounded: templates per service, services, words per line and bytes per line are
// capped, and each cap has a counter. Miner.Snapshot and Miner.Restore carry the templates,
// their counts and their rate baselines across a restart.
//
// Concurrency: a Parser is not safe for concurrent use. A Miner is: it holds one Parser per
// service, each behind its own mutex, so batches for different services mine in parallel.
package logs
