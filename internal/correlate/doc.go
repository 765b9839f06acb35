// Package correlate folds signals into incidents. It reads the signal log from the store
// in order, starting at its cursor, and for each signal applies the identity lifecycle
// (firing, acknowledged, resolved, ordered by source time rather than arrival), then
// groups firing signals into incidents by time window, Alertmanager group, service and
// service-graph distance. An incident resolves only when all of its members have.
//
// One goroutine (Run) does all the work, so there is no locking of incident state; each
// batch of signals and the cursor advance commit in one transaction, so a restart neither
// loses nor repeats a signal. Incidents it changed are handed to a Changed consumer
// (diagnose) after the commit.
package correlate
