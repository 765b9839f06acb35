package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/protobuf/encoding/protowire"
)

// nestedJSON is an AnyValue of depth levels: arrays inside each other, a string innermost.
func nestedJSON(depth int) string {
	return strings.Repeat(`{"arrayValue":{"values":[`, depth-1) + `{"stringValue":"x"}` +
		strings.Repeat(`]}}`, depth-1)
}

// kvlistJSON is an AnyValue of depth levels of key-value lists, the deepest JSON per level.
func kvlistJSON(depth int) string {
	return strings.Repeat(`{"kvlistValue":{"values":[{"key":"k","value":`, depth-1) +
		`{"stringValue":"x"}` + strings.Repeat(`}]}}`, depth-1)
}

// metricsJSON is one gauge point with the resource attribute service.name set to res and
// the point attribute k set to attr, both AnyValues in JSON.
func metricsJSON(res, attr string) []byte {
	return []byte(`{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name",` +
		`"value":` + res + `}]},"scopeMetrics":[{"metrics":[{"name":"up","gauge":{` +
		`"dataPoints":[{"timeUnixNano":"1700000000000000000","asDouble":1,` +
		`"attributes":[{"key":"k","value":` + attr + `}]}]}}]}]}]}`)
}

// logsJSON is one log record whose body is the AnyValue body, in JSON.
func logsJSON(body string) []byte {
	return []byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":` +
		`"1700000000000000000","body":` + body + `}]}]}]}`)
}

func wantStatus(t *testing.T, err error, status int, text string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Status != status || !strings.Contains(e.Msg, text) {
		t.Fatalf("err = %v; want %d naming %q", err, status, text)
	}
}

// TestOTLPDeepJSON: an attribute nested two million deep overflowed the stack in pdata's
// AsString and killed the process. Depth is refused with a 400 before any recursion; these
// depths are small enough not to crash the test when the check is missing.
func TestOTLPDeepJSON(t *testing.T) {
	const deep = 20_000
	flat := `{"stringValue":"api"}`
	cases := map[string][]byte{
		"resource attribute": metricsJSON(nestedJSON(deep), flat),
		"point attribute":    metricsJSON(flat, nestedJSON(deep)),
		"past the limit":     metricsJSON(flat, kvlistJSON(MaxAnyValueDepth+10)),
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			_, _, err := DecodeOTLPMetrics(body, true, time.Time{})
			wantStatus(t, err, http.StatusBadRequest, "deeper than")
		})
	}
	t.Run("log body", func(t *testing.T) {
		_, err := DecodeOTLPLogs(logsJSON(nestedJSON(deep)), true, "")
		wantStatus(t, err, http.StatusBadRequest, "deeper than")
	})
	t.Run("at the limit", func(t *testing.T) {
		for _, v := range []string{nestedJSON(MaxAnyValueDepth), kvlistJSON(MaxAnyValueDepth)} {
			series, _, err := DecodeOTLPMetrics(metricsJSON(v, v), true, time.Time{})
			if err != nil || len(series) != 1 {
				t.Fatalf("got %d series, err %v; want 1", len(series), err)
			}
			if lines, err := DecodeOTLPLogs(logsJSON(v), true, ""); err != nil ||
				len(lines) != 1 {
				t.Fatalf("got %d lines, err %v; want 1", len(lines), err)
			}
		}
	})
}

// nestValue nests v depth-1 times in one-element arrays around a string.
func nestValue(v pcommon.Value, depth int) {
	for range depth - 1 {
		v = v.SetEmptySlice().AppendEmpty()
	}
	v.SetStr("x")
}

// TestOTLPDeepProtobuf: pdata's protobuf decoder stops at 100 nested messages, deeper
// than MaxAnyValueDepth; the converter refuses what lies between, as for JSON.
func TestOTLPDeepProtobuf(t *testing.T) {
	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("up")
	dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetTimestamp(1)
	nestValue(dp.Attributes().PutEmpty("k"), MaxAnyValueDepth+1)
	body, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = DecodeOTLPMetrics(body, false, time.Time{})
	wantStatus(t, err, http.StatusBadRequest, `data point attribute "k"`)

	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	nestValue(rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body(),
		MaxAnyValueDepth+1)
	body, err = plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	_, err = DecodeOTLPLogs(body, false, "")
	wantStatus(t, err, http.StatusBadRequest, "log record 0")
}

