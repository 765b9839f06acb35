package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// RemoteWriteSource is the source name of the Prometheus remote_write route, used for
// authentication, metrics and logs.
const RemoteWriteSource = "remote-write"

// MaxDecodedBytes caps the snappy-decoded size of one remote_write body. The snappy header
// declares the decoded length, so without a cap a tiny body could make the server allocate
// gigabytes. 128 MiB is above what a 16 MiB body of real samples decodes to.
const MaxDecodedBytes = 128 << 20

// remoteWriteContentType is the media type of remote_write 1.0; 2.0 announces itself with a
// proto= parameter naming io.prometheus.write.v2.Request and is refused with 415.
const remoteWriteContentType = "application/x-protobuf"

// RemoteWriteHandler serves Prometheus remote_write 1.0: a snappy block-compressed
// prompb.WriteRequest. It answers 204 once sink.AcceptSeries has returned, 400 for a body
// that is not snappy or not a WriteRequest, 415 for another content type or encoding, 413
// above MaxBodyBytes and 503 when the sink fails, so that Prometheus retries.
//
// Samples that cannot feed detection are dropped and counted by reason in
// cerebro_ingest_dropped_samples_total (see SeriesCollectors): staleness markers, other
// NaN, ±Inf, negative timestamps, timestamps more than MaxFutureSkew ahead of the server's
// clock, samples not after the previous one of the same series in
// the request, native histograms, and every sample of a series whose labels break the
// rules of checkLabels. The rest of the request is accepted. A request in which every
// sample was dropped for being invalid (staleness markers are valid) answers 400 naming
// the first reason, so that a misconfigured sender learns of it.
//
// The handler reuses the Series, label and point slices it passes to the sink once
// AcceptSeries has returned: a sink must copy what it keeps beyond the call. Label strings
// are immutable and safe to keep.
func RemoteWriteHandler(g *Guard, cfg SourceConfig, sink SeriesSink) http.Handler {
	src := Source{Name: RemoteWriteSource}
	rw := &remoteWrite{g: g, sink: sink, cache: newLabelCache(),
		logs: newDropLog(g.Log, RemoteWriteSource)}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := &Request{Header: r.Header, Query: r.URL.Query(), Config: cfg}
		if err := g.Check(src, req, r); err != nil {
			g.Reject(w, src.Name, err)
			return
		}
		if err := checkRemoteWriteHeaders(r.Header); err != nil {
			g.Reject(w, src.Name, err)
			return
		}
		if err := rw.serve(r); err != nil {
			g.Reject(w, src.Name, err)
			return
		}
		g.Metrics.Requests.WithLabelValues(src.Name, "204").Inc()
		w.WriteHeader(http.StatusNoContent)
	})
}

// remoteWrite is the state one remote_write route shares between requests.
type remoteWrite struct {
	g     *Guard
	sink  SeriesSink
	cache *labelCache
	logs  *dropLog
}

// serve reads, decodes and hands one request to the sink.
func (rw *remoteWrite) serve(r *http.Request) error {
	body, err := ReadBody(r)
	if err != nil {
		return err
	}
	d := rwDecoders.Get().(*rwDecoder)
	defer d.release()
	d.cache = rw.cache
	d.drops.notAfter = futureLimit(rw.g.now())

	h := &budgetHold{}
	defer h.release()
	if err := d.decompress(r.Context(), body, h); err != nil {
		return err
	}
	if err := d.decode(); err != nil {
		return Errorf("decoding remote-write request: %v", err)
	}
	d.drops.record(RemoteWriteSource, rw.logs)
	if err := d.drops.allDropped(len(d.series)); err != nil {
		return err
	}
	if len(d.series) == 0 {
		return nil
	}

	if err := d.accept(r.Context(), rw.sink); err != nil {
		return fmt.Errorf("accepting remote-write samples: %w", err)
	}
	countAccepted(RemoteWriteSource, d.series)
	return nil
}

