// Package diagnose ranks root-cause hypotheses for incidents. For each incident correlate
// changed, it gathers the members and the change events on or near the involved services,
// scores three kinds of hypothesis (a change shortly before onset, the earliest anomalous
// service deepest in the call graph, the strongest anomaly), merges them per service and
// stores the ranking with evidence and a plain-language explanation written by the
// reasoner (a built-in template by default).
//
// Diagnose runs on its own goroutine (Run) fed by a coalescing queue of incident ids, so
// correlate never waits for it. Passes are at least a second apart, so a flood that changes
// its incident in every correlate batch is ranked about once a second, from its key members
// rather than all of them.
package diagnose
