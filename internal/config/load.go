package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/cerebro-aiops/cerebro/internal/ingest"
)

// Problem is one thing wrong with a config file.
type Problem struct {
	File   string
	Line   int
	Path   string // key path as written, e.g. services[1].depends_on
	Reason string
}

func (p Problem) String() string {
	switch {
	case p.File == "":
		return fmt.Sprintf("%s: %s", p.Path, p.Reason)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Path, p.Reason)
	}
	return fmt.Sprintf("%s: %s: %s", p.File, p.Path, p.Reason)
}

// Problems is every problem found in a file; it is the error Load returns.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Load reads a YAML file over the defaults. The error, when not nil, is Problems when the
// file was readable, listing every problem found.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("reading config: %w", err)
	}
	return Parse(path, data)
}

// Parse checks and decodes YAML config bytes; name is used in messages.
func Parse(name string, data []byte) (Config, error) {
	cfg := Default()
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return cfg, Problems{{File: name, Line: errLine(err), Path: "(file)",
			Reason: "invalid YAML: " + firstLine(yaml.FormatError(err, false, false))}}
	}

	w := &walker{file: name, lines: map[string]int{}}
	for _, doc := range file.Docs {
		if doc.Body != nil {
			w.walk(doc.Body, reflect.TypeOf(cfg), "")
		}
	}

	// Decode even when the walk found problems, so that the semantic checks can report
	// theirs in the same run; a decode failure the walk did not explain is reported too.
	err = yaml.UnmarshalWithOptions(data, &cfg)
	if err != nil && len(w.problems) == 0 {
		w.add(errLine(err), "(file)", firstLine(yaml.FormatError(err, false, false)))
	}
	if err == nil {
		c := &checker{file: name, lines: w.lines}
		c.run(&cfg)
		w.problems = append(w.problems, c.problems...)
	}
	if len(w.problems) > 0 {
		sort.SliceStable(w.problems, func(i, j int) bool {
			return w.problems[i].Line < w.problems[j].Line
		})
		return cfg, w.problems
	}
	return cfg, nil
}

// walker checks a YAML tree against the Config type: unknown keys and leaf values that do
// not decode into their field's type. It records the line of every key path for the
// semantic checks that run after decoding.
type walker struct {
	file     string
	lines    map[string]int
	problems Problems
}

func (w *walker) add(line int, path, reason string) {
	w.problems = append(w.problems, Problem{File: w.file, Line: line, Path: path, Reason: reason})
}

func (w *walker) walk(n ast.Node, t reflect.Type, path string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Type() == ast.NullType {
		return
	}
	line := n.GetToken().Position.Line
	if path != "" {
		w.lines[path] = line
	}
	switch {
	case t.Kind() == reflect.Struct && !implementsText(t):
		w.walkStruct(n, t, path, line)
	case t.Kind() == reflect.Map:
		w.walkMap(n, t, path, line)
	case t.Kind() == reflect.Slice:
		w.walkSlice(n, t, path, line)
	default:
		w.leaf(n, t, path, line)
	}
}

func (w *walker) walkStruct(n ast.Node, t reflect.Type, path string, line int) {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		w.add(line, orRoot(path), "want a mapping of keys")
		return
	}
	fields := yamlFields(t)
	for _, kv := range m.Values {
		key := kv.Key.String()
		p := join(path, key)
		f, ok := fields[key]
		if !ok {
			w.add(kv.Key.GetToken().Position.Line, p, "unknown key"+suggest(key, fields))
			continue
		}
		w.walk(kv.Value, f.Type, p)
	}
}

func (w *walker) walkMap(n ast.Node, t reflect.Type, path string, line int) {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		w.add(line, orRoot(path), "want a mapping")
		return
	}
	for _, kv := range m.Values {
		w.walk(kv.Value, t.Elem(), join(path, kv.Key.String()))
		w.lines[join(path, kv.Key.String())] = kv.Key.GetToken().Position.Line
	}
}

func (w *walker) walkSlice(n ast.Node, t reflect.Type, path string, line int) {
	s, ok := n.(*ast.SequenceNode)
	if !ok {
		w.add(line, path, "want a list")
		return
	}
	for i, v := range s.Values {
		w.walk(v, t.Elem(), path+"["+strconv.Itoa(i)+"]")
	}
}

func (w *walker) leaf(n ast.Node, t reflect.Type, path string, line int) {
	switch n.(type) {
	case *ast.MappingNode, *ast.SequenceNode:
		w.add(line, path, "want a single value, not a "+kindWord(n))
		return
	}
	v := reflect.New(t)
	if err := yaml.NodeToValue(n, v.Interface()); err != nil {
		w.add(line, path, leafReason(t, err))
	}
}

func leafReason(t reflect.Type, err error) string {
	msg := firstLine(err.Error())
	if i := strings.LastIndex(msg, "parsing duration"); i >= 0 {
		return msg[i:]
	}
	return "want a " + typeWord(t) + ": " + msg
}

// KnownSources lists every name accepted under sources:, the signal sources and the
// sample and log routes.
func KnownSources() []string {
	var out []string
	for _, s := range ingest.Sources() {
		out = append(out, s.Name)
	}
	out = append(out, ExtraSources...)
	sort.Strings(out)
	return out
}

// ExtraSources are the routes that are not signal sources but are configured the same
// way (token, enabled).
var ExtraSources = []string{"remote-write", "otlp-metrics", "otlp-logs", "loki"}

// ErrInsecureListen is returned when a non-loopback listener has no API token.
var ErrInsecureListen = errors.New(
	"refusing to listen on a non-loopback address without api_token " +
		"(set api_token in the config or CEREBRO_API_TOKEN)")
