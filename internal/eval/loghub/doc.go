// Package loghub scores the log template miner on the labelled Loghub 2k samples: grouping
// accuracy, parsing accuracy (exact template match) and the F1 of template accuracy, as the
// official Loghub and Loghub-2.0 evaluators define them, plus throughput.
//
// Systems are found by folder layout: every <System>/<System>_2k.log_structured.csv (or, for
// the corrected labels, <System>_2k.log_structured_corrected.csv) under the data directory.
// The message of each line is the structured CSV's Content column, as the published
// evaluations use it.
//
// Nothing here is concurrent; Run scores one system after another.
package loghub
