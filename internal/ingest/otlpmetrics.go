package ingest

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// OTLPMetricsSource is the source name of the OTLP/HTTP metrics route.
const OTLPMetricsSource = "otlp-metrics"

// OTLPMetricsHandler serves OTLP/HTTP metrics (POST /v1/metrics) in protobuf or JSON,
// optionally gzip-compressed. It answers 200 with an ExportMetricsServiceResponse in the
// request's encoding once sink.AcceptSeries has returned; data points that were dropped
// for being invalid are reported in its partial_success. Undecodable bodies get 400, other
// content types 415, oversized bodies 413. Before decoding, a request of more than
// MaxOTLPItems data points and summary quantiles gets 413, and JSON nested too deep for an
// attribute value MaxAnyValueDepth deep gets 400, as does such a value in protobuf
// (checkOTLPBody, anyString): either would cost the process its memory or stack.
//
// Every data point becomes one sample of a series named after the metric, with dots and
// other characters Prometheus does not allow replaced by underscores, and _total added
// to a cumulative monotonic sum that lacks it, as Prometheus's OTLP translation does:
// detection knows counters by that suffix and watches their rates; without it a request
// counter was watched as an ever-rising gauge. A delta sum keeps its name and is watched
// as a gauge of each interval's increment. Limits: a delta histogram's NAME_count and
// NAME_sum are read as cumulative counters, which they are not; send histograms with
// cumulative temporality (the collector's deltatocumulative processor). Labels are the data
// point's attributes, named the same way, plus the resource attributes of resourceLabels
// (service.name becomes service) whose label name no attribute of the point has: the point
// is the more specific (pointLabels). Attributes whose names become the same label (k.x
// and k_x) give one label, their values joined with ";" (mergeAttrs); an attribute named
// __name__, or quantile on a summary, gives way to the series' own. Gauges and sums give
// their value; histograms and exponential histograms give NAME_count, NAME_sum and, when
// the sender recorded them, NAME_min and NAME_max; summaries give NAME_count, NAME_sum and
// NAME{quantile="q"}. Bucket counts are not passed on: detection watches rates and sums,
// and buckets would multiply series tenfold. Points flagged "no recorded value" are
// dropped like staleness markers; NaN, ±Inf, missing times, times more than MaxFutureSkew
// ahead, metrics without a name (no_metric_name) and label sets that are still unusable
// (a value that is not UTF-8, more labels or bytes than MaxSeriesLabels and
// MaxSeriesLabelBytes) are dropped and counted as in RemoteWriteHandler, and reported in
// partial_success (rejected_data_points and error_message) as the OTLP specification asks.
//
// Limits: errors are JSON bodies, not the google.rpc.Status the OTLP spec asks for.
func OTLPMetricsHandler(g *Guard, cfg SourceConfig, sink SeriesSink) http.Handler {
	src := Source{Name: OTLPMetricsSource}
	logs := newDropLog(g.Log, OTLPMetricsSource)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := &Request{Header: r.Header, Query: r.URL.Query(), Config: cfg}
		if err := g.Check(src, req, r); err != nil {
			g.Reject(w, src.Name, err)
			return
		}
		isJSON, err := otlpEncoding(r.Header.Get("Content-Type"))
		if err != nil {
			g.Reject(w, src.Name, err)
			return
		}
		resp, err := serveOTLPMetrics(r, isJSON, g.now(), sink, logs)
		if err != nil {
			g.Reject(w, src.Name, err)
			return
		}
		g.Metrics.Requests.WithLabelValues(src.Name, "200").Inc()
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		_, _ = w.Write(resp)
	})
}

// otlpEncoding tells JSON from protobuf by the content type.
func otlpEncoding(ct string) (isJSON bool, err error) {
	mt := lower(ct)
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = strings.TrimSpace(mt[:i])
	}
	switch mt {
	case "application/x-protobuf":
		return false, nil
	case "application/json":
		return true, nil
	}
	return false, unsupported(fmt.Sprintf("content type %q is not supported; OTLP/HTTP "+
		"needs application/x-protobuf or application/json", ct))
}

