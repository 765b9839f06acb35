package kube

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// warningEvent is the kubectl sample in testdata.
func warningEvent(t *testing.T) *corev1.Event {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "kubernetes_event.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev corev1.Event
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return &ev
}

func TestWarningEventSignal(t *testing.T) {
	w, _ := newTestWatcher(t, fake.NewClientset())
	w.onEvent(warningEvent(t))
	normal := warningEvent(t)
	normal.UID, normal.Type = "other", corev1.EventTypeNormal
	w.onEvent(normal)

	got := queued(w)
	if len(got) != 1 {
		t.Fatalf("got %d signals, want only the warning", len(got))
	}
	s := got[0]
	first := time.Date(2026, 4, 17, 11, 54, 48, 0, time.UTC)
	last := time.Date(2026, 4, 17, 12, 0, 17, 0, time.UTC)
	if s.Kind != signal.KindAlert || s.NativeID != "94590512-544e-4c60-bef4-d0b5539cf371" ||
		s.Name != "BackOff" || s.Status != signal.StatusFiring ||
		s.Severity != signal.SeverityWarning || s.Service != "example-deploy" ||
		!s.StartsAt.Equal(first) || !s.EventTime.Equal(last) ||
		s.Labels["node"] != "node-1" || s.Labels["count"] != "10" ||
		s.Labels["kind"] != "Pod" || s.Labels["namespace"] != "example-ns" {
		t.Errorf("signal %+v", s)
	}
}

func TestEventDedupByUIDAndResourceVersion(t *testing.T) {
	w, _ := newTestWatcher(t, fake.NewClientset())
	ev := warningEvent(t)
	w.onEvent(ev)
	w.onEvent(ev.DeepCopy()) // resync or relist: same uid and resourceVersion
	repeat := ev.DeepCopy()
	repeat.ResourceVersion, repeat.Count = "806200", 11
	repeat.LastTimestamp = metav1.NewTime(repeat.LastTimestamp.Add(time.Minute))
	w.onEvent(repeat)

	got := queued(w)
	if len(got) != 2 {
		t.Fatalf("got %d signals, want 2 (one per resourceVersion)", len(got))
	}
	if got[0].Fingerprint != got[1].Fingerprint {
		t.Error("a repeat of one event changed identity")
	}
	if !got[1].EventTime.After(got[0].EventTime) || got[1].Labels["count"] != "11" {
		t.Errorf("repeat: %+v", got[1])
	}
	if n := testutil.ToFloat64(w.m.duplicates); n != 1 {
		t.Errorf("duplicates counter %v, want 1", n)
	}
}

// TestEventIdentity checks that identity comes from the involved object and reason only,
// never from an empty field, and falls back to the event uid when those are missing.
func TestEventIdentity(t *testing.T) {
	base := warningEvent(t)
	fp := eventIdentity(base)
	mod := func(f func(*corev1.Event)) string {
		ev := base.DeepCopy()
		f(ev)
		return eventIdentity(ev)
	}
	same := map[string]string{
		"new uid (a new event object)": mod(func(e *corev1.Event) { e.UID = "x" }),
		"new count and message": mod(func(e *corev1.Event) {
			e.Count, e.Message = 99, "other text"
		}),
		"new event name": mod(func(e *corev1.Event) { e.Name = "x.1" }),
	}
	for what, got := range same {
		if got != fp {
			t.Errorf("%s changed identity", what)
		}
	}
	differ := map[string]string{
		"other reason": mod(func(e *corev1.Event) { e.Reason = "Unhealthy" }),
		"other object": mod(func(e *corev1.Event) { e.InvolvedObject.Name = "x" }),
		// Swapping an empty namespace and a name must not read alike.
		"name moved to namespace": mod(func(e *corev1.Event) {
			e.InvolvedObject.Namespace = e.InvolvedObject.Name
			e.InvolvedObject.Name = ""
		}),
	}
	for what, got := range differ {
		if got == fp || got == "" {
			t.Errorf("%s kept identity %q", what, got)
		}
	}

	noReason := base.DeepCopy()
	noReason.Reason = ""
	other := noReason.DeepCopy()
	other.UID = "other"
	if a, b := eventIdentity(noReason), eventIdentity(other); a == "" || a == b {
		t.Errorf("events without reason share identity %q", a)
	}
}

func TestWorkloadName(t *testing.T) {
	cases := []struct{ kind, name, want string }{
		{"Pod", "example-deploy-66bddd5dc8-9ggwb", "example-deploy"},
		{"Pod", "db-0", "db-0"},
		{"ReplicaSet", "web-66bddd5dc8", "web"},
		{"Node", "node-1", "node-1"},
	}
	for _, c := range cases {
		if got := workloadName(c.kind, c.name); got != c.want {
			t.Errorf("workloadName(%s, %s) = %q, want %q", c.kind, c.name, got, c.want)
		}
	}
}
