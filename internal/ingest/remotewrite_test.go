package ingest

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/prompb"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// recordingSink keeps deep copies of what it is given, as a real sink must, since the
// handlers reuse their slices.
type recordingSink struct {
	mu     sync.Mutex
	series []signal.Series
	err    error
}

func (s *recordingSink) AcceptSeries(_ context.Context, in []signal.Series) error {
	if s.err != nil {
		return s.err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range in {
		s.series = append(s.series, signal.Series{
			Labels: append([]signal.Label(nil), x.Labels...),
			Points: append([]signal.Point(nil), x.Points...),
		})
	}
	return nil
}

func testGuard() *Guard {
	return &Guard{
		Metrics: NewMetrics(prometheus.NewRegistry()),
		Log:     slog.New(slog.DiscardHandler),
		Now:     time.Now,
	}
}

// ts builds a prompb series from alternating label names and values.
func ts(samples []prompb.Sample, kv ...string) prompb.TimeSeries {
	var ls []prompb.Label
	for i := 0; i+1 < len(kv); i += 2 {
		ls = append(ls, prompb.Label{Name: kv[i], Value: kv[i+1]})
	}
	return prompb.TimeSeries{Labels: ls, Samples: samples}
}

func smp(v float64, t int64) prompb.Sample { return prompb.Sample{Value: v, Timestamp: t} }

func encodeWrite(t testing.TB, series ...prompb.TimeSeries) []byte {
	t.Helper()
	raw, err := (&prompb.WriteRequest{Timeseries: series}).Marshal()
	if err != nil {
		t.Fatalf("marshalling write request: %v", err)
	}
	return snappy.Encode(nil, raw)
}

func postWrite(h http.Handler, body []byte, hdr map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/api/v1/ingest/remote-write",
		bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-protobuf")
	r.Header.Set("Content-Encoding", "snappy")
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func lbl(kv ...string) []signal.Label {
	var ls []signal.Label
	for i := 0; i+1 < len(kv); i += 2 {
		ls = append(ls, signal.Label{Name: kv[i], Value: kv[i+1]})
	}
	return ls
}

func pts(tv ...float64) []signal.Point {
	var ps []signal.Point
	for i := 0; i+1 < len(tv); i += 2 {
		ps = append(ps, signal.Point{T: int64(tv[i]), V: tv[i+1]})
	}
	return ps
}

func TestRemoteWriteSamples(t *testing.T) {
	staleNaNValue := math.Float64frombits(staleNaN)
	manyLabels := []string{"__name__", "m"}
	for i := range MaxSeriesLabels {
		manyLabels = append(manyLabels, "l"+strings.Repeat("x", i), "v")
	}
	cases := []struct {
		name   string
		series []prompb.TimeSeries
		code   int
		want   []signal.Series
		drops  map[string]float64
	}{{
		name: "labels sorted and empty values dropped",
		series: []prompb.TimeSeries{
			ts([]prompb.Sample{smp(1, 1000), smp(2, 2000)},
				"job", "api", "__name__", "up", "empty", ""),
		},
		code: 204,
		want: []signal.Series{{Labels: lbl("__name__", "up", "job", "api"),
			Points: pts(1000, 1, 2000, 2)}},
	}, {
		name: "stale markers dropped but not an error",
		series: []prompb.TimeSeries{
			ts([]prompb.Sample{smp(staleNaNValue, 1000)}, "__name__", "up"),
		},
		code:  204,
		drops: map[string]float64{"stale_marker": 1},
	}, {
		name: "bad values dropped, good kept",
		series: []prompb.TimeSeries{ts([]prompb.Sample{
			smp(math.NaN(), 1), smp(math.Inf(1), 2), smp(math.Inf(-1), 3),
			smp(5, -4), smp(6, 10), smp(7, 10), smp(8, 9), smp(9, 11),
		}, "__name__", "x")},
		code: 204,
		want: []signal.Series{{Labels: lbl("__name__", "x"), Points: pts(10, 6, 11, 9)}},
		drops: map[string]float64{"nan": 1, "inf": 2, "negative_timestamp": 1,
			"duplicate_timestamp": 1, "out_of_order": 1},
	}, {
		// Kept, a sample far ahead made every real sample after it out of order, here
		// and in the detector, which saw the series' latest time as the year 33658.
		name: "future timestamps dropped before the order check",
		series: []prompb.TimeSeries{ts([]prompb.Sample{
			smp(1, 1_000_000_000_000_000), smp(1, math.MaxInt64), smp(2, 10), smp(3, 11),
			smp(4, time.Now().Add(MaxFutureSkew+time.Minute).UnixMilli()),
		}, "__name__", "m_fut", "job", "x")},
		code: 204,
		want: []signal.Series{{Labels: lbl("__name__", "m_fut", "job", "x"),
			Points: pts(10, 2, 11, 3)}},
		drops: map[string]float64{"future_timestamp": 3},
	}, {
		name: "only future timestamps is a 400",
		series: []prompb.TimeSeries{
			ts([]prompb.Sample{smp(1, 1_000_000_000_000_000)}, "__name__", "m_fut"),
		},
		code:  400,
		drops: map[string]float64{"future_timestamp": 1},
	}, {
		name: "bad label sets dropped, others kept",
		series: []prompb.TimeSeries{
			ts([]prompb.Sample{smp(1, 1)}, "__name__", "a", "", "v"),
			ts([]prompb.Sample{smp(1, 1)}, "__name__", "a", "x", "1", "x", "2"),
			ts([]prompb.Sample{smp(1, 1)}, "job", "no-name"),
			ts([]prompb.Sample{smp(1, 1)}, manyLabels...),
			ts([]prompb.Sample{smp(1, 1)}, "__name__", "big", "v", strings.Repeat("x", 9000)),
			ts([]prompb.Sample{smp(1, 1)}, "__name__", "bad\xffutf8"),
			ts([]prompb.Sample{smp(3, 1)}, "__name__", "ok"),
		},
		code: 204,
		want: []signal.Series{{Labels: lbl("__name__", "ok"), Points: pts(1, 3)}},
		drops: map[string]float64{"invalid_label": 3, "no_metric_name": 1,
			"label_limit": 2},
	}, {
		name: "all invalid is a 400",
		series: []prompb.TimeSeries{
			ts([]prompb.Sample{smp(math.Inf(1), 1)}, "__name__", "x"),
		},
		code:  400,
		drops: map[string]float64{"inf": 1},
	}, {
		name: "native histograms counted",
		series: []prompb.TimeSeries{{
			Labels:     []prompb.Label{{Name: "__name__", Value: "h"}},
			Histograms: []prompb.Histogram{{Timestamp: 5}},
		}},
		code:  204,
		drops: map[string]float64{"native_histogram": 1},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := dropSnapshot(RemoteWriteSource)
			sink := &recordingSink{}
			h := RemoteWriteHandler(testGuard(), SourceConfig{}, sink)

			w := postWrite(h, encodeWrite(t, tc.series...), nil)
			if w.Code != tc.code {
				t.Fatalf("code = %d, want %d; body %s", w.Code, tc.code, w.Body)
			}
			if !reflect.DeepEqual(sink.series, tc.want) {
				t.Errorf("sink got %v, want %v", sink.series, tc.want)
			}
			if got := dropDelta(RemoteWriteSource, before); !reflect.DeepEqual(got,
				nonNil(tc.drops)) {
				t.Errorf("dropped = %v, want %v", got, tc.drops)
			}
		})
	}
}

func nonNil(m map[string]float64) map[string]float64 {
	if m == nil {
		return map[string]float64{}
	}
	return m
}

// dropSnapshot reads the dropped-samples counter for every reason of a source.
func dropSnapshot(source string) map[string]float64 {
	m := map[string]float64{}
	for r := dropStale; r < numDropReasons; r++ {
		m[r.String()] = counterValue(seriesMetrics.dropped.WithLabelValues(source, r.String()))
	}
	return m
}

func dropDelta(source string, before map[string]float64) map[string]float64 {
	d := map[string]float64{}
	for k, v := range dropSnapshot(source) {
		if v != before[k] {
			d[k] = v - before[k]
		}
	}
	return d
}

func TestRemoteWriteRejects(t *testing.T) {
	good := encodeWrite(t, ts([]prompb.Sample{smp(1, 1)}, "__name__", "up"))
	huge := make([]byte, MaxBodyBytes+1)
	bomb := append([]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 0) // claims a 4 GiB decoded body
	cases := []struct {
		name string
		body []byte
		hdr  map[string]string
		cfg  SourceConfig
		err  error
		code int
	}{
		{name: "ok", body: good, code: 204},
		{name: "ok with proto parameter", body: good, code: 204, hdr: map[string]string{
			"Content-Type": "application/x-protobuf;proto=prometheus.WriteRequest"}},
		{name: "json", body: good, code: 415,
			hdr: map[string]string{"Content-Type": "application/json"}},
		{name: "remote write 2.0", body: good, code: 415, hdr: map[string]string{
			"Content-Type": "application/x-protobuf;proto=io.prometheus.write.v2.Request"}},
		{name: "gzip", body: good, code: 415,
			hdr: map[string]string{"Content-Encoding": "gzip"}},
		{name: "not snappy", body: []byte("hello, world"), code: 400},
		{name: "snappy bomb", body: bomb, code: 413},
		// Six bytes that claim 128 MiB: within the decode limit, but no six bytes of
		// snappy can hold it.
		{name: "snappy claim", body: []byte{0x80, 0x80, 0x80, 0x40, 0, 0}, code: 400},
		{name: "not protobuf", body: snappy.Encode(nil, []byte{0x0a, 0xff}), code: 400},
		{name: "wrong wire type", body: snappy.Encode(nil, []byte{0x08, 0x01}), code: 400},
		{name: "too large", body: huge, code: 413},
		{name: "missing token", body: good, cfg: SourceConfig{Token: "s3cret"}, code: 401},
		{name: "token", body: good, cfg: SourceConfig{Token: "s3cret"}, code: 204,
			hdr: map[string]string{"Authorization": "Bearer s3cret"}},
		{name: "sink fails", body: good, err: errors.New("disk full"), code: 503},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sink := &recordingSink{err: tc.err}
			h := RemoteWriteHandler(testGuard(), tc.cfg, sink)
			w := postWrite(h, tc.body, tc.hdr)
			if w.Code != tc.code {
				t.Fatalf("code = %d, want %d; body %s", w.Code, tc.code, w.Body)
			}
			if tc.code != 204 && len(sink.series) != 0 {
				t.Errorf("rejected request reached the sink: %v", sink.series)
			}
		})
	}
}

