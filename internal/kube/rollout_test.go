package kube

import (
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// dep is Deployment web in shop, 3 replicas of one container. rv defaults from the
// other fields, so two different states never share a resourceVersion by accident.
func dep(gen, observed int64, image string, updated, available int32,
	opts ...func(*appsv1.Deployment)) *appsv1.Deployment {
	three := int32(3)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", UID: "uid-web",
			Generation: gen, Labels: map[string]string{"app": "web-svc"}},
		Spec: appsv1.DeploymentSpec{Replicas: &three, Template: corev1.PodTemplateSpec{
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}},
		}},
		Status: appsv1.DeploymentStatus{ObservedGeneration: observed, Replicas: 3,
			UpdatedReplicas: updated, AvailableReplicas: available},
	}
	for _, o := range opts {
		o(d)
	}
	if d.ResourceVersion == "" {
		d.ResourceVersion = strconv.FormatInt(gen*1000+observed*100+int64(updated*10+
			available), 10)
	}
	return d
}

func withEnv(v string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		d.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "MODE", Value: v}}
	}
}

func withReplicas(n int32) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) { d.Spec.Replicas = &n }
}

func withRV(rv string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) { d.ResourceVersion = rv }
}

func withUID(uid string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) { d.UID = types.UID(uid) }
}

func deadlineExceeded(d *appsv1.Deployment) {
	d.Status.Conditions = []appsv1.DeploymentCondition{{
		Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse,
		Reason:  "ProgressDeadlineExceeded",
		Message: `ReplicaSet "web-7d9c" has timed out progressing.`}}
}

func withSidecar(image string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers,
			corev1.Container{Name: "envoy", Image: image})
	}
}

func withInit(image string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		d.Spec.Template.Spec.InitContainers = []corev1.Container{{Name: "migrate",
			Image: image}}
	}
}

// step is one object delivered to the handler, and the changes it must give. A change's
// rollout number says which changes must share an identity: the same number, the same
// fingerprint; different numbers, different fingerprints.
type step struct {
	obj  runtime.Object
	live bool
	want []change
}

type change struct {
	rollout                             int
	what, typ, state, version, previous string
}

func TestRollouts(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"image change is a deploy from the old image to the new", []step{
			{obj: dep(1, 1, "web:1", 3, 3)},
			{dep(2, 1, "web:2", 3, 3), true, []change{
				{1, "rollout started", "deploy", "in_progress", "web:2", "web:1"}}},
			{dep(2, 2, "web:2", 1, 3), true, nil},
			{dep(2, 2, "web:2", 2, 3), true, nil},
			{dep(2, 2, "web:2", 3, 3), true, []change{
				{1, "rollout success", "deploy", "success", "web:2", "web:1"}}},
			// A pod dying after the rollout is no rollout state.
			{dep(2, 2, "web:2", 3, 2), true, nil},
		}},
		{"spec-only change is a config change", []step{
			{obj: dep(1, 1, "web:1", 3, 3)},
			{dep(2, 1, "web:1", 3, 3, withEnv("fast")), true, []change{
				{1, "rollout started", "config", "in_progress", "web:1", "web:1"}}},
			{dep(2, 2, "web:1", 3, 3, withEnv("fast")), true, []change{
				{1, "rollout success", "config", "success", "web:1", "web:1"}}},
		}},
		{"progress deadline exceeded is a failure, and a late success is told", []step{
			{obj: dep(1, 1, "web:1", 3, 3)},
			{dep(2, 1, "web:2", 3, 3), true, []change{
				{1, "rollout started", "deploy", "in_progress", "web:2", "web:1"}}},
			{dep(2, 2, "web:2", 1, 2, deadlineExceeded), true, []change{
				{1, "rollout failure", "deploy", "failure", "web:2", "web:1"}}},
			{dep(2, 2, "web:2", 3, 3), true, []change{
				{1, "rollout success", "deploy", "success", "web:2", "web:1"}}},
		}},
		{"each rollout has its own identity", []step{
			{obj: dep(1, 1, "web:1", 3, 3)},
			{dep(2, 2, "web:2", 3, 3), true, []change{
				{1, "rollout started", "deploy", "success", "web:2", "web:1"}}},
			{dep(3, 3, "web:3", 3, 3), true, []change{
				{2, "rollout started", "deploy", "success", "web:3", "web:2"}}},
		}},
		{"a scale moves the generation but is no rollout", []step{
			{obj: dep(1, 1, "web:1", 3, 3)},
			{dep(2, 1, "web:1", 3, 3, withReplicas(5)), true, nil},
			{dep(2, 2, "web:1", 3, 3, withReplicas(5)), true, nil},
		}},
		{"a workload created while watching is a rollout", []step{
			{dep(1, 0, "web:1", 0, 0), true, []change{
				{1, "created", "deploy", "in_progress", "web:1", ""}}},
			{dep(1, 1, "web:1", 3, 3), true, []change{
				{1, "rollout success", "deploy", "success", "web:1", ""}}},
		}},
		{"recreated under the same name is another rollout", []step{
			{obj: dep(1, 1, "web:1", 3, 3)},
			{dep(1, 1, "web:1", 3, 3, withUID("uid-web-2")), true, []change{
				{2, "created", "deploy", "success", "web:1", ""}}},
		}},
		{"found mid-rollout at start: only its end is told", []step{
			{obj: dep(2, 2, "web:2", 1, 3)},
			{dep(2, 2, "web:2", 2, 3), true, nil},
			{dep(2, 2, "web:2", 3, 3), true, []change{
				{1, "rollout success", "deploy", "success", "web:2", ""}}},
		}},
		{"found with a dying pod at start: no rollout", []step{
			{obj: dep(1, 1, "web:1", 3, 2)},
			{dep(1, 1, "web:1", 3, 3), true, nil},
		}},
		{"several containers are listed by name", []step{
			{obj: dep(1, 1, "web:1", 3, 3, withSidecar("envoy:1.30"))},
			{dep(2, 2, "web:2", 3, 3, withSidecar("envoy:1.30")), true, []change{
				{1, "rollout started", "deploy", "success", "app=web:2,envoy=envoy:1.30",
					"app=web:1,envoy=envoy:1.30"}}},
		}},
		{"a new init container image is a deploy", []step{
			{obj: dep(1, 1, "web:1", 3, 3, withInit("migrate:1"))},
			{dep(2, 2, "web:1", 3, 3, withInit("migrate:2")), true, []change{
				{1, "rollout started", "deploy", "success", "web:1", "web:1"}}},
		}},
		{"redelivery of one resourceVersion is handled once", []step{
			{obj: dep(1, 1, "web:1", 3, 3)},
			{dep(2, 1, "web:2", 3, 3), true, []change{
				{1, "rollout started", "deploy", "in_progress", "web:2", "web:1"}}},
			// A relist after a dropped watch delivers the same version again.
			{dep(2, 1, "web:2", 3, 3), true, nil},
			// Same version, different content, cannot happen; were it to, it is ignored.
			{dep(2, 2, "web:2", 3, 3, withRV("2133")), true, nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := newTestWatcher(t, fake.NewClientset())
			fps := map[int]string{}
			for i, st := range tt.steps {
				w.onWorkload(st.obj, st.live)
				checkChanges(t, i, queued(w), st.want, "web-svc", fps)
			}
		})
	}
}

