package kube

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// warningsOnly asks the API server for Warning events only: Normal events are most of a
// cluster's events and the watcher has no use for them.
const warningsOnly = "type=" + corev1.EventTypeWarning

// syncWarnEvery is how often a watcher whose caches are not synced says so; stopTimeout
// bounds the wait for the informers at shutdown.
const (
	syncWarnEvery = 30 * time.Second
	stopTimeout   = 5 * time.Second
)

// factories builds, per namespace, one informer factory for the workloads and one for
// Warning events (the field selector cannot be given to the workload lists), and
// registers the handlers. Nothing is started.
func (w *Watcher) factories() ([]informers.SharedInformerFactory, error) {
	namespaces := w.Namespaces
	if len(namespaces) == 0 {
		namespaces = []string{metav1.NamespaceAll}
	}
	var out []informers.SharedInformerFactory
	for _, ns := range namespaces {
		apps := informers.NewSharedInformerFactoryWithOptions(w.client, 0,
			informers.WithNamespace(ns), informers.WithTransform(stripManagedFields))
		events := informers.NewSharedInformerFactoryWithOptions(w.client, 0,
			informers.WithNamespace(ns), informers.WithTransform(stripManagedFields),
			informers.WithTweakListOptions(func(o *metav1.ListOptions) {
				o.FieldSelector = warningsOnly
			}))
		err := w.register(map[string]cache.SharedIndexInformer{
			"deployments":  apps.Apps().V1().Deployments().Informer(),
			"statefulsets": apps.Apps().V1().StatefulSets().Informer(),
			"daemonsets":   apps.Apps().V1().DaemonSets().Informer(),
		}, w.workloadHandler())
		if err == nil {
			err = w.register(map[string]cache.SharedIndexInformer{
				"events": events.Core().V1().Events().Informer(),
			}, w.eventHandler())
		}
		if err != nil {
			return nil, fmt.Errorf("registering kubernetes handlers for namespace %q: %w",
				ns, err)
		}
		out = append(out, apps, events)
	}
	return out, nil
}

// register adds h to each informer, and a watch error handler that logs through the
// watcher's logger: a missing RBAC grant shows up there, as list or watch failing with
// "forbidden", and the informer keeps retrying.
func (w *Watcher) register(infs map[string]cache.SharedIndexInformer,
	h cache.ResourceEventHandler) error {
	for resource, inf := range infs {
		err := inf.SetWatchErrorHandlerWithContext(
			func(_ context.Context, _ *cache.Reflector, err error) {
				w.m.watchErrors.Inc()
				w.log.Warn("kubernetes list or watch failed", "target", resource, "err", err)
			})
		if err != nil {
			return err
		}
		reg, err := inf.AddEventHandler(h)
		if err != nil {
			return err
		}
		w.handlersSynced = append(w.handlersSynced, reg.HasSynced)
	}
	return nil
}

// waitSynced closes Synced once every handler has been given its informer's first list.
// Until then it warns every syncWarnEvery: an API server that cannot be reached makes the
// informers retry quietly, and this is the only sign of it in the log.
func (w *Watcher) waitSynced(ctx context.Context) {
	var waited time.Duration
	for {
		wctx, cancel := context.WithTimeout(ctx, syncWarnEvery)
		ok := cache.WaitForCacheSync(wctx.Done(), w.handlersSynced...)
		cancel()
		if ok {
			w.log.Info("kubernetes caches synced")
			close(w.synced)
			return
		}
		if ctx.Err() != nil {
			return
		}
		waited += syncWarnEvery
		w.log.Warn("kubernetes caches not synced yet; is the API server reachable?",
			"duration", waited)
	}
}

// shutdown stops the informers, waiting at most stopTimeout: a reflector backing off
// from an unreachable API server sleeps without looking at its context, and shutdown
// should not wait for it.
func (w *Watcher) shutdown(factories []informers.SharedInformerFactory) {
	done := make(chan struct{})
	go func() {
		for _, f := range factories {
			f.Shutdown()
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(stopTimeout):
		w.log.Warn("kubernetes informers still stopping; not waiting", "duration",
			stopTimeout)
	}
}

// stripManagedFields drops the server-side-apply bookkeeping, often the largest part of
// an object, from what the informers cache.
func stripManagedFields(obj any) (any, error) {
	if m := metaOf(obj); m != nil {
		m.ManagedFields = nil
	}
	return obj, nil
}

// fresh records that the object with uid was handled at resourceVersion rv and reports
// whether that version is new. A resync, a relist after a dropped watch, or a repeated
// delivery carries a version already handled and is skipped.
func (w *Watcher) fresh(uid, rv string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if rv != "" && w.seen[uid] == rv {
		w.m.duplicates.Inc()
		return false
	}
	w.seen[uid] = rv
	return true
}

// forget drops what is kept about a deleted object.
func (w *Watcher) forget(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	m := metaOf(obj)
	if m == nil || m.UID == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.seen, string(m.UID))
	delete(w.rollouts, string(m.UID))
}

// metaOf reads the metadata of the object kinds the watcher handles; it is nil for
// anything else, a nil object included.
func metaOf(obj any) *metav1.ObjectMeta {
	var m *metav1.ObjectMeta
	switch o := obj.(type) {
	case *appsv1.Deployment:
		if o != nil {
			m = &o.ObjectMeta
		}
	case *appsv1.StatefulSet:
		if o != nil {
			m = &o.ObjectMeta
		}
	case *appsv1.DaemonSet:
		if o != nil {
			m = &o.ObjectMeta
		}
	case *corev1.Event:
		if o != nil {
			m = &o.ObjectMeta
		}
	}
	return m
}
