package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestLoadGood(t *testing.T) {
	cfg, err := Load("testdata/good.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Listen != "127.0.0.1:9090" || cfg.Correlate.Window.Std() != 5*time.Minute {
		t.Errorf("decoded %+v", cfg)
	}
	if cfg.Retention.Incidents.Std() != 90*24*time.Hour {
		t.Errorf("default incident retention lost: %v", cfg.Retention.Incidents.Std())
	}
	if cfg.Sources["alertmanager"].Token != "s3cret" || len(cfg.Services) != 2 {
		t.Errorf("sources or services not decoded: %+v", cfg)
	}
}

func TestLoadBadReportsEveryProblem(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"testdata/bad.yaml", []string{
			// Semantic problems are reported beside the type errors, not after them.
			`testdata/bad.yaml:1: api_token: required when listen is not a loopback address`,
			`testdata/bad.yaml:3: retension: unknown key; did you mean "retention"?`,
			`testdata/bad.yaml:6: correlate.window: parsing duration "5 minutes": ` +
				`want a number with a unit, like 90s or 10m`,
			`testdata/bad.yaml:7: correlate.hops: want a whole number`,
			`testdata/bad.yaml:11: services[1].nme: unknown key; did you mean "name"?`,
			`testdata/bad.yaml:13: sources.nagios: unknown source; known: alertmanager,`,
		}},
		{"testdata/bad2.yaml", []string{
			`testdata/bad2.yaml:1: api_token: required when listen is not a loopback address`,
			`testdata/bad2.yaml:4: services[0].depends_on[0]: service "checkout" is not listed`,
			`testdata/bad2.yaml:5: services[1].name: service "frontend" listed twice`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := Load(tt.file)
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("want Problems, got %v", err)
			}
			got := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing problem %q in:\n%s", w, got)
				}
			}
			if len(ps) != len(tt.want) {
				t.Errorf("want %d problems, got %d:\n%s", len(tt.want), len(ps), got)
			}
		})
	}
}

func TestLoadUnknownSource(t *testing.T) {
	_, err := Parse("x.yaml", []byte("sources:\n  nagios:\n    token: x\n"))
	if err == nil || !strings.Contains(err.Error(), "x.yaml:2: sources.nagios: unknown source") {
		t.Fatalf("got %v", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/nope.yaml")
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("want not-exist error, got %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, n := range []string{"testdata/good.yaml", "testdata/bad.yaml", "testdata/bad2.yaml"} {
		b, _ := os.ReadFile(n)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Parse("fuzz.yaml", data)
	})
}
