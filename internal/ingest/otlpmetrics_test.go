package ingest

import (
	"bytes"
	"compress/gzip"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

func postOTLP(h http.Handler, body []byte, ct, enc string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/v1/metrics", bytes.NewReader(body))
	r.Header.Set("Content-Type", ct)
	if enc != "" {
		r.Header.Set("Content-Encoding", enc)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// sampleSeries is what the shared OTLP sample payload must turn into.
func sampleSeries() []signal.Series {
	const t = 1544712660300
	one := func(v float64, kv ...string) signal.Series {
		return signal.Series{Labels: lbl(kv...), Points: []signal.Point{{T: t, V: v}}}
	}
	return []signal.Series{
		one(5, "__name__", "my_counter", "my_counter_attr", "some value", "service", "my.service"),
		one(10, "__name__", "my_gauge", "my_gauge_attr", "some value", "service", "my.service"),
		one(2, "__name__", "my_histogram_count", "my_histogram_attr", "some value",
			"service", "my.service"),
		one(2, "__name__", "my_histogram_sum", "my_histogram_attr", "some value",
			"service", "my.service"),
		one(0, "__name__", "my_histogram_min", "my_histogram_attr", "some value",
			"service", "my.service"),
		one(2, "__name__", "my_histogram_max", "my_histogram_attr", "some value",
			"service", "my.service"),
		one(3, "__name__", "my_exponential_histogram_count",
			"my_exponential_histogram_attr", "some value", "service", "my.service"),
		one(10, "__name__", "my_exponential_histogram_sum",
			"my_exponential_histogram_attr", "some value", "service", "my.service"),
		one(0, "__name__", "my_exponential_histogram_min",
			"my_exponential_histogram_attr", "some value", "service", "my.service"),
		one(5, "__name__", "my_exponential_histogram_max",
			"my_exponential_histogram_attr", "some value", "service", "my.service"),
	}
}

func TestOTLPMetricsSample(t *testing.T) {
	jsonBody, err := os.ReadFile("testdata/metrics/otlp_metrics.json")
	if err != nil {
		t.Fatal(err)
	}
	req := pmetricotlp.NewExportRequest()
	if err := req.UnmarshalJSON(jsonBody); err != nil {
		t.Fatal(err)
	}
	protoBody, err := req.MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(protoBody)
	_ = zw.Close()

	cases := []struct {
		name, ct, enc string
		body          []byte
	}{
		{"json", "application/json", "", jsonBody},
		{"protobuf", "application/x-protobuf", "", protoBody},
		{"gzip protobuf", "application/x-protobuf", "gzip", gz.Bytes()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sink := &recordingSink{}
			w := postOTLP(OTLPMetricsHandler(testGuard(), SourceConfig{}, sink), tc.body,
				tc.ct, tc.enc)
			if w.Code != 200 {
				t.Fatalf("code = %d; body %s", w.Code, w.Body)
			}
			if !reflect.DeepEqual(sink.series, sampleSeries()) {
				t.Errorf("got  %v\nwant %v", sink.series, sampleSeries())
			}
			resp := pmetricotlp.NewExportResponse()
			if tc.ct == "application/json" {
				err = resp.UnmarshalJSON(w.Body.Bytes())
			} else {
				err = resp.UnmarshalProto(w.Body.Bytes())
			}
			if err != nil || resp.PartialSuccess().RejectedDataPoints() != 0 {
				t.Errorf("response %q: %v", w.Body, err)
			}
		})
	}
}

// gaugeRequest builds a protobuf request with one gauge point per value.
func gaugeRequest(t *testing.T, ts pcommon.Timestamp, vs ...float64) []byte {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "api")
	rm.Resource().Attributes().PutStr("process.pid", "1234") // not a label
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("queue.depth")
	g := m.SetEmptyGauge()
	for _, v := range vs {
		dp := g.DataPoints().AppendEmpty()
		dp.SetDoubleValue(v)
		dp.SetTimestamp(ts)
	}
	return encodeOTLP(t, md, false)
}

// badAttrRequest is one gauge point whose attribute value is not valid UTF-8.
func badAttrRequest(t *testing.T, ts pcommon.Timestamp) []byte {
	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("queue.depth")
	dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.Attributes().PutStr("bad", "\xff\xfeX")
	dp.SetDoubleValue(1)
	dp.SetTimestamp(ts)
	return encodeOTLP(t, md, false)
}

// namelessRequest is a gauge point and a histogram point whose metrics have no name, and a
// named gauge point.
func namelessRequest(t *testing.T, ts pcommon.Timestamp) []byte {
	md := pmetric.NewMetrics()
	ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
	g := ms.AppendEmpty().SetEmptyGauge().DataPoints().AppendEmpty()
	g.SetDoubleValue(1)
	g.SetTimestamp(ts)
	h := ms.AppendEmpty().SetEmptyHistogram().DataPoints().AppendEmpty()
	h.SetCount(2)
	h.SetSum(3)
	h.SetTimestamp(ts)
	named := ms.AppendEmpty()
	named.SetName("up")
	dp := named.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetDoubleValue(1)
	dp.SetTimestamp(ts)
	return encodeOTLP(t, md, false)
}

func TestOTLPMetricsBadInput(t *testing.T) {
	const ns = 1_700_000_000_000_000_000
	cases := []struct {
		name     string
		body     []byte
		ct, enc  string
		code     int
		kept     int
		rejected int64
		reason   string // in the partial success message
	}{
		{name: "good", body: gaugeRequest(t, ns, 1), code: 200, kept: 1},
		{name: "bad values partially rejected", code: 200, kept: 1, rejected: 2,
			body: gaugeRequest(t, ns, math.NaN(), math.Inf(1), 4)},
		{name: "no timestamp", body: gaugeRequest(t, 0, 1), code: 200, rejected: 1},
		{name: "int64 max timestamp", body: gaugeRequest(t, math.MaxInt64, 1), code: 200,
			rejected: 1, reason: "future_timestamp"},
		{name: "uint64 max timestamp", body: gaugeRequest(t, math.MaxUint64, 1), code: 200,
			rejected: 1, reason: "future_timestamp"},
		{name: "an hour ahead", code: 200, rejected: 1, reason: "future_timestamp",
			body: gaugeRequest(t, pcommon.NewTimestampFromTime(time.Now().Add(time.Hour)), 1)},
		{name: "a minute ahead", code: 200, kept: 1,
			body: gaugeRequest(t, pcommon.NewTimestampFromTime(time.Now().Add(time.Minute)), 1)},
		{name: "invalid UTF-8 attribute", code: 200, rejected: 1, reason: "invalid_label",
			body: badAttrRequest(t, ns)},
		{name: "no metric name", code: 200, kept: 1, rejected: 2, reason: "no_metric_name",
			body: namelessRequest(t, ns)},
		{name: "not protobuf", body: []byte{0x0a, 0xff, 0xff}, code: 400},
		{name: "not json", body: []byte("{"), ct: "application/json", code: 400},
		{name: "text", body: []byte("x"), ct: "text/plain", code: 415},
		{name: "bad gzip", body: []byte("x"), enc: "gzip", code: 400},
		{name: "brotli", body: []byte("x"), enc: "br", code: 415},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ct == "" {
				tc.ct = "application/x-protobuf"
			}
			sink := &recordingSink{}
			w := postOTLP(OTLPMetricsHandler(testGuard(), SourceConfig{}, sink), tc.body,
				tc.ct, tc.enc)
			if w.Code != tc.code {
				t.Fatalf("code = %d, want %d; body %s", w.Code, tc.code, w.Body)
			}
			if len(sink.series) != tc.kept {
				t.Errorf("kept %d series, want %d: %v", len(sink.series), tc.kept, sink.series)
			}
			if tc.code != 200 {
				return
			}
			resp := pmetricotlp.NewExportResponse()
			if err := resp.UnmarshalProto(w.Body.Bytes()); err != nil {
				t.Fatal(err)
			}
			if got := resp.PartialSuccess().RejectedDataPoints(); got != tc.rejected {
				t.Errorf("rejected = %d, want %d", got, tc.rejected)
			}
			if msg := resp.PartialSuccess().ErrorMessage(); !strings.Contains(msg, tc.reason) {
				t.Errorf("partial success message %q does not name %s", msg, tc.reason)
			}
		})
	}
}

