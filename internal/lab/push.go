package lab

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/klauspost/compress/snappy"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/prompb"
)

const remoteWriteType = "application/x-protobuf"

// pushLoop pushes the metrics every push interval until ctx is done. A failed push is
// logged and retried at the next tick: the lab keeps running without its receiver.
func (l *Lab) pushLoop(ctx context.Context) error {
	tick := time.NewTicker(l.cfg.PushInterval)
	defer tick.Stop()
	for {
		if err := l.Push(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("pushing metrics", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Push sends every service's current metrics to the push URL once, by Prometheus
// remote_write 1.0 (snappy-compressed protobuf). Series carry job="lab" and
// instance="<service>" besides their own labels, as a scrape would add target labels.
func (l *Lab) Push(ctx context.Context) error {
	if l.cfg.PushURL == "" {
		return fmt.Errorf("pushing metrics: no push URL configured")
	}
	var req prompb.WriteRequest
	now := l.cfg.Clock.Now().UnixMilli()
	for _, s := range l.cfg.Services {
		mfs, err := l.regs[s.Name].Gather()
		if err != nil {
			return fmt.Errorf("gathering metrics of %s: %w", s.Name, err)
		}
		target := []prompb.Label{{Name: "instance", Value: s.Name}, {Name: "job", Value: "lab"}}
		for _, mf := range mfs {
			req.Timeseries = append(req.Timeseries, toTimeSeries(mf, target, now)...)
		}
	}
	raw, err := req.Marshal()
	if err != nil {
		return fmt.Errorf("encoding remote-write request: %w", err)
	}
	return l.post(ctx, l.cfg.PushURL, remoteWriteType, "snappy", snappy.Encode(nil, raw))
}

// toTimeSeries flattens one metric family as Prometheus stores it: a histogram becomes its
// _bucket, _sum and _count series.
func toTimeSeries(mf *dto.MetricFamily, target []prompb.Label, ms int64) []prompb.TimeSeries {
	var out []prompb.TimeSeries
	add := func(name string, m *dto.Metric, v float64, extra ...prompb.Label) {
		labels := append([]prompb.Label{{Name: "__name__", Value: name}}, target...)
		for _, lp := range m.GetLabel() {
			labels = append(labels, prompb.Label{Name: lp.GetName(), Value: lp.GetValue()})
		}
		labels = append(labels, extra...)
		sort.Slice(labels, func(i, j int) bool { return labels[i].Name < labels[j].Name })
		out = append(out, prompb.TimeSeries{
			Labels: labels, Samples: []prompb.Sample{{Value: v, Timestamp: ms}},
		})
	}
	name := mf.GetName()
	for _, m := range mf.GetMetric() {
		switch mf.GetType() {
		case dto.MetricType_COUNTER:
			add(name, m, m.GetCounter().GetValue())
		case dto.MetricType_GAUGE:
			add(name, m, m.GetGauge().GetValue())
		case dto.MetricType_HISTOGRAM:
			h := m.GetHistogram()
			for _, b := range h.GetBucket() {
				add(name+"_bucket", m, float64(b.GetCumulativeCount()),
					prompb.Label{Name: "le", Value: formatLE(b.GetUpperBound())})
			}
			add(name+"_bucket", m, float64(h.GetSampleCount()),
				prompb.Label{Name: "le", Value: "+Inf"})
			add(name+"_sum", m, h.GetSampleSum())
			add(name+"_count", m, float64(h.GetSampleCount()))
		}
	}
	return out
}

func formatLE(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
