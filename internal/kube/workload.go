package kube

import (
	"encoding/json"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Rollout states, as in signal.Change.State.
const (
	stateInProgress = "in_progress"
	stateSuccess    = "success"
	stateFailure    = "failure"
)

// workload is what the watcher reads of a Deployment, StatefulSet or DaemonSet.
type workload struct {
	kind       string // Deployment, StatefulSet or DaemonSet
	meta       *metav1.ObjectMeta
	generation int64
	spec       string // hash of the spec without its replica count
	version    string // the containers' images: the change's version
	images     string // every image, init containers too: what makes a change a deploy
	state      string // rollout state of the current spec
	rolling    bool   // pods still run an older spec, or the controller has not seen it
	reason     string // the controller's message when the rollout failed
}

// asWorkload reads a workload. It fails for other objects, nil ones, and ones without the
// uid and name that dedup and identity need; the API server always sets both.
func asWorkload(obj any) (workload, bool) {
	var wl workload
	switch o := obj.(type) {
	case *appsv1.Deployment:
		if o == nil {
			return wl, false
		}
		// A scale, by hand or by an autoscaler, moves the generation but is no rollout.
		spec := o.Spec
		spec.Replicas = nil
		wl = newWorkload("Deployment", &o.ObjectMeta, o.Spec.Template)
		wl.spec = specHash(spec)
		wl.state, wl.rolling, wl.reason = deploymentState(o)
	case *appsv1.StatefulSet:
		if o == nil {
			return wl, false
		}
		spec := o.Spec
		spec.Replicas = nil
		wl = newWorkload("StatefulSet", &o.ObjectMeta, o.Spec.Template)
		wl.spec = specHash(spec)
		wl.state, wl.rolling = statefulSetState(o)
	case *appsv1.DaemonSet:
		if o == nil {
			return wl, false
		}
		wl = newWorkload("DaemonSet", &o.ObjectMeta, o.Spec.Template)
		wl.spec = specHash(o.Spec)
		wl.state, wl.rolling = daemonSetState(o)
	default:
		return wl, false
	}
	return wl, wl.meta.UID != "" && wl.meta.Name != ""
}

func newWorkload(kind string, m *metav1.ObjectMeta, t corev1.PodTemplateSpec) workload {
	return workload{kind: kind, meta: m, generation: m.Generation,
		version: versionOf(t.Spec.Containers), images: imagesOf(t.Spec)}
}

// specHash fingerprints a spec. JSON encoding is deterministic (struct field order,
// sorted map keys), so equal specs hash equal.
func specHash(spec any) string {
	b, err := json.Marshal(spec)
	if err != nil {
		return ""
	}
	h := fnv.New64a()
	h.Write(b)
	return strconv.FormatUint(h.Sum64(), 16)
}

// deploymentState follows kubectl rollout status: nothing is decided before the
// controller has seen the spec; then failure once the progress deadline is exceeded, and
// success when every replica runs the new spec and is available.
func deploymentState(d *appsv1.Deployment) (state string, rolling bool, reason string) {
	s := d.Status
	if s.ObservedGeneration < d.Generation {
		return stateInProgress, true, ""
	}
	want := replicas(d.Spec.Replicas)
	rolling = s.UpdatedReplicas < want || s.Replicas > s.UpdatedReplicas
	for _, c := range s.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded" {
			return stateFailure, rolling, c.Message
		}
	}
	if !rolling && s.AvailableReplicas >= s.UpdatedReplicas {
		return stateSuccess, false, ""
	}
	return stateInProgress, rolling, ""
}

// statefulSetState follows kubectl rollout status. A StatefulSet that updates OnDelete
// has no rollout to follow: it counts as done once the controller has seen its spec.
// Limits: a StatefulSet has no progress deadline, so its rollout never fails here.
func statefulSetState(st *appsv1.StatefulSet) (state string, rolling bool) {
	s := st.Status
	if s.ObservedGeneration < st.Generation {
		return stateInProgress, true
	}
	if st.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
		return stateSuccess, false
	}
	want := replicas(st.Spec.Replicas)
	rolling = s.UpdateRevision != "" && s.UpdateRevision != s.CurrentRevision
	if ru := st.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		// A partitioned rollout stops, by design, at the pods above the partition.
		rolling = s.UpdatedReplicas < want-*ru.Partition
	}
	if !rolling && s.ReadyReplicas >= want {
		return stateSuccess, false
	}
	return stateInProgress, rolling
}

// daemonSetState follows kubectl rollout status, with OnDelete as for StatefulSets.
// Limits: a DaemonSet has no progress deadline, so its rollout never fails here.
func daemonSetState(ds *appsv1.DaemonSet) (state string, rolling bool) {
	s := ds.Status
	if s.ObservedGeneration < ds.Generation {
		return stateInProgress, true
	}
	if ds.Spec.UpdateStrategy.Type == appsv1.OnDeleteDaemonSetStrategyType {
		return stateSuccess, false
	}
	rolling = s.UpdatedNumberScheduled < s.DesiredNumberScheduled
	if !rolling && s.NumberAvailable >= s.DesiredNumberScheduled {
		return stateSuccess, false
	}
	return stateInProgress, rolling
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// versionOf is a change's version: the image of a pod's only container ("web:2"), or
// "container=image" for each container, sorted, when it has several.
func versionOf(cs []corev1.Container) string {
	if len(cs) == 1 {
		return cs[0].Image
	}
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Name+"="+c.Image)
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// imagesOf lists every image of a pod spec, init containers included, so that a new
// init image makes a deploy and not a config change.
func imagesOf(p corev1.PodSpec) string {
	var out []string
	for _, c := range p.InitContainers {
		out = append(out, "init:"+c.Name+"="+c.Image)
	}
	for _, c := range p.Containers {
		out = append(out, c.Name+"="+c.Image)
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// serviceOf names the service a workload is: its app.kubernetes.io/name or app label,
// else its own name.
func serviceOf(m *metav1.ObjectMeta) string {
	for _, k := range []string{"app.kubernetes.io/name", "app"} {
		if v := m.Labels[k]; v != "" {
			return v
		}
	}
	return m.Name
}
