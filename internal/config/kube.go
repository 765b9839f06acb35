package config

import (
	"fmt"
	"regexp"
)

// Kube is the kube section: the Kubernetes watcher that turns rollouts into change
// signals and Warning events into alerts. It is off unless enabled.
type Kube struct {
	// Enabled starts the watcher.
	Enabled bool `yaml:"enabled"`
	// Kubeconfig is the path of a kubeconfig file; empty means the in-cluster service
	// account.
	Kubeconfig string `yaml:"kubeconfig"`
	// Context picks a context of the kubeconfig; empty means its current context.
	Context string `yaml:"context"`
	// Namespaces limits the watch; empty means every namespace, which needs a
	// cluster-wide grant.
	Namespaces []string `yaml:"namespaces"`
}

// namespaceRE is a Kubernetes namespace name: an RFC 1123 label.
var namespaceRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// check reports the kube section's problems; it runs whether or not the watcher is
// enabled, so a section turned on later is already known good.
func (k Kube) check(bad func(path, reason string)) {
	if k.Context != "" && k.Kubeconfig == "" {
		bad("kube.context", "needs kube.kubeconfig: the in-cluster config has no contexts")
	}
	seen := map[string]bool{}
	for i, ns := range k.Namespaces {
		p := fmt.Sprintf("kube.namespaces[%d]", i)
		switch {
		case len(ns) > 63 || !namespaceRE.MatchString(ns):
			bad(p, fmt.Sprintf("%q is not a namespace name: lower-case letters, digits "+
				"and '-', at most 63", ns))
		case seen[ns]:
			bad(p, fmt.Sprintf("namespace %q listed twice", ns))
		}
		seen[ns] = true
	}
}
