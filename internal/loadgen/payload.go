package loadgen

import (
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// timestampBytes is the varint width of every timestamp the generator writes. Unix
// milliseconds from 2001 to 2109 take exactly six bytes, so a batch encoded once can be
// patched in place for every later round.
const timestampBytes = 6

// batch is one remote_write request's worth of series, encoded once as an uncompressed
// WriteRequest; each round patches the values and timestamps at the recorded offsets.
type batch struct {
	first   int // index of the first series
	raw     []byte
	values  []int // offsets of the 8-byte sample values
	times   []int // offsets of the 6-byte sample timestamps
	samples int
}

// seriesLabels returns the sorted label names and values of series i: eight labels shaped
// like a service's request metrics, with a unique series label.
func seriesLabels(i int) [][2]string {
	methods := [...]string{"GET", "POST", "PUT", "DELETE"}
	codes := [...]string{"200", "201", "404", "500", "503"}
	return [][2]string{
		{"__name__", fmt.Sprintf("loadgen_metric_%d", i%50)},
		{"code", codes[i%len(codes)]},
		{"handler", fmt.Sprintf("/api/v1/resource/%d", i%20)},
		{"instance", fmt.Sprintf("10.1.%d.%d:9100", i/256%256, i%256)},
		{"job", "loadgen"},
		{"method", methods[i%len(methods)]},
		{"region", fmt.Sprintf("region-%d", i%4)},
		{"series", fmt.Sprint(i)},
	}
}

// newBatch encodes series [first, first+n) with one sample each.
func newBatch(first, n int) *batch {
	b := &batch{first: first, samples: n}
	for i := first; i < first+n; i++ {
		var ts []byte
		for _, l := range seriesLabels(i) {
			var lb []byte
			lb = protowire.AppendTag(lb, 1, protowire.BytesType)
			lb = protowire.AppendString(lb, l[0])
			lb = protowire.AppendTag(lb, 2, protowire.BytesType)
			lb = protowire.AppendString(lb, l[1])
			ts = protowire.AppendTag(ts, 1, protowire.BytesType)
			ts = protowire.AppendBytes(ts, lb)
		}
		// Sample: value (tag, 8 bytes), timestamp (tag, 6 bytes) = 16 bytes.
		ts = protowire.AppendTag(ts, 2, protowire.BytesType)
		ts = protowire.AppendVarint(ts, 16)
		valueAt := len(ts) + 1
		ts = protowire.AppendTag(ts, 1, protowire.Fixed64Type)
		ts = protowire.AppendFixed64(ts, 0)
		timeAt := len(ts) + 1
		ts = protowire.AppendTag(ts, 2, protowire.VarintType)
		ts = append(ts, make([]byte, timestampBytes)...)

		b.raw = protowire.AppendTag(b.raw, 1, protowire.BytesType)
		b.raw = protowire.AppendVarint(b.raw, uint64(len(ts)))
		base := len(b.raw)
		b.raw = append(b.raw, ts...)
		b.values = append(b.values, base+valueAt)
		b.times = append(b.times, base+timeAt)
	}
	return b
}

// fill writes round r's samples into dst (a copy of b.raw): time t in Unix ms for every
// sample, and the value of the pattern for the series and round. Every pattern moves with
// the round, so that no receiver can skip a sample as a repeat.
func (b *batch) fill(dst []byte, t int64, r int, p Pattern) {
	for i, off := range b.values {
		bits := math.Float64bits(p.value(b.first+i, r))
		for k := range 8 {
			dst[off+k] = byte(bits >> (8 * k))
		}
		putTimestamp(dst[b.times[i]:], t)
	}
}

// Pattern is the shape of the values the generator sends.
type Pattern string

// The patterns. Steady is what most real series look like to a detector: noise around a
// level that differs between series. Sawtooth climbs by one each round and falls back
// every 100 rounds. It was meant to make every series of a detecting receiver fire on
// each fall; it does not: a gauge that only rose for 30 samples and then fell by more
// than half is taken for a counter that was reset, so CEREBRO watches its rate, which is
// steady. It exercises that path, not the signal path.
const (
	Steady   Pattern = "steady"
	Sawtooth Pattern = "sawtooth"
)

// value returns series i's value in round r.
func (p Pattern) value(i, r int) float64 {
	if p == Sawtooth {
		return float64((i*7+r)%100) + 0.5
	}
	level := float64(100 + i%50*10)
	return level * (1 + 0.02*noise(uint64(i)<<24^uint64(r)))
}

// noise returns a value of mean 0 and standard deviation about 1 that depends only on x:
// the sum of four uniform draws from one splitmix64 step, which is close to normal.
func noise(x uint64) float64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	x ^= x >> 31
	var sum float64
	for k := range 4 {
		sum += float64(uint16(x >> (16 * k)))
	}
	// Four uniforms on [0, 65535]: mean 131070, standard deviation 65535/sqrt(3).
	return (sum - 131070) / (65535 / math.Sqrt(3))
}

// putTimestamp writes t as a six-byte varint at the start of dst; t must be below 2^42.
func putTimestamp(dst []byte, t int64) {
	u := uint64(t)
	for k := range timestampBytes - 1 {
		dst[k] = byte(u) | 0x80
		u >>= 7
	}
	dst[timestampBytes-1] = byte(u)
}
