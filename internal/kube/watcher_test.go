package kube

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	"github.com/cerebro-aiops/cerebro/internal/signal"
	"github.com/cerebro-aiops/cerebro/internal/store"
)

var testNow = time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)

// chanSink passes every stored signal to a channel.
type chanSink chan signal.Signal

func (c chanSink) Accept(_ context.Context, sigs []signal.Signal) error {
	for _, s := range sigs {
		c <- s
	}
	return nil
}

func newTestWatcher(t *testing.T, client *fake.Clientset) (*Watcher, chanSink) {
	t.Helper()
	sink := make(chanSink, 64)
	w := New(client, sink, slog.New(slog.NewTextHandler(io.Discard, nil)),
		prometheus.NewRegistry())
	w.Now = func() time.Time { return testNow }
	return w, sink
}

// next waits for the next signal; the deadline only guards against a hang.
func next(t *testing.T, sink chanSink) signal.Signal {
	t.Helper()
	select {
	case s := <-sink:
		return s
	case <-time.After(30 * time.Second):
		t.Fatal("no signal arrived")
		return signal.Signal{}
	}
}

// queued drains what the handlers queued without Run, for tests that call handlers.
func queued(w *Watcher) []signal.Signal {
	var out []signal.Signal
	for {
		select {
		case sigs := <-w.queue:
			out = append(out, sigs...)
		default:
			return out
		}
	}
}

// run starts w and returns a function that stops it and checks Run's result.
func run(t *testing.T, w *Watcher) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	select {
	case <-w.Synced():
	case <-time.After(30 * time.Second):
		t.Fatal("caches did not sync")
	}
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}

func update(t *testing.T, client *fake.Clientset, d *appsv1.Deployment) {
	t.Helper()
	_, err := client.AppsV1().Deployments(d.Namespace).Update(context.Background(), d,
		metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

func create(t *testing.T, client *fake.Clientset, obj runtime.Object) {
	t.Helper()
	if err := client.Tracker().Add(obj); err != nil {
		t.Fatal(err)
	}
}

// TestRunAgainstFakeClientset runs the informers over a fake clientset: a Warning event
// and a rollout made after the initial list arrive at the sink; the state found at start
// gives no change; and a relist after an expired watch repeats nothing.
func TestRunAgainstFakeClientset(t *testing.T) {
	client := fake.NewClientset(dep(1, 1, "web:1", 3, 3))
	// The first deployments watch is one the test controls, to expire it.
	first := watch.NewFake()
	rewatched := make(chan struct{}, 4)
	watches := 0
	client.PrependWatchReactor("deployments", func(a clienttesting.Action) (bool,
		watch.Interface, error) {
		watches++
		if watches == 1 {
			return true, first, nil
		}
		rewatched <- struct{}{}
		wi, err := client.Tracker().Watch(a.GetResource(), a.GetNamespace())
		return true, wi, err
	})
	w, sink := newTestWatcher(t, client)
	w.Namespaces = []string{"shop"}
	stop := run(t, w)
	defer stop()

	ev := warningEvent(t)
	ev.Namespace, ev.InvolvedObject.Namespace = "shop", "shop"
	create(t, client, ev)
	if s := next(t, sink); s.Kind != signal.KindAlert || s.Source != Source {
		t.Fatalf("first signal %+v", s)
	}

	first.Error(&metav1.Status{Status: metav1.StatusFailure, Code: 410,
		Reason: metav1.StatusReasonExpired, Message: "too old resource version"})
	select {
	case <-rewatched:
	case <-time.After(30 * time.Second):
		t.Fatal("the informer did not watch again after the expired watch")
	}

	update(t, client, dep(2, 1, "web:2", 3, 3))
	s := next(t, sink)
	if s.Kind != signal.KindChange || s.Change.Version != "web:2" ||
		s.Change.PreviousVersion != "web:1" {
		t.Fatalf("rollout signal %+v %+v", s, s.Change)
	}
	if n := testutil.ToFloat64(w.m.duplicates); n < 1 {
		t.Errorf("the relist was not counted as a duplicate (%v)", n)
	}
}

// TestRestartRepeatsNoHistory stops a watcher and starts another on the same cluster:
// the rollout seen by the first is not told again, and the Warning event, listed again,
// comes out as the same observation, which the store keeps once.
func TestRestartRepeatsNoHistory(t *testing.T) {
	ev := warningEvent(t)
	ev.Namespace, ev.InvolvedObject.Namespace = "shop", "shop"
	client := fake.NewClientset(dep(1, 1, "web:1", 3, 3), ev)

	w1, sink1 := newTestWatcher(t, client)
	stop := run(t, w1)
	alert := next(t, sink1)
	update(t, client, dep(2, 2, "web:2", 3, 3))
	if s := next(t, sink1); s.Kind != signal.KindChange || s.Change.Version != "web:2" {
		t.Fatalf("rollout signal %+v", s)
	}
	stop()

	w2, sink2 := newTestWatcher(t, client)
	stop = run(t, w2)
	defer stop()
	update(t, client, dep(3, 3, "web:3", 3, 3))
	var before []signal.Signal
	for s := next(t, sink2); s.Kind != signal.KindChange; s = next(t, sink2) {
		before = append(before, s)
	}
	if len(before) != 1 || store.DedupKey(&before[0]) != store.DedupKey(&alert) {
		t.Errorf("after restart got %+v before the new rollout, want the same alert", before)
	}
	if n := len(sink2); n != 0 {
		t.Errorf("%d more signals after the new rollout", n)
	}
}

// TestForbiddenIsCountedAndRetried is a missing RBAC grant: every list and watch is
// refused. The watcher counts and logs the failures, keeps running, and stops cleanly.
func TestForbiddenIsCountedAndRetried(t *testing.T) {
	client := fake.NewClientset()
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "deployments"}, "",
		errors.New(`cannot list resource "deployments"`))
	client.PrependReactor("list", "*", func(clienttesting.Action) (bool, runtime.Object,
		error) {
		return true, nil, forbidden
	})
	client.PrependWatchReactor("*", func(clienttesting.Action) (bool, watch.Interface,
		error) {
		return true, nil, forbidden
	})
	w, _ := newTestWatcher(t, client)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	deadline := time.Now().Add(30 * time.Second)
	for testutil.ToFloat64(w.m.watchErrors) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if testutil.ToFloat64(w.m.watchErrors) == 0 {
		t.Error("no list or watch failure was counted")
	}
	select {
	case <-w.Synced():
		t.Error("caches synced though every list was refused")
	default:
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}
