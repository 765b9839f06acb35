package app

import (
	"fmt"

	"k8s.io/client-go/kubernetes"

	"github.com/cerebro-aiops/cerebro/internal/kube"
)

// kubeClient builds the Kubernetes client; tests swap in a fake clientset.
var kubeClient = func(kubeconfig, context string) (kubernetes.Interface, error) {
	return kube.Client(kubeconfig, context)
}

// addKube adds the Kubernetes watcher to the runners when the kube section enables it. It
// stores through the same signal sink as the ingest routes, so rollouts and Warning
// events reach correlate like any other change or alert. A bad kubeconfig, or no
// in-cluster account, fails the start rather than leaving the watcher silently off.
func (a *App) addKube() error {
	kc := a.cfg.Kube
	if !kc.Enabled {
		return nil
	}
	client, err := kubeClient(kc.Kubeconfig, kc.Context)
	if err != nil {
		return fmt.Errorf("starting the kubernetes watcher: %w", err)
	}
	w := kube.New(client, a.signals, a.log, a.reg)
	w.Namespaces = kc.Namespaces
	a.runners = append(a.runners, w.Run)
	return nil
}
