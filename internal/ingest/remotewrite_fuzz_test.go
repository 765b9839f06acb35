package ingest

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// FuzzRemoteWriteDecode feeds arbitrary protobuf bytes to the decoder and compares it with
// prompb's generated one: whatever prompb reads, ours must read too, and every series we
// keep must satisfy the ingest rules.
func FuzzRemoteWriteDecode(f *testing.F) {
	seeds := [][]prompb.TimeSeries{
		{ts([]prompb.Sample{smp(1, 1000), smp(2, 2000)}, "__name__", "up", "job", "a")},
		{ts([]prompb.Sample{smp(math.NaN(), 1), smp(math.Inf(-1), -5), smp(3, 2), smp(4, 2)},
			"__name__", "x", "__name__", "y", "", "v")},
		{{Labels: []prompb.Label{{Name: "__name__", Value: "h"}},
			Histograms: []prompb.Histogram{{Timestamp: 5}},
			Exemplars:  []prompb.Exemplar{{Value: 1, Timestamp: 2}}}},
	}
	for _, s := range seeds {
		raw, err := (&prompb.WriteRequest{Timeseries: s}).Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte{0x0a, 0x02, 0x13, 0x14})
	f.Fuzz(func(t *testing.T, raw []byte) {
		d := &rwDecoder{raw: raw, cache: newLabelCache()}
		err := d.decode()
		var ref prompb.WriteRequest
		refErr := ref.Unmarshal(raw)
		if refErr == nil && err != nil {
			t.Fatalf("prompb decodes, we fail: %v", err)
		}
		if err != nil {
			return
		}
		checkDecoded(t, d.series)
		if refErr == nil {
			compareToPrompb(t, d.series, &ref)
		}
	})
}

// checkDecoded asserts the invariants every series handed to a sink has.
func checkDecoded(t *testing.T, series []signal.Series) {
	t.Helper()
	for _, s := range series {
		if len(s.Points) == 0 || len(s.Labels) > MaxSeriesLabels {
			t.Fatalf("series kept with %d points and %d labels", len(s.Points), len(s.Labels))
		}
		if checkLabels(s.Labels) != keep {
			t.Fatalf("series kept with bad labels %v", s.Labels)
		}
		for i, p := range s.Points {
			if pointReason(p) != keep || i > 0 && p.T <= s.Points[i-1].T {
				t.Fatalf("bad point kept: %v", s.Points)
			}
		}
	}
}

// compareToPrompb checks that every kept series has the labels and a subsequence of the
// samples prompb decoded for some series.
func compareToPrompb(t *testing.T, series []signal.Series, ref *prompb.WriteRequest) {
	t.Helper()
	want := map[string][]prompb.Sample{}
	for _, s := range ref.Timeseries {
		var ls []signal.Label
		for _, l := range s.Labels {
			if l.Value != "" {
				ls = append(ls, signal.Label{Name: l.Name, Value: l.Value})
			}
		}
		sortLabels(ls)
		k := fmt.Sprint(ls)
		want[k] = append(want[k], s.Samples...)
	}
	for _, s := range series {
		samples, ok := want[fmt.Sprint(s.Labels)]
		if !ok {
			t.Fatalf("series %v not in prompb's decoding", s.Labels)
		}
		for _, p := range s.Points {
			if !hasSample(samples, p) {
				t.Fatalf("point %v of %v not in prompb's decoding", p, s.Labels)
			}
		}
	}
}

func hasSample(ss []prompb.Sample, p signal.Point) bool {
	for _, s := range ss {
		if s.Timestamp == p.T && s.Value == p.V {
			return true
		}
	}
	return false
}

// FuzzRemoteWriteHandler sends arbitrary snappy bodies through the whole handler: it must
// answer 204, 400 or 413 and never panic.
func FuzzRemoteWriteHandler(f *testing.F) {
	f.Add(encodeWrite(f, ts([]prompb.Sample{smp(1, 1)}, "__name__", "up")))
	f.Add([]byte("not snappy"))
	f.Add(snappy.Encode(nil, []byte{0x0a, 0x03, 0x0a, 0x01, 0x0a}))
	h := RemoteWriteHandler(testGuard(), SourceConfig{}, &recordingSink{})
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/x-protobuf")
		r.Header.Set("Content-Encoding", "snappy")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case 204, 400, 413:
		default:
			t.Fatalf("code %d: %s", w.Code, w.Body)
		}
	})
}
