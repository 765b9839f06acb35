package ingest

import (
	"fmt"
	"testing"

	"github.com/prometheus/prometheus/prompb"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// BenchmarkRemoteWrite measures the whole handler on a batch shaped like Prometheus's
// default queue: 2000 series of one sample each with eight labels.
func BenchmarkRemoteWrite(b *testing.B) {
	const n = 2000
	series := make([]prompb.TimeSeries, n)
	for i := range series {
		series[i] = ts([]prompb.Sample{smp(float64(i), 1700000000000)},
			"__name__", "http_requests_total", "job", "api", "instance",
			fmt.Sprintf("10.0.%d.%d:9100", i/256, i%256), "method", "GET",
			"code", "200", "handler", fmt.Sprintf("/v1/item/%d", i%50),
			"namespace", "prod", "pod", fmt.Sprintf("api-%d", i%40))
	}
	body := encodeWrite(b, series...)
	h := RemoteWriteHandler(testGuard(), SourceConfig{}, sinkFunc(func(s []signal.Series) error {
		return nil
	}))
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if w := postWrite(h, body, nil); w.Code != 204 {
				b.Fatalf("code %d: %s", w.Code, w.Body)
			}
		}
	})
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "samples/s")
}
