// Package kube is the Kubernetes source of the ingest stage: a watcher that turns
// Deployment, StatefulSet and DaemonSet rollouts into change signals and Warning events
// into alert signals, and hands them to an ingest.SignalSink.
//
// It watches through client-go shared informers, one factory per configured namespace (or
// one for all namespaces). Informer callbacks only compute signals and queue them on a
// bounded channel; Run's own goroutine drains the queue into the sink, retrying a failed
// store, so a slow store never blocks the informers. Updates are deduplicated by object
// uid and resourceVersion, so the informers' periodic resyncs and repeated deliveries do
// not repeat a signal.
package kube