func checkChanges(t *testing.T, i int, got []signal.Signal, want []change, service string,
	fps map[int]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("step %d: got %d changes, want %d: %+v", i, len(got), len(want), got)
	}
	for j, w := range want {
		s := got[j]
		c := s.Change
		if c == nil || !strings.HasSuffix(s.Name, " "+w.what) || c.Type != w.typ ||
			c.State != w.state || c.Version != w.version || c.PreviousVersion != w.previous {
			t.Errorf("step %d: got %q %+v, want %+v", i, s.Name, c, w)
			continue
		}
		if s.Fingerprint == "" || s.NativeID == "" || s.Service != service {
			t.Errorf("step %d: identity %q, native id %q, service %q", i, s.Fingerprint,
				s.NativeID, s.Service)
		}
		for n, fp := range fps {
			if (n == w.rollout) != (fp == s.Fingerprint) {
				t.Errorf("step %d: rollout %d has fingerprint %s, rollout %d has %s",
					i, w.rollout, s.Fingerprint, n, fp)
			}
		}
		fps[w.rollout] = s.Fingerprint
	}
}

// sts is StatefulSet db in data, 3 replicas of one container.
func sts(gen, observed int64, image string, updated, ready int32, current, update string,
	partition *int32) *appsv1.StatefulSet {
	three := int32(3)
	st := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "data", UID: "uid-db",
			Generation: gen},
		Spec: appsv1.StatefulSetSpec{Replicas: &three, Template: corev1.PodTemplateSpec{
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "pg", Image: image}}},
		}},
		Status: appsv1.StatefulSetStatus{ObservedGeneration: observed, Replicas: 3,
			UpdatedReplicas: updated, ReadyReplicas: ready, CurrentRevision: current,
			UpdateRevision: update},
	}
	if partition != nil {
		st.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{
			Partition: partition}
	}
	st.ResourceVersion = strings.Join([]string{strconv.FormatInt(gen, 10),
		strconv.FormatInt(observed, 10), strconv.Itoa(int(updated)),
		strconv.Itoa(int(ready)), current, update}, ".")
	return st
}

// ds is DaemonSet agent in ops, scheduled on two nodes.
func ds(gen, observed int64, image string, updated, available int32,
	strategy appsv1.DaemonSetUpdateStrategyType) *appsv1.DaemonSet {
	d := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "ops", UID: "uid-agent",
			Generation: gen},
		Spec: appsv1.DaemonSetSpec{
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "agent", Image: image}}}},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: strategy},
		},
		Status: appsv1.DaemonSetStatus{ObservedGeneration: observed,
			DesiredNumberScheduled: 2, UpdatedNumberScheduled: updated,
			NumberAvailable: available},
	}
	d.ResourceVersion = strconv.FormatInt(gen*1000+observed*100+int64(updated*10+
		available), 10)
	return d
}

