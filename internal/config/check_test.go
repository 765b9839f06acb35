package config

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/ingest"
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
		{"a misspelt key is not also reported missing", "services:\n  - nme: a\n" +
			"snapshot_every: 0s\n", []string{
			`c.yaml:2: services[0].nme: unknown key; did you mean "name"?`,
			"c.yaml:3: snapshot_every: must be positive",
		}},
		{"retention", "retention:\n  signals: -1h\n  incidents: 0s\n", []string{
			"c.yaml:2: retention.signals: must be positive",
			"c.yaml:3: retention.incidents: must be positive",
		}},
		{"listen port out of range", "listen: 127.0.0.1:99999\n", []string{
			`c.yaml:1: listen: port "99999": want a number from 0 to 65535`,
		}},
		{"listen named port", "listen: 127.0.0.1:http\n", nil},
		{"time zone", "sources:\n  zabbix:\n    time_zone: Mars/Olympus\n", []string{
			`c.yaml:3: sources.zabbix.time_zone: unknown time zone "Mars/Olympus"; ` +
				"want an IANA name like Europe/Berlin",
		}},
		{"good time zone", "sources:\n  zabbix: {time_zone: Europe/Berlin}\n", nil},
		{"pull url", "pull:\n  - url: not a url\n    selectors: [up]\n" +
			"  - url: ftp://p:9090\n    selectors: [up]\n", []string{
			`c.yaml:2: pull[0].url: "not a url": want an http or https URL, ` +
				"like http://127.0.0.1:9090",
			`c.yaml:4: pull[1].url: "ftp://p:9090": want an http or https URL, ` +
				"like http://127.0.0.1:9090",
		}},
		{"pull durations", "pull:\n  - url: http://p:9090\n    selectors: [up]\n" +
			"    interval: 0s\n    max_catch_up: -5s\n    timeout: -1s\n" +
			"  - {url: 'http://q:9090', selectors: [up], max_catch_up: 0s, timeout: 0s}\n",
			[]string{
				"c.yaml:4: pull[0].interval: must be positive; leave it out for the default",
				"c.yaml:5: pull[0].max_catch_up: -5s is negative",
				"c.yaml:6: pull[0].timeout: -1s is negative",
				"c.yaml:7: pull[1].max_catch_up: must be positive; " +
					"leave it out for the default",
				"c.yaml:7: pull[1].timeout: must be positive; leave it out for the default",
			}},
		{"pull interval too short", "pull:\n  - url: http://p:9090\n    selectors: [up]\n" +
			"    interval: 1ns\n  - {url: 'http://q:9090', selectors: [up], interval: 1s}\n",
			[]string{"c.yaml:4: pull[0].interval: 1ns is below the minimum 1s"}},
		{"pull max_response_bytes", "pull:\n  - url: http://p:9090\n    selectors: [up]\n" +
			"    max_response_bytes: 0\n" +
			"  - {url: 'http://q:9090', selectors: [up], max_response_bytes: -5}\n", []string{
			"c.yaml:4: pull[0].max_response_bytes: must be positive; " +
				"leave it out for the default",
			"c.yaml:5: pull[1].max_response_bytes: -5 is negative",
		}},
		{"pull selector not PromQL", "pull:\n  - url: http://p:9090\n" +
			"    selectors: [up, 'up{']\n", []string{
			`c.yaml:3: pull[0].selectors[1]: "up{": not PromQL: 1:4: parse error: ` +
				"unexpected end of input inside braces",
		}},
		{"pull bearer_token", "pull:\n  - url: http://p:9090\n    selectors: [up]\n" +
			"    bearer_token: ' '\n  - url: http://q:9090\n    selectors: [up]\n" +
			"    bearer_token: 'tok '\n", []string{
			"c.yaml:4: pull[0].bearer_token: must not be blank",
			"c.yaml:7: pull[1].bearer_token: must not start or end with whitespace: " +
				"HTTP strips it from header values",
		}},
		{"a typo in one list item hides no other item's problems", "detect: {overrides: " +
			"[{selector: 'up{', sensitivity: 0.7}, {selector: '{job=~\"(\"}', " +
			"sensitivty: 0.3}]}\n", []string{
			`c.yaml:1: detect.overrides[1].sensitivty: unknown key; ` +
				`did you mean "sensitivity"?`,
			`c.yaml:1: detect.overrides[0].selector: parsing selector "up{": ` +
				"1:4: parse error: unexpected end of input inside braces",
			`c.yaml:1: detect.overrides[1].selector: parsing selector "{job=~\"(\"}": ` +
				"1:2: parse error: error parsing regexp: missing closing ): `(`",
		}},
		{"a limit that is no number, a stale_after of a second", "detect:\n" +
			"  stale_after: 1s\n  capacities: [{selector: q, limit: .nan}]\n", []string{
			"c.yaml:2: detect.stale_after: 1s is under 1m0s",
			"c.yaml:3: detect.capacities[0].limit: NaN is not a finite number",
		}},
		{"NaN sensitivities, a trend window of a nanosecond", "detect:\n" +
			"  sensitivity: .nan\n  trend_window: 1ns\n" +
			"  overrides: [{selector: q, sensitivity: .nan}]\n", []string{
			"c.yaml:2: detect.sensitivity: NaN is not in (0, 1)",
			"c.yaml:3: detect.trend_window: 1ns is under 1m0s",
			"c.yaml:4: detect.overrides[0].sensitivity: NaN is not in (0, 1)",
		}},
		{"a selector PromQL refuses", "detect: {mute: ['not a selector(((']}\n", []string{
			`c.yaml:1: detect.mute[0]: parsing selector "not a selector(((": ` +
				"1:5: parse error: unexpected identifier \"a\"",
		}},
		{"a list item that is not a mapping hides no other item", "pull:\n  - 3\n" +
			"  - {url: 'http://q:9090', selectors: [up], interval: -1s}\n", []string{
			"c.yaml:2: pull[0]: want a mapping of keys",
			"c.yaml:3: pull[1].interval: -1s is negative",
		}},
		{"a dependency on a misspelt service is not called unlisted", "services:\n" +
			"  - nme: a\n  - {name: b, depends_on: [a]}\n", []string{
			`c.yaml:2: services[0].nme: unknown key; did you mean "name"?`,
		}},
		{"bare numbers for durations", "detect:\n  min_history: 5\n" +
			"  trend_window: 1.5\npull:\n  - url: http://p:9090\n    selectors: [up]\n" +
			"    interval: 15\n", []string{
			`c.yaml:2: detect.min_history: parsing duration "5": ` +
				"want a number with a unit, like 90s or 10m",
			`c.yaml:3: detect.trend_window: parsing duration "1.5": ` +
				"want a number with a unit, like 90s or 10m",
			`c.yaml:7: pull[0].interval: parsing duration "15": ` +
				"want a number with a unit, like 90s or 10m",
		}},
		{"detect sensitivity 0", "detect:\n  sensitivity: 0\n  overrides:\n" +
			"    - selector: up\n", []string{
			"c.yaml:2: detect.sensitivity: 0 is not in (0, 1); leave it out for the " +
				"default 0.5",
			"c.yaml:4: detect.overrides[0].sensitivity: required, a number in (0, 1)",
		}},
		{"self dependency", "services:\n  - name: a\n    depends_on: [a]\n", []string{
			`c.yaml:3: services[0].depends_on[0]: service "a" depends on itself`,
		}},
		{"dependency cycle", "services:\n  - {name: a, depends_on: [b]}\n" +
			"  - {name: b, depends_on: [c]}\n  - {name: c, depends_on: [a]}\n" +
			"  - {name: d, depends_on: [a]}\n", []string{
			"c.yaml:4: services[2].depends_on[0]: depends_on cycle: a -> b -> c -> a",
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

// TestValidateWithoutFile: a config built in code gets the same checks, without a file
// or line in its messages.
func TestValidateWithoutFile(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	cfg := Default()
	cfg.Sources = map[string]ingest.SourceConfig{"zabbix": {TimeZone: "Mars/Olympus"}}
	want := []string{`sources.zabbix.time_zone: unknown time zone "Mars/Olympus"; ` +
		"want an IANA name like Europe/Berlin"}
	if got := problemLines(t, cfg.Validate()); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestBareNumberDuration sets every duration key of the config, found by reflection, to a
// bare 5, and wants each one named with the duration reason, not go-yaml's type error.
// Other problems (a pull item without a url) may come with it.
func TestBareNumberDuration(t *testing.T) {
	paths := durationPaths(reflect.TypeOf(Config{}), "")
	if len(paths) < 15 {
		t.Fatalf("found only %d duration keys: %q", len(paths), paths)
	}
	for _, p := range paths {
		_, err := Parse("c.yaml", []byte(nested(p, "5")+"\n"))
		want := "c.yaml:1: " + p + `: parsing duration "5": ` +
			"want a number with a unit, like 90s or 10m"
		if got := problemLines(t, err); !slices.Contains(got, want) {
			t.Errorf("got %q, want %q among them", got, want)
		}
	}
}

var durationTypes = []reflect.Type{reflect.TypeOf(Duration(0)), reflect.TypeOf(time.Duration(0))}

// durationPaths lists the key paths of the duration fields under t; a list is entered
// through its first item.
func durationPaths(t reflect.Type, path string) []string {
	switch {
	case slices.Contains(durationTypes, t):
		return []string{path}
	case t.Kind() == reflect.Slice:
		return durationPaths(t.Elem(), path+"[0]")
	case t.Kind() != reflect.Struct:
		return nil
	}
	var out []string
	for _, k := range sortedKeys(yamlFields(t)) {
		out = append(out, durationPaths(yamlFields(t)[k].Type, join(path, k))...)
	}
	return out
}

// nested writes value at path in flow style: a.b[0].c becomes {a: {b: [{c: value}]}}.
func nested(path, value string) string {
	key, rest, _ := strings.Cut(path, ".")
	inner := value
	if rest != "" {
		inner = nested(rest, value)
	}
	if name, ok := strings.CutSuffix(key, "[0]"); ok {
		return "{" + name + ": [" + inner + "]}"
	}
	return "{" + key + ": " + inner + "}"
}