// serveOTLPMetrics decodes one request, hands its series to the sink and returns the
// encoded response.
func serveOTLPMetrics(r *http.Request, isJSON bool, now time.Time, sink SeriesSink,
	logs *dropLog) ([]byte, error) {
	body, release, err := readEncodedBody(r, MaxDecodedBytes)
	if err != nil {
		return nil, err
	}
	defer release()
	series, d, err := DecodeOTLPMetrics(body, isJSON, now)
	if err != nil {
		return nil, err
	}
	d.record(OTLPMetricsSource, logs)
	if len(series) > 0 {
		if err := sink.AcceptSeries(r.Context(), series); err != nil {
			return nil, fmt.Errorf("accepting OTLP samples: %w", err)
		}
		countAccepted(OTLPMetricsSource, series)
	}

	resp := pmetricotlp.NewExportResponse()
	if d.invalid > 0 {
		ps := resp.PartialSuccess()
		ps.SetRejectedDataPoints(int64(d.invalid))
		ps.SetErrorMessage(fmt.Sprintf("%d data points dropped, first reason %s", d.invalid,
			d.first))
	}
	if isJSON {
		return resp.MarshalJSON()
	}
	return resp.MarshalProto()
}

// DecodeOTLPMetrics turns an OTLP ExportMetricsServiceRequest into series, one per data
// point and derived value, and reports what it dropped. Points more than MaxFutureSkew
// after now are dropped; a zero now sets no limit.
func DecodeOTLPMetrics(body []byte, isJSON bool, now time.Time) ([]signal.Series, *drops,
	error) {
	if err := checkOTLPBody(body, isJSON, metricsShape); err != nil {
		return nil, nil, err
	}
	req := pmetricotlp.NewExportRequest()
	var err error
	if isJSON {
		err = req.UnmarshalJSON(body)
	} else {
		err = req.UnmarshalProto(body)
	}
	if err != nil {
		return nil, nil, Errorf("decoding OTLP metrics request: %v", err)
	}
	c := &otlpConverter{drops: &drops{}}
	if !now.IsZero() {
		c.drops.notAfter = futureLimit(now)
	}
	rms := req.Metrics().ResourceMetrics()
	for i := 0; i < rms.Len() && c.err == nil; i++ {
		rm := rms.At(i)
		c.setResource(rm.Resource().Attributes())
		sms := rm.ScopeMetrics()
		for j := range sms.Len() {
			ms := sms.At(j).Metrics()
			for k := range ms.Len() {
				c.metric(ms.At(k))
			}
		}
	}
	if c.err != nil {
		return nil, nil, c.err
	}
	return c.series, c.drops, nil
}

// otlpConverter accumulates the series of one request.
type otlpConverter struct {
	resource []signal.Label // of the current ResourceMetrics, sorted by name
	series   []signal.Series
	drops    *drops
	scratch  []attrLabel    // reused by setResource and pointLabels
	base     []signal.Label // reused by pointLabels
	// err refuses the whole request: an attribute nested past MaxAnyValueDepth is no
	// telemetry but an attack or a broken sender, and pdata's JSON gets a 400 for the
	// same before decoding (checkOTLPBody).
	err error
}

// metric converts every data point of one metric. A metric without a name has its points
// dropped as no_metric_name, as remote_write drops a series without __name__: promName
// would call it "_", one series mixing whatever every nameless metric measures.
func (c *otlpConverter) metric(m pmetric.Metric) {
	if c.err != nil {
		return
	}
	if m.Name() == "" {
		c.drops.add(dropNoName, pointCount(m))
		return
	}
	name := promName(m.Name())
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		c.numbers(name, m.Gauge().DataPoints())
	case pmetric.MetricTypeSum:
		s := m.Sum()
		if s.IsMonotonic() && s.AggregationTemporality() ==
			pmetric.AggregationTemporalityCumulative && !strings.HasSuffix(name, "_total") {
			name += "_total"
		}
		c.numbers(name, s.DataPoints())
	case pmetric.MetricTypeHistogram:
		c.histograms(name, m.Histogram().DataPoints())
	case pmetric.MetricTypeExponentialHistogram:
		c.expHistograms(name, m.ExponentialHistogram().DataPoints())
	case pmetric.MetricTypeSummary:
		c.summaries(name, m.Summary().DataPoints())
	default:
		c.drops.add(dropUnsupported, 1)
	}
}

// pointCount is the number of data points of a metric.
func pointCount(m pmetric.Metric) int {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return m.Gauge().DataPoints().Len()
	case pmetric.MetricTypeSum:
		return m.Sum().DataPoints().Len()
	case pmetric.MetricTypeHistogram:
		return m.Histogram().DataPoints().Len()
	case pmetric.MetricTypeExponentialHistogram:
		return m.ExponentialHistogram().DataPoints().Len()
	case pmetric.MetricTypeSummary:
		return m.Summary().DataPoints().Len()
	}
	return 0
}