func TestStatefulSetAndDaemonSetRollouts(t *testing.T) {
	one := int32(1)
	rolling := appsv1.RollingUpdateDaemonSetStrategyType
	tests := []struct {
		name, service string
		steps         []step
	}{
		{"statefulset rolling update", "db", []step{
			{obj: sts(3, 3, "pg:16", 3, 3, "db-a", "db-a", nil)},
			{sts(4, 3, "pg:17", 3, 3, "db-a", "db-a", nil), true, []change{
				{1, "rollout started", "deploy", "in_progress", "pg:17", "pg:16"}}},
			{sts(4, 4, "pg:17", 1, 3, "db-a", "db-b", nil), true, nil},
			{sts(4, 4, "pg:17", 3, 3, "db-b", "db-b", nil), true, []change{
				{1, "rollout success", "deploy", "success", "pg:17", "pg:16"}}},
		}},
		{"statefulset partitioned update stops at the partition", "db", []step{
			{obj: sts(3, 3, "pg:16", 3, 3, "db-a", "db-a", &one)},
			{sts(4, 3, "pg:17", 3, 3, "db-a", "db-a", &one), true, []change{
				{1, "rollout started", "deploy", "in_progress", "pg:17", "pg:16"}}},
			{sts(4, 4, "pg:17", 2, 3, "db-a", "db-b", &one), true, []change{
				{1, "rollout success", "deploy", "success", "pg:17", "pg:16"}}},
		}},
		{"daemonset rolling update", "agent", []step{
			{obj: ds(1, 1, "agent:1", 2, 2, rolling)},
			{ds(2, 1, "agent:2", 2, 2, rolling), true, []change{
				{1, "rollout started", "deploy", "in_progress", "agent:2", "agent:1"}}},
			{ds(2, 2, "agent:2", 1, 2, rolling), true, nil},
			{ds(2, 2, "agent:2", 2, 1, rolling), true, nil},
			{ds(2, 2, "agent:2", 2, 2, rolling), true, []change{
				{1, "rollout success", "deploy", "success", "agent:2", "agent:1"}}},
		}},
		{"daemonset on delete is done once seen", "agent", []step{
			{obj: ds(1, 1, "agent:1", 2, 2, appsv1.OnDeleteDaemonSetStrategyType)},
			{ds(2, 1, "agent:2", 2, 2, appsv1.OnDeleteDaemonSetStrategyType), true,
				[]change{{1, "rollout started", "deploy", "in_progress", "agent:2",
					"agent:1"}}},
			{ds(2, 2, "agent:2", 0, 2, appsv1.OnDeleteDaemonSetStrategyType), true,
				[]change{{1, "rollout success", "deploy", "success", "agent:2",
					"agent:1"}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := newTestWatcher(t, fake.NewClientset())
			fps := map[int]string{}
			for i, st := range tt.steps {
				w.onWorkload(st.obj, st.live)
				checkChanges(t, i, queued(w), st.want, tt.service, fps)
			}
		})
	}
}

// TestBadObjectsAreSkipped feeds the handlers what a broken cache or a hand-made object
// could hold: nothing may panic, and nothing without a uid becomes a signal.
func TestBadObjectsAreSkipped(t *testing.T) {
	w, _ := newTestWatcher(t, fake.NewClientset())
	noUID := dep(1, 1, "web:1", 3, 3)
	noUID.UID = ""
	noName := dep(1, 1, "web:1", 3, 3)
	noName.Name = ""
	bare := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{UID: "u", Name: "n"}}
	bad := []any{nil, (*appsv1.Deployment)(nil), (*appsv1.StatefulSet)(nil),
		(*appsv1.DaemonSet)(nil), (*corev1.Event)(nil), &corev1.Pod{}, "text",
		noUID, noName, &corev1.Event{}}
	for _, obj := range bad {
		w.onWorkload(obj, true)
		w.onEvent(obj)
		w.forget(obj)
		w.forget(cacheTombstone(obj))
	}
	w.onWorkload(bare, true) // no status, no containers, nil replicas: a valid workload
	if _, err := stripManagedFields((*appsv1.Deployment)(nil)); err != nil {
		t.Errorf("stripManagedFields(nil): %v", err)
	}
	got := queued(w)
	if len(got) != 1 || got[0].Change.Version != "" || got[0].Fingerprint == "" {
		t.Fatalf("got %+v, want one change for the bare deployment", got)
	}
}

func cacheTombstone(obj any) cache.DeletedFinalStateUnknown {
	return cache.DeletedFinalStateUnknown{Key: "shop/web", Obj: obj}
}
