package kube

import (
	"regexp"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

func (w *Watcher) eventHandler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    w.onEvent,
		UpdateFunc: func(_, obj any) { w.onEvent(obj) },
		DeleteFunc: w.forget,
	}
}

// onEvent turns a Warning event into a firing alert. Every new resourceVersion of an
// event (its count went up) is a new observation, at the event's last time. Events listed
// at start are taken too, at their own times, so warnings raised while CEREBRO was down
// are not lost; the ones already stored come out with the same identity and times, which
// the store takes as duplicates.
func (w *Watcher) onEvent(obj any) {
	ev, ok := obj.(*corev1.Event)
	if !ok || ev == nil || ev.UID == "" {
		w.m.invalid.Inc()
		return
	}
	if ev.Type != corev1.EventTypeWarning || !w.fresh(string(ev.UID), ev.ResourceVersion) {
		return
	}
	w.emit(w.eventSignal(ev))
}

// eventSignal maps a Warning event. Identity is the involved object and the reason, the
// key Kubernetes aggregates repeats on, from the fields that are set; without an object
// name or a reason it falls back to the event's own uid. Kubernetes events never
// resolve: the alert lasts as long as it keeps recurring.
func (w *Watcher) eventSignal(ev *corev1.Event) signal.Signal {
	o := ev.InvolvedObject
	first, last := eventTimes(ev)
	if last.IsZero() {
		last = w.Now().UTC()
	}
	if first.IsZero() {
		first = last
	}
	labels := map[string]string{}
	put(labels, "namespace", o.Namespace)
	put(labels, "kind", o.Kind)
	put(labels, "object", o.Name)
	put(labels, "reason", ev.Reason)
	put(labels, "component", firstOf(ev.Source.Component, ev.ReportingController))
	put(labels, "node", ev.Source.Host)
	put(labels, "field_path", o.FieldPath)
	if ev.Count > 0 {
		labels["count"] = strconv.Itoa(int(ev.Count))
	}
	return signal.Signal{
		Kind: signal.KindAlert, NativeID: string(ev.UID), Fingerprint: eventIdentity(ev),
		Name: firstOf(ev.Reason, "KubernetesWarning"), Service: workloadName(o.Kind, o.Name),
		Summary: ev.Message, Severity: signal.SeverityWarning, Status: signal.StatusFiring,
		RawStatus: ev.Type, StartsAt: first, EventTime: last, Labels: labels,
	}
}

// eventIdentity names each part it hashes, so that skipping an empty one (an object
// without namespace, say) cannot make two different events read alike.
func eventIdentity(ev *corev1.Event) string {
	o := ev.InvolvedObject
	if o.Name == "" || ev.Reason == "" {
		fp, _ := signal.Identity(Source, "event", "uid="+string(ev.UID))
		return fp
	}
	parts := []string{"event"}
	for _, kv := range [][2]string{{"kind", o.Kind}, {"namespace", o.Namespace},
		{"name", o.Name}, {"reason", ev.Reason}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	fp, _ := signal.Identity(Source, parts...)
	return fp
}

// eventTimes reads the first and last time of an event from whichever fields its
// reporter filled: core/v1 timestamps, the events.k8s.io event time, or its series.
func eventTimes(ev *corev1.Event) (time.Time, time.Time) {
	first := ev.FirstTimestamp.Time
	if first.IsZero() {
		first = ev.EventTime.Time
	}
	last := ev.LastTimestamp.Time
	if ev.Series != nil && ev.Series.LastObservedTime.After(last) {
		last = ev.Series.LastObservedTime.Time
	}
	if last.IsZero() {
		last = first
	}
	if last.IsZero() {
		last = ev.CreationTimestamp.Time
	}
	return first.UTC(), last.UTC()
}

// podSuffix and hashSuffix are the generated tails of pod and ReplicaSet names.
var (
	podSuffix  = regexp.MustCompile(`-[a-z0-9]{5}$`)
	hashSuffix = regexp.MustCompile(`-[a-z0-9]{6,10}$`)
)

// workloadName guesses the workload behind a pod or ReplicaSet from its generated name
// ("web-66bddd5dc8-9ggwb" is web). Limits: a pod of a StatefulSet ("db-0") keeps its
// ordinal, and a hand-named pod whose name happens to end like a hash loses that end.
func workloadName(kind, name string) string {
	switch kind {
	case "Pod":
		trimmed := podSuffix.ReplaceAllString(name, "")
		if trimmed == name {
			return name
		}
		return hashSuffix.ReplaceAllString(trimmed, "")
	case "ReplicaSet":
		return hashSuffix.ReplaceAllString(name, "")
	}
	return name
}

func put(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
