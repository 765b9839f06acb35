package kube

import (
	"strconv"
	"strings"

	"k8s.io/client-go/tools/cache"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// rollout is what the watcher remembers of a workload between updates.
type rollout struct {
	generation int64  // last generation seen
	spec       string // last spec hash seen
	images     string // last images seen
	version    string // last version seen

	// The rollout being followed to its end, if open.
	open     bool
	start    int64  // the generation it started at: part of its identity
	typ      string // deploy when an image changed, else config
	previous string // the version before it; empty when unknown
	state    string // its last state
}

func (w *Watcher) workloadHandler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerDetailedFuncs{
		AddFunc: func(obj any, initial bool) {
			w.onWorkload(obj, !initial)
		},
		UpdateFunc: func(_, obj any) { w.onWorkload(obj, true) },
		DeleteFunc: w.forget,
	}
}

// onWorkload compares a workload with what was remembered of it and emits a change when
// a rollout starts or moves to a new state. live is false for the objects of the
// informers' first list, which are the state found at start and not changes.
func (w *Watcher) onWorkload(obj any, live bool) {
	wl, ok := asWorkload(obj)
	if !ok {
		w.m.invalid.Inc()
		return
	}
	if !w.fresh(string(wl.meta.UID), wl.meta.ResourceVersion) {
		return
	}
	w.mu.Lock()
	prev, known := w.rollouts[string(wl.meta.UID)]
	cur, what := advance(prev, known, live, wl)
	w.rollouts[string(wl.meta.UID)] = cur
	w.mu.Unlock()
	if what != "" {
		w.emit(w.rolloutChange(wl, cur, what))
	}
}

// advance is the rollout tracking: it returns what to remember of wl, and what happened,
// or "" when nothing is worth a change.
//
// A rollout starts when the generation and the spec (less the replica count) both moved:
// a scale moves only the generation, and a spec that only reads differently (new
// defaults after an API server upgrade) moves no generation. Its states are reported
// until it succeeds. A workload found at start is remembered without a change, so a
// restart does not report old rollouts again; one found mid-rollout is followed to its
// end, with an unknown previous version.
func advance(r rollout, known, live bool, wl workload) (rollout, string) {
	next := r
	next.generation, next.spec, next.images = wl.generation, wl.spec, wl.images
	next.version = wl.version
	switch {
	case !known && !live:
		if wl.rolling && wl.state != stateSuccess {
			next = next.begin(wl, "deploy", "")
		}
		return next, ""
	case !known:
		return next.begin(wl, "deploy", ""), "created"
	case wl.generation != r.generation && wl.spec != r.spec:
		typ := "config"
		if wl.images != r.images {
			typ = "deploy"
		}
		return next.begin(wl, typ, r.version), "rollout started"
	case r.open && wl.state != r.state:
		next.state, next.open = wl.state, wl.state != stateSuccess
		return next, "rollout " + strings.ReplaceAll(wl.state, "_", " ")
	}
	return next, ""
}

// begin opens a rollout of wl's current generation.
func (r rollout) begin(wl workload, typ, previous string) rollout {
	r.open, r.start, r.typ, r.previous = wl.state != stateSuccess, wl.generation, typ, previous
	r.state = wl.state
	return r
}

// rolloutChange builds the change for one observation of a rollout. Its identity is the
// workload's uid and the generation the rollout started at, so every state of one
// rollout shares it and a workload recreated under the same name does not.
func (w *Watcher) rolloutChange(wl workload, r rollout, what string) signal.Signal {
	kind := strings.ToLower(wl.kind)
	start := strconv.FormatInt(r.start, 10)
	fp, _ := signal.Identity(Source, "rollout", string(wl.meta.UID), start)
	at := w.Now().UTC()
	labels := map[string]string{"kind": kind, "workload": wl.meta.Name, "generation": start}
	put(labels, "namespace", wl.meta.Namespace)
	return signal.Signal{
		Kind: signal.KindChange, NativeID: string(wl.meta.UID), Fingerprint: fp,
		Name:    kind + " " + wl.meta.Namespace + "/" + wl.meta.Name + " " + what,
		Service: serviceOf(wl.meta), Summary: summary(wl, r),
		Severity: signal.SeverityInfo, Status: signal.StatusResolved, RawStatus: r.state,
		StartsAt: at, EndsAt: at, EventTime: at, Labels: labels,
		Change: &signal.Change{Type: r.typ, Version: wl.version, PreviousVersion: r.previous,
			Environment: wl.meta.Namespace, State: r.state},
	}
}

func summary(wl workload, r rollout) string {
	switch {
	case r.state == stateFailure && wl.reason != "":
		return wl.reason
	case r.typ == "config":
		return "spec changed, images unchanged"
	case r.previous != "":
		return r.previous + " -> " + wl.version
	}
	return ""
}
