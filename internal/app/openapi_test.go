package app

import (
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/cerebro-aiops/cerebro/internal/ingest"
)

// TestOpenAPIMatchesRoutes keeps api/openapi.yaml true: every route the app serves is
// documented with its method, every documented path is served, and the source enum is
// exactly the list of ingest sources.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	raw, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string `yaml:"name"`
				Schema struct {
					Enum []string `yaml:"enum"`
				} `yaml:"schema"`
			} `yaml:"parameters"`
		} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}

	s := start(t, t.TempDir())
	defer s.stop(t)
	served := map[string]string{
		"/healthz": "get", "/readyz": "get", "/metrics": "get",
		"/api/v1/incidents": "get", "/api/v1/incidents/{id}": "get", "/api/v1/signals": "get",
		"/api/v1/signals/{id}": "get",
	}
	var sources []string
	for _, r := range s.app.routes {
		name, ok := strings.CutPrefix(r.Path, "/api/v1/ingest/")
		if ok && name != "remote-write" {
			sources = append(sources, name)
			continue
		}
		served[r.Path] = strings.ToLower(r.Method)
	}

	for path, method := range served {
		if _, ok := doc.Paths[path][method]; !ok {
			t.Errorf("route %s %s is not in api/openapi.yaml", strings.ToUpper(method), path)
		}
	}
	for path := range doc.Paths {
		if _, ok := served[path]; !ok && path != "/api/v1/ingest/{source}" {
			t.Errorf("api/openapi.yaml documents %s, which is not served", path)
		}
	}
	enum := doc.Paths["/api/v1/ingest/{source}"][strings.ToLower(http.MethodPost)].
		Parameters[0].Schema.Enum
	var want []string
	for _, src := range ingest.Sources() {
		want = append(want, src.Name)
	}
	sort.Strings(enum)
	sort.Strings(want)
	sort.Strings(sources)
	if !slices.Equal(enum, want) || !slices.Equal(sources, want) {
		t.Errorf("source enum %v, served %v, ingest.Sources %v", enum, sources, want)
	}
}
