package ingest

import (
	"encoding/json"
	"fmt"
	"net/http"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"google.golang.org/protobuf/encoding/protowire"
)

// Bounds on one OTLP request, checked on the body before pdata decodes it.
const (
	// MaxOTLPItems caps the data points (summary quantiles included) of one OTLP metrics
	// request, or the log records of one logs request; more is a 413. The decode budget
	// counts body bytes, but a data point of 20 bytes expands to about 400 in pdata and
	// the series made of it: 5M points in a 236 KiB gzip body took 2 GB. A Collector's
	// batch processor sends 8192 by default and seldom over tens of thousands; 200,000
	// points cost about 100 MB at most.
	MaxOTLPItems = 200_000
	// MaxAnyValueDepth caps the nesting of an attribute value or log body (arrays and
	// key-value lists inside each other); deeper is a 400. Real attributes are flat or
	// one level deep; pdata's AsString recurses once per level, and a value nested two
	// million deep overflowed the goroutine stack, which kills the process.
	MaxAnyValueDepth = 32
	// maxJSONDepth caps the nesting of an OTLP/JSON body's objects and arrays: pdata's
	// JSON decoder recurses once per level with no limit of its own. An attribute value
	// sits about 16 levels deep, and each level of AnyValue adds at most 4 ({"kvlistValue":
	// {"values":[{"value":...), so this admits every value MaxAnyValueDepth admits.
	maxJSONDepth = 16 + 4*MaxAnyValueDepth
)

// otlpShape says which parts of an OTLP request are items counted against MaxOTLPItems;
// every request's elements count against MaxOTLPElements.
type otlpShape struct {
	noun     string          // what an item is called in the 413
	jsonKeys map[string]bool // the JSON names of arrays whose elements are items
	// countPB counts an encoded request's items and elements in one walk.
	countPB func([]byte) (items, elements int)
}

var metricsShape = otlpShape{
	noun: "data points",
	jsonKeys: map[string]bool{"dataPoints": true, "data_points": true,
		"quantileValues": true, "quantile_values": true},
	countPB: pbMetricCounts,
}

var logsShape = otlpShape{
	noun:     "log records",
	jsonKeys: map[string]bool{"logRecords": true, "log_records": true},
	countPB:  pbLogCounts,
}

// checkOTLPBody refuses, before pdata decodes it, a body whose decoding would exhaust the
// stack (JSON nested deeper than maxJSONDepth, a 400) or memory (more than MaxOTLPItems
// items, a 413). Protobuf needs no depth check: pdata stops at 100 nested messages.
func checkOTLPBody(body []byte, isJSON bool, s otlpShape) error {
	var n, elems int
	if isJSON {
		counts, err := scanJSON(body, s.jsonKeys, otlpElementKeys)
		if err != nil {
			return err
		}
		n, elems = counts[0], counts[1]
	} else {
		n, elems = s.countPB(body)
	}
	if n > MaxOTLPItems {
		return tooMany(n, s.noun, MaxOTLPItems)
	}
	if elems > MaxOTLPElements {
		return tooMany(elems, "elements (points, records, attributes, values, buckets)",
			MaxOTLPElements)
	}
	return nil
}

// tooMany is the 413 for a request holding n of what, over limit.
func tooMany(n int, what string, limit int) error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Type: TypeTooLarge,
		Msg: fmt.Sprintf("OTLP request holds %d %s, more than the %d allowed; send "+
			"smaller batches", n, what, limit)}
}

