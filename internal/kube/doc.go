// Package kube is the Kubernetes source of the ingest stage: a watcher that turns
// Deployment, StatefulSet and DaemonSet rollouts into change signals and Warning events
// into alert signals, and hands them to an ingest.SignalSink.
//
// It watches through client-go shared informers, per configured namespace (or once for
// all namespaces): one factory for the workloads and one for events, which asks the API
// server for Warning events only. Updates are deduplicated by object uid and
// resourceVersion, so a resync, a relist after an expired watch, or a repeated delivery
// repeats no signal.
//
// A rollout is a change of a workload's spec other than its replica count: a new image
// makes a deploy, any other spec change a config change. Its states (in_progress,
// success, and failure once a Deployment's progress deadline is exceeded) are changes
// sharing one identity, the workload's uid and the generation the rollout started at.
// Workloads found at start give no change, so a restart does not tell old rollouts
// again; Warning events found at start are taken, and come out identical to the ones a
// previous run stored, which the store keeps once.
//
// Concurrency: informer callbacks only compute signals and queue them on a bounded
// channel; Run's own goroutine drains the queue into the sink, retrying a failed store,
// so a slow store slows the watch down instead of growing memory. State kept between
// updates (last resourceVersion and rollout per uid) is guarded by one mutex and dropped
// when the object is deleted.
package kube
