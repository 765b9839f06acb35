package config

import (
	"encoding"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

var textUnmarshaler = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()

func implementsText(t reflect.Type) bool {
	return reflect.PointerTo(t).Implements(textUnmarshaler)
}

// yamlFields maps the YAML key of each field of a struct type to the field, following
// inline structs.
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f
	}
	return out
}

// closest is the known key nearest an unknown one, for typos, or "" when none is near.
// Ties go to the first in order, so that the suggestion is the same every run.
func closest(key string, fields map[string]reflect.StructField) string {
	best, bestD := "", 3
	for _, k := range sortedKeys(fields) {
		if d := distance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein edit distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orRoot(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}

func kindWord(n ast.Node) string {
	if _, ok := n.(*ast.MappingNode); ok {
		return "mapping"
	}
	return "list"
}

func typeWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64:
		return "whole number"
	case reflect.Float64, reflect.Float32:
		return "number"
	case reflect.String:
		return "string"
	}
	return t.String()
}

var (
	lineRE    = regexp.MustCompile(`\[(\d+):\d+\]`)
	leadPosRE = regexp.MustCompile(`^\[\d+:\d+\]\s*`)
)

// errLine digs the line number out of a go-yaml error message ("[3:5] ...").
func errLine(err error) int {
	m := lineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// firstLine keeps the first line of a go-yaml message. The leading position is dropped
// (the problem carries the line); any other, as in "already defined at [2:1]", is kept
// as "line 2" so the message does not end in mid-sentence.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	s = leadPosRE.ReplaceAllString(s, "")
	return strings.TrimSpace(lineRE.ReplaceAllString(s, "line $1"))
}