// scanJSON measures the nesting of a JSON body without recursing, refusing it past
// maxJSONDepth, and counts, for each of up to eight sets of keys, the elements of the
// arrays named in it (an empty array counts one: overcounting is safe). It does not
// validate: the decoder does. Escaped names are unescaped, so that "data\u0050oints"
// cannot hide points from the count.
func scanJSON(b []byte, sets ...map[string]bool) ([]int, error) {
	counts := make([]int, len(sets))
	var counted [maxJSONDepth + 1]uint8 // bit k: the container at this depth counts in set k
	add := func(bits uint8) {
		for k := range counts {
			if bits&(1<<k) != 0 {
				counts[k]++
			}
		}
	}
	depth, strStart, strEnd, key := 0, -1, -1, ""
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			strStart = i
			if i = stringEnd(b, i); i < 0 {
				return counts, nil
			}
			strEnd = i
		case ':':
			key = jsonKey(b, strStart, strEnd)
		case ',':
			key = ""
			add(counted[depth])
		case '{', '[':
			if depth++; depth > maxJSONDepth {
				return nil, Errorf("decoding OTLP JSON: objects and arrays nested deeper "+
					"than %d levels at byte %d", maxJSONDepth, i)
			}
			counted[depth] = 0
			for k, keys := range sets {
				if c == '[' && keys[key] {
					counted[depth] |= 1 << k
				}
			}
			add(counted[depth])
			key = ""
		case '}', ']':
			depth = max(depth-1, 0)
		}
	}
	return counts, nil
}

// stringEnd is the index of the quote that closes the JSON string opening at b[i], or -1.
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// jsonKey is the JSON string b[start:end+1] unescaped; "" when there is none.
func jsonKey(b []byte, start, end int) string {
	if start < 0 || end < start {
		return ""
	}
	raw := b[start : end+1]
	for _, c := range raw {
		if c == '\\' {
			var s string
			_ = json.Unmarshal(raw, &s)
			return s
		}
	}
	return string(raw[1 : len(raw)-1])
}

// eachPB calls fn with the payload of every length-delimited field numbered num of the
// message b, stopping where b is malformed: the decoder reports that.
func eachPB(b []byte, num protowire.Number, fn func([]byte)) {
	for len(b) > 0 {
		n, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return
		}
		b = b[l:]
		if typ == protowire.BytesType {
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return
			}
			if n == num {
				fn(v)
			}
			b = b[m:]
			continue
		}
		if l = protowire.ConsumeFieldValue(n, typ, b); l < 0 {
			return
		}
		b = b[l:]
	}
}

// countPB is the number of length-delimited fields numbered num of the message b.
func countPB(b []byte, num protowire.Number) int {
	n := 0
	eachPB(b, num, func([]byte) { n++ })
	return n
}

// anyString is v.AsString, or false when v nests arrays and key-value lists deeper than
// MaxAnyValueDepth: AsString recurses once per level and would overflow the stack on a
// value crafted deep enough. The depth is measured without recursing.
func anyString(v pcommon.Value) (string, bool) {
	if anyDepth(v, MaxAnyValueDepth) > MaxAnyValueDepth {
		return "", false
	}
	return v.AsString(), true
}

// anyDepth is the nesting depth of v (1 for a scalar), measured breadth first and
// given up past limit.
func anyDepth(v pcommon.Value, limit int) int {
	if t := v.Type(); t != pcommon.ValueTypeSlice && t != pcommon.ValueTypeMap {
		return 1 // every attribute but a few: no allocation
	}
	level := []pcommon.Value{v}
	for depth := 1; ; depth++ {
		var next []pcommon.Value
		for _, x := range level {
			next = appendChildren(next, x)
		}
		if len(next) == 0 || depth > limit {
			return depth
		}
		level = next
	}
}

// appendChildren appends the values inside an array or key-value list.
func appendChildren(out []pcommon.Value, v pcommon.Value) []pcommon.Value {
	switch v.Type() {
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		for i := range s.Len() {
			out = append(out, s.At(i))
		}
	case pcommon.ValueTypeMap:
		for _, x := range v.Map().All() {
			out = append(out, x)
		}
	}
	return out
}

// errTooDeep is the 400 for an attribute value or log body nested past MaxAnyValueDepth.
func errTooDeep(what string) error {
	return Errorf("decoding OTLP request: %s nests arrays and key-value lists deeper than "+
		"%d levels", what, MaxAnyValueDepth)
}
