package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

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

// Parse checks and decodes YAML config bytes; name is used in messages. An empty file, or
// one of comments only, is the same as no file: the defaults.
func Parse(name string, data []byte) (Config, error) {
	cfg := Default()
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return cfg, Problems{{File: name, Line: errLine(err), Path: "(file)",
			Reason: "invalid YAML: " + firstLine(yaml.FormatError(err, false, false))}}
	}

	w := &walker{file: name, lines: map[string]int{}, shadowed: map[string]bool{}}
	docs := documents(file)
	if len(docs) > 1 {
		// Decoding reads the first document only; the rest would be ignored unseen.
		w.add(docLine(docs[1]), "(file)", "a second YAML document; a config file holds one")
	}

	// The walk drops every node it found a problem in, so that what remains decodes and
	// the semantic checks report their problems in the same run.
	decoded := true
	if len(docs) > 0 && w.walk(docs[0].Body, reflect.TypeOf(cfg), "") {
		decoded = w.decode(docs[0].Body, &cfg)
	}
	if decoded {
		c := &checker{file: name, lines: w.lines, shadowed: w.shadowed}
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

// documents lists the documents of a file that have content; an empty one (a trailing
// "---") holds nothing that could be ignored.
func documents(file *ast.File) []*ast.DocumentNode {
	var out []*ast.DocumentNode
	for _, d := range file.Docs {
		if d.Body != nil && d.Body.Type() != ast.NullType && d.Body.Type() != ast.CommentType {
			out = append(out, d)
		}
	}
	return out
}

// docLine is the line of a document's "---", or of its first node.
func docLine(d *ast.DocumentNode) int {
	if d.Start != nil {
		return d.Start.Position.Line
	}
	return d.Body.GetToken().Position.Line
}

// walker checks a YAML tree against the Config type: unknown keys and leaf values that do
// not decode into their field's type. It records the line of every key path for the
// semantic checks that run after decoding, and the paths those checks must not report.
type walker struct {
	file  string
	lines map[string]int
	// shadowed holds the key paths whose value the walk dropped, and the keys that a
	// misspelt key was probably meant to be: they decode empty, and a semantic problem
	// there ("sensitivity: required") would repeat one already reported.
	shadowed map[string]bool
	problems Problems
}

func (w *walker) add(line int, path, reason string) {
	w.problems = append(w.problems, Problem{File: w.file, Line: line, Path: path, Reason: reason})
}

// decode decodes the tree the walk has pruned. A failure here is one the walk did not
// foresee; it is reported, and the semantic checks are skipped for a half-decoded config.
func (w *walker) decode(n ast.Node, cfg *Config) bool {
	if err := yaml.NodeToValue(n, cfg); err != nil {
		w.add(errLine(err), "(file)", firstLine(yaml.FormatError(err, false, false)))
		return false
	}
	return true
}

// walk checks n against t and reports whether the caller should keep n for decoding:
// false when n holds a problem that decoding would trip on or that would surface again as
// a misleading semantic problem. Mappings are pruned in place instead.
func (w *walker) walk(n ast.Node, t reflect.Type, path string) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Type() == ast.NullType {
		return true
	}
	line := n.GetToken().Position.Line
	if path != "" {
		w.lines[path] = line
	}
	switch {
	case t.Kind() == reflect.Struct && !implementsText(t):
		return w.walkStruct(n, t, path, line)
	case t.Kind() == reflect.Map:
		return w.walkMap(n, t, path, line)
	case t.Kind() == reflect.Slice:
		return w.walkSlice(n, t, path, line)
	}
	return w.leaf(n, t, path, line)
}

// walkStruct drops unknown keys and bad values, so the field keeps its default.
func (w *walker) walkStruct(n ast.Node, t reflect.Type, path string, line int) bool {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		w.add(line, orRoot(path), "want a mapping of keys")
		return false
	}
	fields := yamlFields(t)
	kept := m.Values[:0]
	for _, kv := range m.Values {
		key := kv.Key.String()
		p := join(path, key)
		f, ok := fields[key]
		if !ok {
			w.unknown(kv.Key.GetToken().Position.Line, path, key, fields)
			continue
		}
		if w.walk(kv.Value, f.Type, p) {
			kept = append(kept, kv)
		} else {
			w.shadowed[p] = true
		}
	}
	m.Values = kept
	return true
}

// unknown reports an unknown key of a struct and shadows the key it is closest to.
func (w *walker) unknown(line int, path, key string, fields map[string]reflect.StructField) {
	best := closest(key, fields)
	reason := "unknown key"
	if best != "" {
		reason += "; did you mean " + strconv.Quote(best) + "?"
		w.shadowed[join(path, best)] = true
	}
	w.add(line, join(path, key), reason)
}

func (w *walker) walkMap(n ast.Node, t reflect.Type, path string, line int) bool {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		w.add(line, orRoot(path), "want a mapping")
		return false
	}
	kept := m.Values[:0]
	for _, kv := range m.Values {
		p := join(path, kv.Key.String())
		if w.walk(kv.Value, t.Elem(), p) {
			kept = append(kept, kv)
		} else {
			w.shadowed[p] = true
		}
		w.lines[p] = kv.Key.GetToken().Position.Line
	}
	m.Values = kept
	return true
}

// walkSlice keeps every item, so that the semantic checks still see the good ones and
// their numbers. An item the walk cannot keep becomes null, which decodes to the zero
// item; its path is shadowed like the keys a pruned item lost.
func (w *walker) walkSlice(n ast.Node, t reflect.Type, path string, line int) bool {
	s, ok := n.(*ast.SequenceNode)
	if !ok {
		w.add(line, path, "want a list")
		return false
	}
	for i, v := range s.Values {
		p := path + "[" + strconv.Itoa(i) + "]"
		if !w.walk(v, t.Elem(), p) {
			s.Values[i] = ast.Null(token.New("null", "null", v.GetToken().Position))
			w.shadowed[p] = true
		}
	}
	return true
}

func (w *walker) leaf(n ast.Node, t reflect.Type, path string, line int) bool {
	switch n.(type) {
	case *ast.MappingNode, *ast.SequenceNode:
		w.add(line, path, "want a single value, not a "+kindWord(n))
		return false
	}
	v := reflect.New(t)
	if err := yaml.NodeToValue(n, v.Interface()); err != nil {
		w.add(line, path, leafReason(n, t, err))
		return false
	}
	return true
}

var stdDuration = reflect.TypeOf(time.Duration(0))

// leafReason says why n does not decode into t. A time.Duration field (detect, pull) is
// an int64 to go-yaml, which said "cannot unmarshal uint64" of a bare 5; it gets the
// same reason as a Duration field.
func leafReason(n ast.Node, t reflect.Type, err error) string {
	if t == stdDuration {
		return durationReason(n.GetToken().Value)
	}
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
