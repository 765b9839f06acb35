// Package nab loads the Numenta Anomaly Benchmark (NAB) corpus and scores detector output
// with NAB's own rules, reimplemented: the probationary period, anomaly windows, the scaled
// sigmoid row score, the three cost profiles, the corpus-wide threshold sweep and the
// normalization between the null and the perfect detector.
//
// Inputs are a NAB checkout's data/, labels/ and config/ directories and, per file, one
// anomaly score in [0, 1] for every row. Outputs are raw and normalized scores per profile,
// per file and per category, at the corpus-optimized threshold or at a fixed one.
//
// Nothing here holds shared mutable state; Run scores files on several goroutines, each
// with its own detector.
package nab
