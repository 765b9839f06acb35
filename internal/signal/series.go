package signal

import (
	"sort"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"
)

// Label is one name/value pair of a metric series. A series' labels are kept sorted by name
// and include the metric name as __name__.
type Label struct {
	Name  string
	Value string
}

// Point is one sample: a time in Unix milliseconds and a value.
type Point struct {
	T int64
	V float64
}

// Series is a batch of points for one metric series, as remote_write, OTLP and the pull
// mode deliver them. Points are in the order the source sent them.
type Series struct {
	Labels []Label
	Points []Point
	// Hash is HashLabels(Labels), or 0 when the source did not compute it.
	Hash uint64
	// Ref is the sink's reference to the series, as Prometheus's SeriesRef, or 0. A sink
	// given labels may set it; the source may then send later batches of the same label
	// set with that Ref and no labels, which spares decoding, hashing and looking them
	// up. A sink that no longer knows a Ref it was given applies none of the batch's
	// points and sets Ref to 0: the source must send the batch again with the labels.
	Ref uint64
}

// HashLabels hashes sorted labels with xxhash, one string at a time, and mixes the
// results. It is stable across processes and versions: snapshots of version 2 name series
// by it.
func HashLabels(ls []Label) uint64 {
	const prime = 0x9E3779B97F4A7C15
	h := uint64(len(ls))
	for _, l := range ls {
		h = (h ^ xxhash.Sum64String(l.Name)) * prime
		h = (h^(h>>29))*prime ^ xxhash.Sum64String(l.Value)
		h *= prime
	}
	return h ^ h>>32
}

// SortLabels sorts labels by name in place, the canonical order for identity.
func SortLabels(ls []Label) {
	sort.Slice(ls, func(i, j int) bool { return ls[i].Name < ls[j].Name })
}

// LabelValue returns the value of the named label, or "".
func LabelValue(ls []Label, name string) string {
	for _, l := range ls {
		if l.Name == name {
			return l.Value
		}
	}
	return ""
}

// SeriesKey renders labels as name{a="b",...}: readable, and unique for a sorted set.
func SeriesKey(ls []Label) string {
	var b strings.Builder
	b.WriteString(LabelValue(ls, "__name__"))
	b.WriteByte('{')
	first := true
	for _, l := range ls {
		if l.Name == "__name__" {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(l.Name)
		b.WriteString(`="`)
		b.WriteString(l.Value)
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// LabelMap copies labels into a map, for signals.
func LabelMap(ls []Label) map[string]string {
	m := make(map[string]string, len(ls))
	for _, l := range ls {
		m[l.Name] = l.Value
	}
	return m
}

// LogLine is one log record as the log ingest routes deliver it.
type LogLine struct {
	Service  string
	Time     time.Time
	Severity Severity
	Body     string
	Labels   map[string]string
}