func (c *otlpConverter) numbers(name string, dps pmetric.NumberDataPointSlice) {
	for i := range dps.Len() {
		dp := dps.At(i)
		base := c.pointLabels(dp.Attributes())
		v := dp.DoubleValue()
		if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
			v = float64(dp.IntValue())
		}
		c.add(name, base, dp.Timestamp(), dp.Flags(), v, nil)
	}
}

func (c *otlpConverter) histograms(name string, dps pmetric.HistogramDataPointSlice) {
	for i := range dps.Len() {
		dp := dps.At(i)
		base := c.pointLabels(dp.Attributes())
		c.aggregate(name, base, dp.Timestamp(), dp.Flags(), dp.Count(), dp.HasSum(), dp.Sum())
		if dp.HasMin() {
			c.add(name+"_min", base, dp.Timestamp(), dp.Flags(), dp.Min(), nil)
		}
		if dp.HasMax() {
			c.add(name+"_max", base, dp.Timestamp(), dp.Flags(), dp.Max(), nil)
		}
	}
}

func (c *otlpConverter) expHistograms(name string,
	dps pmetric.ExponentialHistogramDataPointSlice) {
	for i := range dps.Len() {
		dp := dps.At(i)
		base := c.pointLabels(dp.Attributes())
		c.aggregate(name, base, dp.Timestamp(), dp.Flags(), dp.Count(), dp.HasSum(), dp.Sum())
		if dp.HasMin() {
			c.add(name+"_min", base, dp.Timestamp(), dp.Flags(), dp.Min(), nil)
		}
		if dp.HasMax() {
			c.add(name+"_max", base, dp.Timestamp(), dp.Flags(), dp.Max(), nil)
		}
	}
}

func (c *otlpConverter) summaries(name string, dps pmetric.SummaryDataPointSlice) {
	for i := range dps.Len() {
		dp := dps.At(i)
		base := c.pointLabels(dp.Attributes())
		c.aggregate(name, base, dp.Timestamp(), dp.Flags(), dp.Count(), true, dp.Sum())
		qs := dp.QuantileValues()
		for j := range qs.Len() {
			q := qs.At(j)
			extra := []signal.Label{{Name: "quantile", Value: fmt.Sprint(q.Quantile())}}
			c.add(name, base, dp.Timestamp(), dp.Flags(), q.Value(), extra)
		}
	}
}

// aggregate adds the _count and _sum series of a histogram or summary point.
func (c *otlpConverter) aggregate(name string, base []signal.Label, ts pcommon.Timestamp,
	flags pmetric.DataPointFlags, count uint64, hasSum bool, sum float64) {
	c.add(name+"_count", base, ts, flags, float64(count), nil)
	if hasSum {
		c.add(name+"_sum", base, ts, flags, sum, nil)
	}
}

// add appends one sample as its own series, or counts why it was dropped. base is the
// point's labels (pointLabels).
func (c *otlpConverter) add(name string, base []signal.Label, ts pcommon.Timestamp,
	flags pmetric.DataPointFlags, v float64, extra []signal.Label) {
	if flags.NoRecordedValue() {
		c.drops.add(dropStale, 1)
		return
	}
	if ts == 0 {
		c.drops.add(dropNoTime, 1)
		return
	}
	ls := seriesLabels(name, base, extra)
	if bad := checkLabels(ls); bad != keep {
		c.drops.add(bad, 1)
		return
	}
	p := signal.Point{T: otlpMillis(ts), V: v}
	if r := c.drops.check(p); r != keep {
		c.drops.add(r, 1)
		return
	}
	c.series = append(c.series, signal.Series{Labels: ls, Points: []signal.Point{p}})
}

// otlpMillis converts OTLP's unsigned nanoseconds to Unix milliseconds. Values past
// int64 are kept positive (and so later refused as in the future), not wrapped negative.
func otlpMillis(ts pcommon.Timestamp) int64 {
	return int64(uint64(ts) / 1e6)
}

// promName replaces the characters a Prometheus metric or label name may not hold with
// underscores, and prefixes one that starts with a digit.
func promName(s string) string {
	ok := s != ""
	for i, r := range s {
		if !nameChar(r, i) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		b.WriteByte('_')
	}
	for _, r := range s {
		if nameChar(r, 1) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func nameChar(r rune, i int) bool {
	return r == '_' || r == ':' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' ||
		i > 0 && '0' <= r && r <= '9'
}
