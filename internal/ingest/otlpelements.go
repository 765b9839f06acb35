package ingest

import "google.golang.org/protobuf/encoding/protowire"

// MaxOTLPElements caps the repeated elements of one OTLP request that pdata makes an
// object or a slot of: data points, log records, attributes (resource, scope, point,
// exemplar, metadata), the values of array and key-value attribute values, exemplars,
// quantiles and histogram buckets and bounds; more is a 413. MaxOTLPItems alone left
// them free: one gauge point with 10 M empty attributes, a 19 KiB gzip body, took the
// server from 50 MB to 1.3 GB, and 60 M exponential-histogram buckets to 2 GB. At the
// cap an empty attribute, the dearest element (about 130 bytes), costs some 260 MB; a
// Collector batch of 8,192 points with ten attributes and twenty buckets each is 250,000.
const MaxOTLPElements = 2_000_000

// otlpElementKeys are the OTLP/JSON names of the arrays whose elements count against
// MaxOTLPElements.
var otlpElementKeys = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range []string{"dataPoints", "data_points", "logRecords", "log_records",
		"attributes", "values", "bucketCounts", "bucket_counts", "explicitBounds",
		"explicit_bounds", "exemplars", "filteredAttributes", "filtered_attributes",
		"metadata", "quantileValues", "quantile_values"} {
		m[k] = true
	}
	return m
}()

// Field numbers of the OTLP messages the counts walk (opentelemetry-proto).
const (
	pbResources      = 1 // resource_metrics, resource_logs of the Export*ServiceRequest
	pbScopes         = 2 // scope_metrics, scope_logs of ResourceMetrics, ResourceLogs
	pbItems          = 2 // metrics, log_records of ScopeMetrics, ScopeLogs
	pbDataPoints     = 1 // of Gauge, Sum, Histogram, ExponentialHistogram, Summary
	pbSummary        = 11
	pbQuantileValues = 6 // of SummaryDataPoint
	pbResource       = 1 // resource of ResourceMetrics and ResourceLogs
	pbScope          = 1 // scope of ScopeMetrics and ScopeLogs
	pbResourceAttrs  = 1 // attributes of Resource
	pbScopeAttrs     = 3 // attributes of InstrumentationScope
	pbMetricMetadata = 12
	pbKVValue        = 2 // value of KeyValue
	pbArrayValue     = 5 // array_value of AnyValue
	pbKVListValue    = 6 // kvlist_value of AnyValue
	pbListValues     = 1 // values of ArrayValue and KeyValueList
	pbLogBody        = 5
	pbLogAttrs       = 6
	pbExemplarAttrs  = 7 // filtered_attributes of Exemplar
	maxCountDepth    = 100
)

// pbPointFields says, per Metric data field (gauge 5, sum 7, histogram 9, exponential
// histogram 10, summary 11), where a data point keeps its attributes, its exemplars and
// its packed numbers (a histogram's bucket counts and bounds, fixed64 and double; an
// exponential histogram's varint counts are inside its positive and negative Buckets,
// field 2). A summary's quantiles are messages, counted as packed fixed-size ones: each
// holds two doubles, so 18 bytes over 8 counts at least one.
var pbPointFields = map[protowire.Number]struct {
	attrs, exemplars protowire.Number
	packed, buckets  []protowire.Number
}{
	5:         {attrs: 7, exemplars: 5},
	7:         {attrs: 7, exemplars: 5},
	9:         {attrs: 9, exemplars: 8, packed: []protowire.Number{6, 7}},
	10:        {attrs: 1, exemplars: 11, buckets: []protowire.Number{8, 9}},
	pbSummary: {attrs: 7, packed: []protowire.Number{pbQuantileValues}},
}