// TestSnappyClaimAllocatesNothing: a body whose header claims more than it can hold is
// refused before the decode buffer is allocated (it used to cost 128 MiB per request),
// and the densest real body, zeros, still decodes.
func TestSnappyClaimAllocatesNothing(t *testing.T) {
	h := RemoteWriteHandler(testGuard(), SourceConfig{}, &recordingSink{})
	claim := []byte{0x80, 0x80, 0x80, 0x40, 0, 0}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 5 {
		if w := postWrite(h, claim, nil); w.Code != 400 ||
			!strings.Contains(w.Body.String(), "more than 6 compressed bytes can hold") {
			t.Fatalf("code %d: %s", w.Code, w.Body)
		}
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
		t.Errorf("five refused 6-byte bodies allocated %d bytes", got)
	}

	zeros := snappy.Encode(nil, make([]byte, 4<<20))
	if n := len(zeros); maxSnappyExpansion(n) < 4<<20 {
		t.Fatalf("4 MiB of zeros compress to %d bytes, beyond the bound's %d", n,
			maxSnappyExpansion(n))
	}
	var d rwDecoder
	hold := &budgetHold{}
	defer hold.release()
	if err := d.decompress(context.Background(), zeros, hold); err != nil {
		t.Errorf("4 MiB of zeros in %d snappy bytes: %v", len(zeros), err)
	}
}