func TestPromName(t *testing.T) {
	cases := map[string]string{
		"http.server.duration": "http_server_duration",
		"ok_name:sub":          "ok_name:sub",
		"9lives":               "_9lives",
		"":                     "_",
		"naïve":                "na_ve",
	}
	for in, want := range cases {
		if got := promName(in); got != want {
			t.Errorf("promName(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzOTLPMetricsDecode feeds arbitrary bytes as protobuf and JSON: the decoder must not
// panic, every series it returns must satisfy the ingest rules, and the same bytes must
// always give the same series, or one sender's series would change identity.
func FuzzOTLPMetricsDecode(f *testing.F) {
	if b, err := os.ReadFile("testdata/metrics/otlp_metrics.json"); err == nil {
		f.Add(b, true)
		req := pmetricotlp.NewExportRequest()
		if req.UnmarshalJSON(b) == nil {
			if pb, err := req.MarshalProto(); err == nil {
				f.Add(pb, false)
			}
		}
	}
	f.Add([]byte(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"x",`+
		`"gauge":{"dataPoints":[{"asDouble":"NaN","timeUnixNano":"1"}]}}]}]}]}`), true)
	f.Add([]byte(`{"resourceMetrics":[{"resource":{"attributes":[{"key":"host.name",`+
		`"value":{"stringValue":"n1"}}]},"scopeMetrics":[{"metrics":[{"name":"x","gauge":`+
		`{"dataPoints":[{"asDouble":1,"timeUnixNano":"1","attributes":[{"key":"host",`+
		`"value":{"stringValue":"h"}},{"key":"k.x","value":{"stringValue":"1"}},`+
		`{"key":"k_x","value":{"stringValue":"2"}}]}]}}]}]}]}`), true)
	f.Fuzz(func(t *testing.T, body []byte, isJSON bool) {
		now := time.Now()
		series, _, err := DecodeOTLPMetrics(body, isJSON, now)
		if err != nil {
			return
		}
		checkDecoded(t, series)
		again, _, _ := DecodeOTLPMetrics(body, isJSON, now)
		if !reflect.DeepEqual(series, again) {
			t.Fatalf("decoded twice, got\n%v\nthen\n%v", series, again)
		}
	})
}