// accept hands the decoded series to the sink and caches the references it gave for
// series new to the cache. The series the sink refused by reference (it evicted them)
// go again with their labels.
func (d *rwDecoder) accept(ctx context.Context, sink SeriesSink) error {
	if err := sink.AcceptSeries(ctx, d.series); err != nil {
		return err
	}
	d.retry, d.retryKeys = d.retry[:0], d.retryKeys[:0]
	for i := range d.series {
		s, m := &d.series[i], &d.meta[i]
		switch {
		case m.fresh:
			d.cache.keep(m.key, cachedSeries{ref: s.Ref})
		case m.byRef && s.Ref == 0:
			if err := d.queueRetry(s, m); err != nil {
				return err
			}
		}
	}
	if len(d.retry) == 0 {
		return nil
	}
	if err := sink.AcceptSeries(ctx, d.retry); err != nil {
		return err
	}
	for i := range d.retry {
		d.cache.keep(d.retryKeys[i], cachedSeries{ref: d.retry[i].Ref})
	}
	return nil
}

// queueRetry decodes the labels of a series sent by reference and queues it to be sent
// again with them.
func (d *rwDecoder) queueRetry(s *signal.Series, m *rwMeta) error {
	l0 := len(d.labels)
	bad, err := d.decodeLabels(m.raw)
	if err != nil {
		return err
	}
	if bad == keep {
		bad = checkLabels(d.labels[l0:])
	}
	if bad != keep {
		// Only a clash of the cache's 128-bit keys brings this: drop the series as its
		// own labels say.
		d.drops.add(bad, len(s.Points))
		d.cache.keep(m.key, cachedSeries{bad: bad})
		return nil
	}
	ls := d.labels[l0:len(d.labels):len(d.labels)]
	d.retry = append(d.retry, signal.Series{Labels: ls, Points: s.Points})
	d.retryKeys = append(d.retryKeys, m.key)
	return nil
}