// pbMetricCounts counts the items (data points and summary quantiles) and the elements
// of an encoded ExportMetricsServiceRequest, in one walk, without decoding it.
func pbMetricCounts(b []byte) (items, n int) {
	eachPB(b, pbResources, func(rm []byte) {
		n += pbResourceElements(rm)
		eachPB(rm, pbScopes, func(sm []byte) {
			n += pbScopeElements(sm)
			eachPB(sm, pbItems, func(m []byte) {
				n += pbAttrs(m, pbMetricMetadata)
				for f, pf := range pbPointFields {
					eachPB(m, f, func(data []byte) {
						eachPB(data, pbDataPoints, func(dp []byte) {
							items++
							if f == pbSummary {
								items += countPB(dp, pbQuantileValues)
							}
							n += 1 + pbAttrs(dp, pf.attrs) + pbExemplars(dp, pf.exemplars)
							n += pbPacked(dp, 8, pf.packed...)
							for _, bf := range pf.buckets {
								eachPB(dp, bf, func(bk []byte) { n += pbPacked(bk, 1, 2) })
							}
						})
					})
				}
			})
		})
	})
	return items, n
}

// pbLogCounts counts the items (log records) and the elements of an encoded
// ExportLogsServiceRequest, in one walk.
func pbLogCounts(b []byte) (items, n int) {
	eachPB(b, pbResources, func(rl []byte) {
		n += pbResourceElements(rl)
		eachPB(rl, pbScopes, func(sl []byte) {
			n += pbScopeElements(sl)
			eachPB(sl, pbItems, func(r []byte) {
				items++
				n += 1 + pbAttrs(r, pbLogAttrs)
				eachPB(r, pbLogBody, func(v []byte) { n += pbValue(v, 0) })
			})
		})
	})
	return items, n
}

func pbResourceElements(rm []byte) int {
	n := 0
	eachPB(rm, pbResource, func(r []byte) { n += pbAttrs(r, pbResourceAttrs) })
	return n
}

func pbScopeElements(sm []byte) int {
	n := 0
	eachPB(sm, pbScope, func(s []byte) { n += pbAttrs(s, pbScopeAttrs) })
	return n
}

// pbExemplars counts the exemplars of field num of msg, and their attributes.
func pbExemplars(msg []byte, num protowire.Number) int {
	n := 0
	eachPB(msg, num, func(e []byte) { n += 1 + pbAttrs(e, pbExemplarAttrs) })
	return n
}

// pbAttrs counts the KeyValues of field num of msg, and what their values hold.
func pbAttrs(msg []byte, num protowire.Number) int {
	return pbKeyValues(msg, num, 0)
}

func pbKeyValues(msg []byte, num protowire.Number, depth int) int {
	n := 0
	eachPB(msg, num, func(kv []byte) {
		n++
		eachPB(kv, pbKVValue, func(v []byte) { n += pbValue(v, depth+1) })
	})
	return n
}

// pbValue counts the elements inside an AnyValue: an array's values and a key-value
// list's pairs, all the way down, to pdata's own limit of 100 nested messages.
func pbValue(v []byte, depth int) int {
	if depth > maxCountDepth {
		return 0
	}
	n := 0
	eachPB(v, pbArrayValue, func(arr []byte) {
		eachPB(arr, pbListValues, func(e []byte) { n += 1 + pbValue(e, depth+1) })
	})
	eachPB(v, pbKVListValue, func(l []byte) { n += pbKeyValues(l, pbListValues, depth+1) })
	return n
}

// pbPacked counts the numbers of the repeated scalar fields nums of msg: a packed field
// as many as its bytes over width (8 for fixed64 and double; 1 for varints, which take
// at least one byte each), an unpacked one one per field.
func pbPacked(msg []byte, width int, nums ...protowire.Number) int {
	n := 0
	for b := msg; len(b) > 0; {
		num, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return n
		}
		b = b[l:]
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return n
		}
		for _, want := range nums {
			if num != want {
				continue
			}
			if typ == protowire.BytesType {
				n += m / width
			} else {
				n++
			}
		}
		b = b[m:]
	}
	return n
}
