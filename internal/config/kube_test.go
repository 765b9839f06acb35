package config

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

const kubeGood = `kube:
  enabled: true
  kubeconfig: /etc/cerebro/kubeconfig
  context: prod
  namespaces: [shop, data-1]
`

func TestKubeGood(t *testing.T) {
	cfg, err := Parse("kube.yaml", []byte(kubeGood))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := Kube{Enabled: true, Kubeconfig: "/etc/cerebro/kubeconfig", Context: "prod",
		Namespaces: []string{"shop", "data-1"}}
	if !reflect.DeepEqual(cfg.Kube, want) {
		t.Errorf("decoded %+v, want %+v", cfg.Kube, want)
	}
	// Every key of the section is in the good example, so config check knows them all.
	for key := range yamlFields(reflect.TypeOf(Kube{})) {
		if !strings.Contains(kubeGood, "\n  "+key+":") {
			t.Errorf("key kube.%s is not in the good example", key)
		}
	}
}

func TestKubeOffByDefault(t *testing.T) {
	cfg, err := Parse("empty.yaml", []byte("listen: 127.0.0.1:8080\n"))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if cfg.Kube.Enabled {
		t.Error("the Kubernetes watcher is on without being asked for")
	}
}

func TestKubeBad(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", "kube:\n  enabled: true\n  namespace: [shop]\n", []string{
			`k.yaml:3: kube.namespace: unknown key; did you mean "namespaces"?`}},
		{"wrong type", "kube:\n  enabled: sometimes\n", []string{
			`k.yaml:2: kube.enabled: want a boolean`}},
		{"bad and repeated namespaces", "kube:\n  namespaces:\n    - Shop\n    - data\n" +
			"    - data\n    - \"\"\n", []string{
			`k.yaml:3: kube.namespaces[0]: "Shop" is not a namespace name`,
			`k.yaml:5: kube.namespaces[2]: namespace "data" listed twice`,
			`k.yaml:6: kube.namespaces[3]: "" is not a namespace name`}},
		{"context without kubeconfig", "kube:\n  enabled: true\n  context: prod\n",
			[]string{`k.yaml:3: kube.context: needs kube.kubeconfig`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("k.yaml", []byte(tt.yaml))
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("want Problems, got %v", err)
			}
			lines := strings.Split(err.Error(), "\n")
			for _, w := range tt.want {
				if !slices.ContainsFunc(lines, func(l string) bool {
					return strings.HasPrefix(l, w)
				}) {
					t.Errorf("missing problem %q in:\n%s", w, err)
				}
			}
			if len(ps) != len(tt.want) {
				t.Errorf("want %d problems, got %d:\n%s", len(tt.want), len(ps), err)
			}
		})
	}
}