// TestRemoteWriteReuse checks that a second request does not change what the first handed
// over: label strings must be stable even though the decode buffers are reused.
func TestRemoteWriteReuse(t *testing.T) {
	var kept []signal.Label
	sink := sinkFunc(func(s []signal.Series) error {
		if kept == nil {
			kept = s[0].Labels[:len(s[0].Labels):len(s[0].Labels)]
			kept = append([]signal.Label(nil), kept...)
		}
		return nil
	})
	h := RemoteWriteHandler(testGuard(), SourceConfig{}, sink)
	for _, name := range []string{"first", "second"} {
		body := encodeWrite(t, ts([]prompb.Sample{smp(1, 1)}, "__name__", name))
		if w := postWrite(h, body, nil); w.Code != 204 {
			t.Fatalf("code = %d; body %s", w.Code, w.Body)
		}
	}
	if want := lbl("__name__", "first"); !reflect.DeepEqual(kept, want) {
		t.Errorf("kept labels = %v, want %v", kept, want)
	}
}

type sinkFunc func([]signal.Series) error

func (f sinkFunc) AcceptSeries(_ context.Context, s []signal.Series) error { return f(s) }

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

// refSink hands out a reference per label set, as the detect engine does, and forgets
// the ones listed in forget, as an engine that evicted them would.
type refSink struct {
	refs   map[string]uint64
	forget map[uint64]bool
	got    []string // per series: its labels, or "ref" for a series by reference
	points int
}

func (s *refSink) AcceptSeries(_ context.Context, in []signal.Series) error {
	for i := range in {
		x := &in[i]
		if x.Labels == nil {
			if s.forget[x.Ref] {
				x.Ref = 0
				continue
			}
			s.got = append(s.got, "ref")
			s.points += len(x.Points)
			continue
		}
		k := signal.SeriesKey(x.Labels)
		if s.refs[k] == 0 {
			s.refs[k] = uint64(len(s.refs) + 1)
		}
		x.Ref = s.refs[k]
		s.got = append(s.got, k)
		s.points += len(x.Points)
	}
	return nil
}

// TestRemoteWriteRefs checks that a label set seen before goes by the sink's reference
// without labels, and that a reference the sink has forgotten is sent again, in the
// same request, with the labels.
func TestRemoteWriteRefs(t *testing.T) {
	sink := &refSink{refs: map[string]uint64{}, forget: map[uint64]bool{}}
	h := RemoteWriteHandler(testGuard(), SourceConfig{}, sink)
	send := func(pods ...string) {
		t.Helper()
		var series []prompb.TimeSeries
		for _, p := range pods {
			series = append(series, ts([]prompb.Sample{smp(1, 1)}, "__name__", "up", "pod", p))
		}
		if w := postWrite(h, encodeWrite(t, series...), nil); w.Code != 204 {
			t.Fatalf("code = %d; body %s", w.Code, w.Body)
		}
	}
	send("a")
	send("a", "b")
	sink.forget[1] = true // a is evicted
	send("a", "b")
	want := []string{`up{pod="a"}`, "ref", `up{pod="b"}`, "ref", `up{pod="a"}`}
	if !reflect.DeepEqual(sink.got, want) || sink.points != 5 {
		t.Errorf("sink got %q and %d points, want %q and 5", sink.got, sink.points, want)
	}
}