// checkRemoteWriteHeaders answers 415 unless the request is snappy-encoded protobuf of
// remote_write 1.0.
func checkRemoteWriteHeaders(h http.Header) error {
	if enc := lower(h.Get("Content-Encoding")); enc != "snappy" {
		return unsupported(fmt.Sprintf("content encoding %q is not supported; "+
			"remote_write needs snappy", enc))
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != remoteWriteContentType {
		return unsupported(fmt.Sprintf("content type %q is not supported; remote_write 1.0 "+
			"needs %s", h.Get("Content-Type"), remoteWriteContentType))
	}
	if p, ok := params["proto"]; ok && p != "prometheus.WriteRequest" {
		return unsupported(fmt.Sprintf("protobuf message %q is not supported; only "+
			"remote_write 1.0 (prometheus.WriteRequest) is", p))
	}
	return nil
}

func unsupported(msg string) error {
	return &Error{Status: http.StatusUnsupportedMediaType, Type: TypeUnsupported, Msg: msg}
}

// rwDecoders pools decoders so that steady traffic reuses the decode buffers.
var rwDecoders = sync.Pool{New: func() any { return new(rwDecoder) }}

// rwDecoder holds the buffers of one remote_write request. The series it produces point
// into labels and points, which are reused by the next request that takes the decoder.
// A series the cache knows goes by the sink's reference, without labels.
type rwDecoder struct {
	raw       []byte
	series    []signal.Series
	meta      []rwMeta // one per series
	labels    []signal.Label
	points    []signal.Point
	retry     []signal.Series // series refused by reference, again with labels
	retryKeys []seriesKey
	drops     drops
	cache     *labelCache
}

// rwMeta is what the decoder knows of where a series came from: its cache key and raw
// label bytes (within raw), and whether it is new to the cache or goes by reference.
type rwMeta struct {
	key   seriesKey
	raw   []byte
	ref   uint64 // the sink's reference, when byRef
	fresh bool   // labels decoded, not cached yet: cache the reference the sink gives
	byRef bool   // sent by reference, without labels
}

// maxPooledBytes keeps one huge request from pinning its buffers in the pool for good.
const maxPooledBytes = 8 << 20

// release clears the decoder and returns it to the pool.
func (d *rwDecoder) release() {
	if cap(d.raw) > maxPooledBytes || cap(d.points)*16 > maxPooledBytes {
		return
	}
	clear(d.series) // drop references to label slices the sink may not copy
	clear(d.retry)
	clear(d.meta)
	d.raw, d.series, d.meta = d.raw[:0], d.series[:0], d.meta[:0]
	d.retry, d.retryKeys = d.retry[:0], d.retryKeys[:0]
	d.labels, d.points = d.labels[:0], d.points[:0]
	d.drops = drops{}
	d.cache = nil
	rwDecoders.Put(d)
}

// decompress snappy-decodes body into the decoder's raw buffer. The decoded size counts
// against DecodeBudgetBytes in h, like a gzip body's, until the caller releases h.
func (d *rwDecoder) decompress(ctx context.Context, body []byte, h *budgetHold) error {
	n, err := snappy.DecodedLen(body)
	if err != nil {
		return Errorf("decoding snappy body: %v", err)
	}
	if n > MaxDecodedBytes {
		return &Error{Status: http.StatusRequestEntityTooLarge, Type: TypeTooLarge,
			Msg: fmt.Sprintf("decoded body of %d bytes exceeds %d", n, MaxDecodedBytes)}
	}
	// The header is only a claim: six bytes declaring 128 MiB made the server allocate
	// that much for a body that then failed to decode, at every request.
	if limit := maxSnappyExpansion(len(body)); n > limit {
		return Errorf("decoding snappy body: its header declares %d decoded bytes, more "+
			"than %d compressed bytes can hold (at most %d)", n, len(body), limit)
	}
	if err := h.hold(ctx, n); err != nil {
		return err
	}
	if cap(d.raw) < n {
		d.raw = make([]byte, n)
	}
	d.raw, err = snappy.Decode(d.raw[:cap(d.raw)], body)
	if err != nil {
		return Errorf("decoding snappy body: %v", err)
	}
	return nil
}

// maxSnappyExpansion bounds what n bytes of a snappy block can decode to. The densest
// element is a copy with a two-byte offset: three bytes for up to 64 decoded ones.
func maxSnappyExpansion(n int) int { return n/3*64 + 64 }

// decode parses the WriteRequest in d.raw into d.series. Field 3 (metadata) is skipped:
// detection does not use it.
func (d *rwDecoder) decode() error {
	for b := d.raw; len(b) > 0; {
		f, rest, err := nextField(b)
		if err != nil {
			return fmt.Errorf("reading WriteRequest: %w", err)
		}
		b = rest
		if f.num != 1 {
			continue
		}
		if f.typ != protowire.BytesType {
			return errWireType("WriteRequest.timeseries", f.typ)
		}
		if err := d.timeSeries(f.bytes); err != nil {
			return err
		}
	}
	return nil
}

// timeSeries parses one TimeSeries and appends it to d.series unless all of it is dropped.
// Exemplars are skipped and native histograms counted as dropped.
func (d *rwDecoder) timeSeries(b []byte) error {
	l0, p0 := len(d.labels), len(d.points)
	span := labelSpan{start: -1}
	for off := 0; off < len(b); {
		if b[off] == labelTag { // the common case, without the general field reader
			_, n := consumeBytes(b[off+1:])
			if n < 0 {
				return fmt.Errorf("reading TimeSeries: %w", protowire.ParseError(n))
			}
			span.add(off, off+1+n)
			off += 1 + n
			continue
		}
		f, rest, err := nextField(b[off:])
		if err != nil {
			return fmt.Errorf("reading TimeSeries: %w", err)
		}
		end := len(b) - len(rest)
		if f.num == 1 || f.num == 2 || f.num == 4 {
			if f.typ != protowire.BytesType {
				return errWireType("TimeSeries field", f.typ)
			}
		}
		switch f.num {
		case 1:
			span.add(off, end)
		case 2:
			if err := d.sample(f.bytes); err != nil {
				return err
			}
		case 4:
			d.drops.add(dropHistogram, 1)
		}
		off = end
	}

	bad, m, err := d.seriesLabels(b, span)
	if err != nil {
		return err
	}
	d.finishSeries(l0, p0, bad, m)
	return nil
}

// labelSpan is where a TimeSeries keeps its label fields. Senders write them together,
// which lets the raw bytes serve as the key of the series cache.
type labelSpan struct {
	start, end int
	scattered  bool // label fields interleaved with others: no cache
}

func (s *labelSpan) add(start, end int) {
	if s.start < 0 {
		s.start = start
	} else if start != s.end {
		s.scattered = true
	}
	s.end = end
}

// seriesLabels appends the series' sorted labels to d.labels, or finds the sink's
// reference to it in the cache, and returns a drop reason if the labels are unusable. A
// label set seen before is not decoded: it goes by reference, or is dropped for the
// reason found when it was first seen.
func (d *rwDecoder) seriesLabels(b []byte, span labelSpan) (dropReason, rwMeta, error) {
	if span.start < 0 {
		return dropNoName, rwMeta{}, nil
	}
	if span.scattered {
		l0 := len(d.labels)
		bad, err := d.decodeLabels(b)
		if bad == keep {
			bad = checkLabels(d.labels[l0:])
		}
		return bad, rwMeta{}, err
	}
	raw := b[span.start:span.end]
	m := rwMeta{key: d.cache.seriesKey(raw), raw: raw}
	if c, ok := d.cache.lookup(m.key); ok {
		m.byRef, m.ref = c.bad == keep, c.ref
		return c.bad, m, nil
	}

	l0 := len(d.labels)
	bad, err := d.decodeLabels(raw)
	if err != nil {
		return keep, rwMeta{}, err
	}
	if bad == keep {
		bad = checkLabels(d.labels[l0:])
	}
	if bad != keep {
		d.cache.keep(m.key, cachedSeries{bad: bad})
	}
	m.fresh = true
	return bad, m, nil
}

// decodeLabels decodes every label field of a TimeSeries (or of its label span).
func (d *rwDecoder) decodeLabels(b []byte) (dropReason, error) {
	bad := keep
	for len(b) > 0 {
		f, rest, err := nextField(b)
		if err != nil {
			return keep, fmt.Errorf("reading TimeSeries: %w", err)
		}
		b = rest
		if f.num != 1 {
			continue
		}
		reason, err := d.label(f.bytes)
		if err != nil {
			return keep, err
		}
		if bad == keep {
			bad = reason
		}
	}
	return bad, nil
}

// finishSeries keeps the labels (none for a series by reference) and points appended
// since l0 and p0 as a series if the labels are usable (bad is keep) and at least one
// point is.
func (d *rwDecoder) finishSeries(l0, p0 int, bad dropReason, m rwMeta) {
	labels := d.labels[l0:]
	if bad != keep {
		d.drops.add(bad, len(d.points)-p0)
		d.labels, d.points = d.labels[:l0], d.points[:p0]
		return
	}
	pts := d.drops.filterPoints(d.points[p0:])
	d.points = d.points[:p0+len(pts)]
	if len(pts) == 0 {
		d.labels = d.labels[:l0]
		return
	}
	s := signal.Series{Points: pts[:len(pts):len(pts)], Ref: m.ref}
	if !m.byRef {
		s.Labels = labels[:len(labels):len(labels)]
	}
	d.series = append(d.series, s)
	d.meta = append(d.meta, m)
}

// label parses one Label message. It returns a drop reason for a name or value that is not
// valid UTF-8 and skips labels with an empty value, which Prometheus treats as absent.
func (d *rwDecoder) label(b []byte) (dropReason, error) {
	var name, value []byte
	for len(b) > 0 {
		f, rest, err := nextField(b)
		if err != nil {
			return keep, fmt.Errorf("reading Label: %w", err)
		}
		b = rest
		if f.num != 1 && f.num != 2 {
			continue
		}
		if f.typ != protowire.BytesType {
			return keep, errWireType("Label field", f.typ)
		}
		if f.num == 1 {
			name = f.bytes
		} else {
			value = f.bytes
		}
	}
	if len(value) == 0 {
		return keep, nil
	}
	if !utf8.Valid(name) || !utf8.Valid(value) {
		return dropBadLabel, nil
	}
	d.labels = append(d.labels, signal.Label{Name: string(name), Value: string(value)})
	return keep, nil
}

// sample parses one Sample message and appends it unchecked; finishSeries filters.
func (d *rwDecoder) sample(b []byte) error {
	if p, ok := fastSample(b); ok {
		d.points = append(d.points, p)
		return nil
	}
	var p signal.Point
	for len(b) > 0 {
		f, rest, err := nextField(b)
		if err != nil {
			return fmt.Errorf("reading Sample: %w", err)
		}
		b = rest
		switch {
		case f.num == 1 && f.typ == protowire.Fixed64Type:
			p.V = math.Float64frombits(f.u64)
		case f.num == 2 && f.typ == protowire.VarintType:
			p.T = int64(f.u64)
		case f.num == 1 || f.num == 2:
			return errWireType("Sample field", f.typ)
		}
	}
	d.points = append(d.points, p)
	return nil
}

// Tags of the fields every sender writes, for the fast paths.
const (
	labelTag     = 1<<3 | byte(protowire.BytesType)   // TimeSeries.labels
	valueTag     = 1<<3 | byte(protowire.Fixed64Type) // Sample.value
	timestampTag = 2<<3 | byte(protowire.VarintType)  // Sample.timestamp
)

// fastSample decodes a Sample written as value then timestamp, as Prometheus writes it.
func fastSample(b []byte) (signal.Point, bool) {
	if len(b) < 11 || b[0] != valueTag || b[9] != timestampTag {
		return signal.Point{}, false
	}
	t, n := consumeVarint(b[10:])
	if n < 0 || 10+n != len(b) {
		return signal.Point{}, false
	}
	return signal.Point{T: int64(t), V: math.Float64frombits(le64(b[1:]))}, true
}

func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// protoField is one decoded protobuf field: bytes for length-delimited fields, u64 for
// varint and fixed-width ones; groups are skipped whole.
type protoField struct {
	num   protowire.Number
	typ   protowire.Type
	bytes []byte
	u64   uint64
}

// nextField reads the field at the start of b and returns it and the rest of b.
func nextField(b []byte) (protoField, []byte, error) {
	num, typ, n := consumeTag(b)
	if n < 0 {
		return protoField{}, nil, protowire.ParseError(n)
	}
	f := protoField{num: num, typ: typ}
	b = b[n:]
	switch typ {
	case protowire.BytesType:
		f.bytes, n = consumeBytes(b)
	case protowire.VarintType:
		f.u64, n = consumeVarint(b)
	case protowire.Fixed64Type:
		f.u64, n = protowire.ConsumeFixed64(b)
	default:
		n = skipValue(typ, b)
	}
	if n < 0 {
		return protoField{}, nil, protowire.ParseError(n)
	}
	return f, b[n:], nil
}

// The negative lengths protowire.ParseError turns into messages.
const (
	errCodeTruncated = -1
	errCodeField     = -2
	errCodeOverflow  = -3
	errCodeEndGroup  = -5
)

// consumeVarint reads a varint of at most ten bytes. Bits beyond 64 in the tenth byte are
// ignored, as the generated prompb code ignores them; protowire rejects them.
func consumeVarint(b []byte) (uint64, int) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	var v uint64
	for i := 0; i < 10; i++ {
		if i >= len(b) {
			return 0, errCodeTruncated
		}
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, errCodeOverflow
}

// consumeTag reads a field tag. It accepts every field number that fits a positive int32,
// as the generated prompb code does, where protowire stops at 2^29-1.
func consumeTag(b []byte) (protowire.Number, protowire.Type, int) {
	v, n := consumeVarint(b)
	if n < 0 {
		return 0, 0, n
	}
	if int32(v>>3) <= 0 {
		return 0, 0, errCodeField
	}
	return protowire.Number(v >> 3), protowire.Type(v & 7), n
}

// consumeBytes reads a length-prefixed value.
func consumeBytes(b []byte) ([]byte, int) {
	v, n := consumeVarint(b)
	if n < 0 {
		return nil, n
	}
	if v > uint64(len(b)-n) {
		return nil, errCodeTruncated
	}
	end := n + int(v)
	return b[n:end], end
}

// skipValue skips the value of a field of wire type typ at the start of b.
func skipValue(typ protowire.Type, b []byte) int {
	switch typ {
	case protowire.VarintType:
		_, n := consumeVarint(b)
		return n
	case protowire.Fixed64Type:
		_, n := protowire.ConsumeFixed64(b)
		return n
	case protowire.Fixed32Type:
		_, n := protowire.ConsumeFixed32(b)
		return n
	case protowire.BytesType:
		_, n := consumeBytes(b)
		return n
	case protowire.StartGroupType:
		return skipGroup(b)
	case protowire.EndGroupType:
		return errCodeEndGroup
	}
	return errCodeField
}

// skipGroup skips a deprecated group up to its end marker. Like the generated prompb
// code, it checks neither the field numbers inside nor that the end marker repeats the
// start's.
func skipGroup(b []byte) int {
	for i, depth := 0, 1; ; {
		v, n := consumeVarint(b[i:])
		if n < 0 {
			return n
		}
		i += n
		switch typ := protowire.Type(v & 7); typ {
		case protowire.StartGroupType:
			depth++
		case protowire.EndGroupType:
			if depth--; depth == 0 {
				return i
			}
		default:
			if n = skipValue(typ, b[i:]); n < 0 {
				return n
			}
			i += n
		}
	}
}

func errWireType(field string, typ protowire.Type) error {
	return fmt.Errorf("wrong wire type %d for %s", typ, field)
}

// Limits on one series' label set, from any metric source. Series beyond them are dropped:
// they are almost always a bug in the sender (a request id or a stack trace in a label),
// and keeping them would let one sender exhaust detector memory.
const (
	MaxSeriesLabels     = 64
	MaxSeriesLabelBytes = 8 << 10 // names and values together
)

// checkLabels sorts a series' labels by name and returns a drop reason if the set is not
// usable: no metric name, an empty or duplicate name, or more than the limits allow.
func checkLabels(ls []signal.Label) dropReason {
	if len(ls) > MaxSeriesLabels {
		return dropTooManyLabels
	}
	size := 0
	for _, l := range ls {
		size += len(l.Name) + len(l.Value)
	}
	if size > MaxSeriesLabelBytes {
		return dropTooManyLabels
	}
	sortLabels(ls)
	hasName := false
	for i, l := range ls {
		if l.Name == "" || i > 0 && ls[i-1].Name == l.Name {
			return dropBadLabel
		}
		// OTLP's strings are not checked by its decoder; kept, two different invalid
		// byte strings printed as the same replacement characters, two series alike.
		if !utf8.ValidString(l.Name) || !utf8.ValidString(l.Value) {
			return dropBadLabel
		}
		hasName = hasName || l.Name == "__name__"
	}
	if !hasName {
		return dropNoName
	}
	return keep
}

// sortLabels sorts by name with an insertion sort: label sets are short and almost always
// sorted already, and unlike sort.Slice it does not allocate.
func sortLabels(ls []signal.Label) {
	for i := 1; i < len(ls); i++ {
		for j := i; j > 0 && ls[j].Name < ls[j-1].Name; j-- {
			ls[j], ls[j-1] = ls[j-1], ls[j]
		}
	}
}

// dropReason says why a sample was not passed on; the zero value means kept.
type dropReason uint8

// The reasons a metric sample is dropped, in the order of dropNames.
const (
	keep dropReason = iota
	dropStale
	dropHistogram
	dropNaN
	dropInf
	dropNegativeTime
	dropOutOfOrder
	dropDuplicate
	dropBadLabel
	dropTooManyLabels
	dropNoName
	dropUnsupported
	dropNoTime
	dropFuture
	numDropReasons
)

// dropNames are the reason label values of cerebro_ingest_dropped_samples_total.
var dropNames = [numDropReasons]string{
	"", "stale_marker", "native_histogram", "nan", "inf", "negative_timestamp",
	"out_of_order", "duplicate_timestamp", "invalid_label", "label_limit",
	"no_metric_name", "unsupported_type", "no_timestamp", "future_timestamp",
}

// String returns the metric label value of the reason.
func (r dropReason) String() string { return dropNames[r] }

// invalid reports whether the reason is a fault of the sender rather than data that
// detection does not use (staleness markers, native histograms, unsupported types).
func (r dropReason) invalid() bool {
	return r != dropStale && r != dropHistogram && r != dropUnsupported
}

// drops counts the samples of one request dropped by reason.
type drops struct {
	n       [numDropReasons]int
	first   dropReason // first invalid reason seen
	invalid int
	// notAfter is the latest sample time kept, in Unix milliseconds (futureLimit); zero
	// means no limit, for decoding outside a handler.
	notAfter int64
}

// futureLimit is the latest sample time in Unix milliseconds that a request handled at
// now may carry: MaxFutureSkew ahead.
func futureLimit(now time.Time) int64 {
	return now.Add(MaxFutureSkew).UnixMilli()
}

// check is pointReason plus the request's future limit. A sample far ahead must go
// before the order check: kept, it would make every real sample after it out of order.
func (d *drops) check(p signal.Point) dropReason {
	if r := pointReason(p); r != keep {
		return r
	}
	if d.notAfter != 0 && p.T > d.notAfter {
		return dropFuture
	}
	return keep
}

func (d *drops) add(r dropReason, n int) {
	if n <= 0 || r == keep {
		return
	}
	d.n[r] += n
	if r.invalid() {
		d.invalid += n
		if d.first == keep {
			d.first = r
		}
	}
}

// filterPoints drops, in place, the points detection cannot use and returns the kept ones.
// A point must be finite, at a non-negative time not too far ahead (check) and strictly
// after the previous kept point: the request is the only order ingest can see, and a
// detector fed the same time twice would weigh it twice.
func (d *drops) filterPoints(pts []signal.Point) []signal.Point {
	kept := pts[:0]
	for _, p := range pts {
		r := d.check(p)
		if r == keep && len(kept) > 0 {
			if last := kept[len(kept)-1].T; p.T == last {
				r = dropDuplicate
			} else if p.T < last {
				r = dropOutOfOrder
			}
		}
		if r != keep {
			d.add(r, 1)
			continue
		}
		kept = append(kept, p)
	}
	return kept
}

// staleNaN is the bit pattern Prometheus writes to mark a series as gone.
const staleNaN = 0x7ff0000000000002

// pointReason checks a point on its own.
func pointReason(p signal.Point) dropReason {
	switch {
	case math.Float64bits(p.V) == staleNaN:
		return dropStale
	case math.IsNaN(p.V):
		return dropNaN
	case math.IsInf(p.V, 0):
		return dropInf
	case p.T < 0:
		return dropNegativeTime
	}
	return keep
}

// allDropped returns a 400 naming the first problem when the request had samples and none
// of them was kept for being invalid.
func (d *drops) allDropped(kept int) error {
	if kept > 0 || d.invalid == 0 {
		return nil
	}
	return Errorf("every sample was dropped: %d samples, first reason %s", d.invalid,
		d.first)
}

// record adds the request's drops to the metrics and logs them, rate-limited.
func (d *drops) record(source string, l *dropLog) {
	for r := dropStale; r < numDropReasons; r++ {
		if d.n[r] > 0 {
			seriesMetrics.dropped.WithLabelValues(source, r.String()).Add(float64(d.n[r]))
		}
	}
	if d.invalid > 0 {
		l.note(d)
	}
}

// dropLog logs invalid samples at most once a minute per source: the counter has the
// totals, the log tells an operator where to look.
type dropLog struct {
	log    *slog.Logger
	source string
	last   atomic.Int64
}

// newDropLog logs through the Guard's logger, which already names the component.
func newDropLog(log *slog.Logger, source string) *dropLog {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &dropLog{log: log, source: source}
}

func (l *dropLog) note(d *drops) {
	now, last := time.Now().UnixNano(), l.last.Load()
	if now-last < int64(time.Minute) || !l.last.CompareAndSwap(last, now) {
		return
	}
	l.log.Warn("invalid samples dropped", "source", l.source, "reason", d.first.String(),
		"count", d.invalid)
}

// countAccepted adds the samples handed to the sink to the metrics.
func countAccepted(source string, series []signal.Series) {
	n := 0
	for _, s := range series {
		n += len(s.Points)
	}
	seriesMetrics.samples.WithLabelValues(source).Add(float64(n))
}

// seriesMetrics counts samples across every metric route of the process. The handler
// signatures take no registerer, so the collectors are package-level and registered by
// the caller through SeriesCollectors.
var seriesMetrics = struct {
	samples      *prometheus.CounterVec
	dropped      *prometheus.CounterVec
	droppedLines *prometheus.CounterVec
}{
	samples: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cerebro_ingest_samples_total",
		Help: "Metric samples handed to detection, by source.",
	}, []string{"source"}),
	dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cerebro_ingest_dropped_samples_total",
		Help: "Metric samples dropped at ingest, by source and reason.",
	}, []string{"source", "reason"}),
	droppedLines: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cerebro_ingest_dropped_log_lines_total",
		Help: "Log lines dropped at ingest, by source and reason.",
	}, []string{"source", "reason"}),
}

// SeriesCollectors returns the sample and log line counters of the remote_write, OTLP
// and Loki routes, for registration once per process.
func SeriesCollectors() []prometheus.Collector {
	return []prometheus.Collector{seriesMetrics.samples, seriesMetrics.dropped,
		seriesMetrics.droppedLines}
}
