package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestParseProblems pins the exact problems the loader reports for small files, one
// defect per case, so that a check which stops firing fails here.
func TestParseProblems(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"blank api_token", "listen: 0.0.0.0:8080\napi_token: '   '\n", []string{
			"c.yaml:2: api_token: must not be blank",
		}},
		{"padded api_token", "api_token: ' s3cret'\n", []string{
			"c.yaml:1: api_token: must not start or end with whitespace: " +
				"HTTP strips it from header values",
		}},
		{"blank source token and secret", "sources:\n  alertmanager:\n    token: ' '\n" +
			"  github:\n    secret: \"\\t\"\n", []string{
			"c.yaml:3: sources.alertmanager.token: must not be blank",
			"c.yaml:5: sources.github.secret: must not be blank",
		}},
		{"empty file is no config", "", nil},
		{"comments only is no config", "# nothing yet\n", nil},
		{"trailing empty document", "listen: 127.0.0.1:8080\n---\n", nil},
		{"second document", "listen: 127.0.0.1:8080\n---\nlisten: 0.0.0.0:1\n", []string{
			"c.yaml:2: (file): a second YAML document; a config file holds one",
		}},
		{"duplicate key names the first line", "data_dir: a\nlisten: 127.0.0.1:1\n" +
			"listen: 127.0.0.1:2\n", []string{
			`c.yaml:3: (file): invalid YAML: mapping key "listen" already defined at line 2`,
		}},
		{"semantics beside a type error", "detect: 3\ncorrelate:\n  window: 0s\n" +
			"  hops: -3\n", []string{
			"c.yaml:1: detect: want a mapping of keys",
			"c.yaml:3: correlate.window: must be positive",
			"c.yaml:4: correlate.hops: must not be negative",
		}},
		{"semantics beside a type error in the same section", "correlate:\n" +
			"  window: 0s\n  hops: many\n", []string{
			"c.yaml:2: correlate.window: must be positive",
			"c.yaml:3: correlate.hops: want a whole number: " +
				"cannot unmarshal string into Go value of type int",
		}},
		{"a bad list item is not checked further", "services:\n  - nme: a\n" +
			"snapshot_every: 0s\n", []string{
			`c.yaml:2: services[0].nme: unknown key; did you mean "name"?`,
			"c.yaml:3: snapshot_every: must be positive",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tt.yaml))
			if got := problemLines(t, err); !slices.Equal(got, tt.want) {
				t.Errorf("got problems\n%s\nwant\n%s", strings.Join(got, "\n"),
					strings.Join(tt.want, "\n"))
			}
		})
	}
}

// problemLines renders err, which must be nil or Problems, one problem a line.
func problemLines(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("want Problems, got %T: %v", err, err)
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}
