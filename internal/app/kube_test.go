package app

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	"github.com/cerebro-aiops/cerebro/internal/config"
	"github.com/cerebro-aiops/cerebro/internal/store"
)

// useKubeClient makes the app build its Kubernetes client with f for one test.
func useKubeClient(t *testing.T, f func(string, string) (kubernetes.Interface, error)) {
	orig := kubeClient
	kubeClient = f
	t.Cleanup(func() { kubeClient = orig })
}

func kubeApp(t *testing.T, kc config.Kube) (*App, error) {
	cfg := config.Default()
	cfg.Listen, cfg.DataDir, cfg.Kube = "127.0.0.1:0", t.TempDir(), kc
	a, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err == nil {
		t.Cleanup(func() { a.st.Close() })
	}
	return a, err
}

func TestKubeOffUnlessEnabled(t *testing.T) {
	useKubeClient(t, func(string, string) (kubernetes.Interface, error) {
		t.Error("a Kubernetes client was built with the watcher off")
		return fake.NewClientset(), nil
	})
	a, err := kubeApp(t, config.Kube{Kubeconfig: "/nowhere", Namespaces: []string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.runners) != 0 {
		t.Errorf("%d runners with no pull and no kube", len(a.runners))
	}
}

func TestKubeBadKubeconfigFailsStart(t *testing.T) {
	_, err := kubeApp(t, config.Kube{Enabled: true, Kubeconfig: "/nowhere/kubeconfig"})
	if err == nil || !strings.Contains(err.Error(), `loading kubeconfig "/nowhere/kubeconfig"`) {
		t.Fatalf("got %v, want an error naming the kubeconfig", err)
	}
}

// TestKubeRolloutReachesStore runs the whole app with the watcher on a fake clientset: a
// rollout made once the watch is up is stored as a change from source kubernetes.
func TestKubeRolloutReachesStore(t *testing.T) {
	three := int32(3)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", UID: "u1",
			Generation: 1, ResourceVersion: "1"},
		Spec: appsv1.DeploymentSpec{Replicas: &three, Template: corev1.PodTemplateSpec{
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Image: "web:1"}}},
		}},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 3,
			UpdatedReplicas: 3, AvailableReplicas: 3},
	}
	client := fake.NewClientset(d)
	watching := make(chan struct{}, 4)
	client.PrependWatchReactor("deployments", func(ac clienttesting.Action) (bool,
		watch.Interface, error) {
		wi, err := client.Tracker().Watch(ac.GetResource(), ac.GetNamespace())
		watching <- struct{}{}
		return true, wi, err
	})
	useKubeClient(t, func(string, string) (kubernetes.Interface, error) {
		return client, nil
	})
	a, err := kubeApp(t, config.Kube{Enabled: true, Namespaces: []string{"shop"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	select {
	case <-watching:
	case <-time.After(30 * time.Second):
		t.Fatal("the watcher did not watch deployments")
	}

	d = d.DeepCopy()
	d.Generation, d.ResourceVersion = 2, "2"
	d.Spec.Template.Spec.Containers[0].Image = "web:2"
	if _, err := client.AppsV1().Deployments("shop").Update(ctx, d,
		metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		sigs, err := a.st.Signals(ctx, store.SignalFilter{Source: "kubernetes"})
		if err != nil {
			t.Fatal(err)
		}
		if len(sigs) > 0 {
			c := sigs[0].Change
			if c == nil || c.Version != "web:2" || c.PreviousVersion != "web:1" {
				t.Fatalf("stored %+v", sigs[0])
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no kubernetes change was stored within 30s")
}