// emptyPointsProto is a gauge of n empty data points: two bytes each on the wire, some
// hundreds in pdata and the series made of them.
func emptyPointsProto(n int) []byte {
	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("up")
	dps := m.SetEmptyGauge().DataPoints()
	dps.EnsureCapacity(n)
	for range n {
		dps.AppendEmpty()
	}
	b, _ := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	return b
}

// TestOTLPTooManyItems: 5M points in a 236 KiB gzip body took the server to 2 GB. Points,
// quantiles and log records past MaxOTLPItems are a 413 counted before decoding.
func TestOTLPTooManyItems(t *testing.T) {
	over := MaxOTLPItems + 1
	points := strings.Repeat(`{},`, over-1) + `{}`
	want := strconv.Itoa(MaxOTLPItems)
	metrics := map[string]struct {
		body   []byte
		isJSON bool
	}{
		"protobuf points": {emptyPointsProto(over), false},
		"json points": {[]byte(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{` +
			`"name":"up","sum":{"dataPoints":[` + points + `]}}]}]}]}`), true},
		"escaped key": {[]byte(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{` +
			`"name":"up","gauge":{"data\u0050oints":[` + points + `]}}]}]}]}`), true},
		"json quantiles": {[]byte(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{` +
			`"name":"up","summary":{"dataPoints":[{"quantileValues":[` +
			strings.Repeat(`{},`, MaxOTLPItems-1) + `{}]}]}}]}]}]}`), true},
	}
	for name, tc := range metrics {
		t.Run(name, func(t *testing.T) {
			_, _, err := DecodeOTLPMetrics(tc.body, tc.isJSON, time.Time{})
			wantStatus(t, err, http.StatusRequestEntityTooLarge, want+" allowed")
		})
	}
	t.Run("log records", func(t *testing.T) {
		body := `{"resourceLogs":[{"scopeLogs":[{"logRecords":[` + points + `]}]}]}`
		_, err := DecodeOTLPLogs([]byte(body), true, "")
		wantStatus(t, err, http.StatusRequestEntityTooLarge, want+" allowed")
	})
	t.Run("at the limit", func(t *testing.T) {
		if _, _, err := DecodeOTLPMetrics(emptyPointsProto(MaxOTLPItems), false,
			time.Time{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("handler", func(t *testing.T) {
		w := postOTLP(OTLPMetricsHandler(testGuard(), SourceConfig{}, &recordingSink{}),
			gz(emptyPointsProto(over)), "application/x-protobuf", "gzip")
		if w.Code != http.StatusRequestEntityTooLarge ||
			!strings.Contains(w.Body.String(), want+" allowed") {
			t.Fatalf("code %d, body %s; want 413 naming %s", w.Code, w.Body, want)
		}
	})
}

// TestScanJSON: brackets and names inside strings are text, not structure.
func TestScanJSON(t *testing.T) {
	keys := metricsShape.jsonKeys
	for body, want := range map[string]int{
		`{"dataPoints":[{},{},{}]}`:                  3,
		`{"dataPoints":[]}`:                          1, // overcounts by one: safe
		`{"x":"dataPoints","y":[{},{}]}`:             0,
		`{"dataPoints":["[{\"a\",",{"k":[1,2,3]}]}`:  2,
		`{"data_points":[{}],"quantileValues":[{}]}`: 2,
	} {
		counts, err := scanJSON([]byte(body), keys)
		if err != nil || counts[0] != want {
			t.Errorf("scanJSON(%s) = %v, %v; want %d", body, counts, err, want)
		}
	}
	deep := strings.Repeat("[", maxJSONDepth+1)
	if _, err := scanJSON([]byte(`"`+deep+`"`), keys); err != nil {
		t.Errorf("brackets in a string: %v", err)
	}
	if _, err := scanJSON([]byte(deep), keys); err == nil {
		t.Error("no error past maxJSONDepth")
	}
}

// pbWrap nests payload in fields nums, innermost last: pbWrap(p, 1, 2) is {1: {2: p}}.
func pbWrap(payload []byte, nums ...protowire.Number) []byte {
	for i := len(nums) - 1; i >= 0; i-- {
		payload = protowire.AppendBytes(protowire.AppendTag(nil, nums[i],
			protowire.BytesType), payload)
	}
	return payload
}

// emptyFields is n empty length-delimited fields numbered num.
func emptyFields(num protowire.Number, n int) []byte {
	one := protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), nil)
	return bytes.Repeat(one, n)
}

// TestOTLPTooManyElements checks that the attributes and buckets of a few points count:
// one point with millions of empty attributes, in a body of a few megabytes, took the
// server to 1.3 GB, and millions of exponential-histogram buckets to 2 GB.
func TestOTLPTooManyElements(t *testing.T) {
	over := MaxOTLPElements + 1
	want := strconv.Itoa(MaxOTLPElements) + " allowed"
	point := func(dp []byte, data protowire.Number) []byte {
		return pbWrap(dp, pbResources, pbScopes, pbItems, data, pbDataPoints)
	}
	zeros := make([]byte, over) // one packed varint 0 per byte
	metrics := map[string][]byte{
		"point attributes":    point(emptyFields(7, over), 5),
		"resource attributes": pbWrap(emptyFields(pbResourceAttrs, over), pbResources, 1),
		"histogram buckets": point(protowire.AppendBytes(protowire.AppendTag(nil, 6,
			protowire.BytesType), make([]byte, 8*over)), 9),
		"exponential buckets": point(pbWrap(protowire.AppendBytes(protowire.AppendTag(nil, 2,
			protowire.BytesType), zeros), 8), 10),
		"nested array values": point(pbWrap(emptyFields(pbListValues, over), 7, pbKVValue,
			pbArrayValue), 5),
	}
	for name, body := range metrics {
		t.Run(name, func(t *testing.T) {
			_, _, err := DecodeOTLPMetrics(body, false, time.Time{})
			wantStatus(t, err, http.StatusRequestEntityTooLarge, want)
		})
	}
	t.Run("log attributes", func(t *testing.T) {
		body := pbWrap(emptyFields(pbLogAttrs, over), pbResources, pbScopes, pbItems)
		_, err := DecodeOTLPLogs(body, false, "")
		wantStatus(t, err, http.StatusRequestEntityTooLarge, want)
	})
	t.Run("json attributes", func(t *testing.T) {
		body := `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"up","gauge":` +
			`{"dataPoints":[{"attributes":[` + strings.Repeat(`{},`, over-1) + `{}]}]}}]}]}]}`
		_, _, err := DecodeOTLPMetrics([]byte(body), true, time.Time{})
		wantStatus(t, err, http.StatusRequestEntityTooLarge, want)
	})
	t.Run("a Collector batch", func(t *testing.T) {
		// 8,192 histogram points with ten attributes and twenty buckets each.
		md := pmetric.NewMetrics()
		m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().
			AppendEmpty()
		m.SetName("latency")
		h := m.SetEmptyHistogram()
		h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		for i := range 8192 {
			dp := h.DataPoints().AppendEmpty()
			for a := range 10 {
				dp.Attributes().PutStr(fmt.Sprintf("a%d", a), strconv.Itoa(i))
			}
			dp.BucketCounts().FromRaw(make([]uint64, 20))
			dp.ExplicitBounds().FromRaw(make([]float64, 19))
			dp.SetTimestamp(1_700_000_000_000_000_000)
		}
		body := encodeOTLP(t, md, false)
		if err := checkOTLPBody(body, false, metricsShape); err != nil {
			t.Fatalf("a batch of 8,192 points refused: %v", err)
		}
	})
}
