package detect

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// The snapshot format, version 11, little-endian:
//
//	magic "CDETSNAP", version u32, chunk count u32, CRC-32C of those 16 bytes u32,
//	then per chunk: series count u32, byte length of its series u32, CRC-32C of those 8
//	bytes u32, then per series: key length u32, the series key (see keyOf: the plain
//	form, not the engine's packed one), the fixed-size record that visitFields
//	describes, and the CRC-32C of the key length, key and record u32.
//
// The checksums make random damage (a bad disk block, a byte flipped in a copy) a lost
// series rather than a restored one: a record that fails its checksum is skipped alone,
// and one whose key length was damaged costs at most the rest of its chunk, whose length
// says where the next one starts. A damaged chunk head costs its chunk: the restore finds
// the next head by its checksum (resync). Only a damaged header stops the restore.
//
// Versions 10 and 9 are read as well, without checksums: per chunk, series count u32,
// then per series key length u32, key and record. Version 9 lacks only the trends'
// lagged differences (lastD, mdd1), which start as if the series wandered (see
// restoreLag). Older versions are refused, and the server starts with fresh baselines:
// version 8 lacks the spike records' runners-up, version 7 the cusum sums and tail,
// version 6 the slow autocorrelation and the effective-sample count, version 5 stored
// some detector fields wider than the detector now keeps them, version 2 stored only
// label hashes, and older records lack the spike-rate, recent-record and week-shape
// fields.
//
// In every version, a record that decodes to a state no sequence of samples reaches is
// skipped as impossible (see valid): a version 10 record has no checksum, and a checksum
// does not catch a bug that wrote a bad state.
//
// The hash is not stored: it is computed again from the key, so the index is free to
// change it. Per-series settings (threshold, capacity) are not stored either: they are
// resolved again from the current config on the series' next sample, so a config change
// applies at once.
const (
	snapMagic   = "CDETSNAP"
	snapVersion = 11
	snapNoCRC   = 10 // the last version without checksums
	snapNoLag   = 9  // the last version without the trends' lagged differences
	maxKeyLen   = 1 << 20
)

// crcTable is CRC-32C (Castagnoli), which the hardware computes on amd64 and arm64.
var crcTable = crc32.MakeTable(crc32.Castagnoli)

var errSnapshot = errors.New("invalid detect snapshot")

// fieldVisitor sees every persisted field of a series in one fixed order.
type fieldVisitor interface {
	f64(*float64)
	f32(*float32)
	i64(*int64)
	u32(*uint32)
	u16(*uint16)
	u8(*uint8)
	flag(*bool)
}

func (st *series) visitFields(v fieldVisitor) {
	d := &st.det
	v.u32(&d.n)
	v.i64(&d.lastT)
	v.f32(&d.dt)
	v.f64(&d.level)
	v.f32(&d.mad)
	v.f64(&d.fast)
	v.u8(&d.runs)
	v.u8(&d.gated)
	v.f32(&d.short)
	v.f32(&d.vshort)
	v.f32(&d.vslow)
	v.f32(&d.supp)
	v.f32(&d.quantum)
	v.f32(&d.rho)
	v.f32(&d.lastZ)
	v.f32(&d.rhoSlow)
	v.f32(&d.nEff)
	v.f32(&d.cusUp)
	v.f32(&d.cusDown)
	v.f64(&d.lastV)
	v.u32(&d.spikes)
	v.u8(&d.spikeRun)
	for _, r := range []*record{&d.recUp, &d.recDown} {
		v.f32(&r.hi)
		v.f32(&r.lo)
	}
	for _, t := range d.snapTails() {
		v.f32(&t.q)
		v.f32(&t.e)
		v.f32(&t.xi)
		v.f32(&t.ll)
	}
	s := &d.season
	for i := range s.bins {
		v.f32(&s.bins[i])
	}
	for i := range s.counts {
		v.u16(&s.counts[i])
	}
	v.f32(&s.sum)
	v.i64(&s.start)
	v.f32(&s.errFlat)
	v.f32(&s.errLin)
	v.f32(&s.errStep)
	v.flag(&s.active)
	v.flag(&s.steps)
	w := &s.week
	v.f64(&w.ref)
	for i := range w.days {
		v.f32(&w.days[i])
		v.u16(&w.counts[i])
	}
	for _, f := range []*float32{&w.sum, &w.errRef, &w.errWk} {
		v.f32(f)
	}
	v.flag(&w.on)
	visitShape(v, &s.shape)
	for i := range d.recur.slots {
		sl := uint32(d.recur.slots[i])
		v.u32(&sl)
		d.recur.slots[i] = recurSlot(sl)
	}

	v.f64(&st.prevRaw)
	v.i64(&st.prevT)
	v.u16(&st.mono)
	v.flag(&st.counter)
	v.flag(&st.leakable)
	visitEpisode(v, &st.anomaly)
}

// visitTrends visits the trends of a series, which follow its other fields. They are
// optional: a flag, then their fields (zeros when absent), so that every record keeps one
// size. *tp is nil for a series without trends.
func visitTrends(v fieldVisitor, tp **trends, version uint32) {
	has := *tp != nil
	v.flag(&has)
	ts := *tp
	if ts == nil {
		ts = &trends{}
	}
	for _, r := range []*trend{&ts.leakTrend, &ts.fcTrend} {
		v.i64(&r.t0)
		for _, f := range []*float64{&r.last, &r.c, &r.w2, &r.mt, &r.mv, &r.ctt, &r.ctv,
			&r.cvv, &r.lastV, &r.md, &r.mdd} {
			v.f64(f)
		}
		if version > snapNoLag {
			v.f64(&r.lastD)
			v.f64(&r.mdd1)
		} else {
			r.restoreLag()
		}
	}
	visitEpisode(v, &ts.leak)
	visitEpisode(v, &ts.forecast)
	*tp = nil
	if has {
		*tp = ts
	}
}

func visitEpisode(v fieldVisitor, ep *episode) {
	v.i64(&ep.since)
	v.i64(&ep.calmSince)
	v.u16(&ep.calm)
	v.f32(&ep.peak)
	v.flag(&ep.firing)
	v.flag(&ep.critical)
}

// encoder appends fields to a buffer.
type encoder struct{ b []byte }

func (e *encoder) f64(p *float64) { e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(*p)) }
func (e *encoder) f32(p *float32) { e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(*p)) }
func (e *encoder) i64(p *int64)   { e.b = binary.LittleEndian.AppendUint64(e.b, uint64(*p)) }
func (e *encoder) u32(p *uint32)  { e.b = binary.LittleEndian.AppendUint32(e.b, *p) }
func (e *encoder) u16(p *uint16)  { e.b = binary.LittleEndian.AppendUint16(e.b, *p) }
func (e *encoder) u8(p *uint8)    { e.b = append(e.b, *p) }
func (e *encoder) flag(p *bool) {
	var c byte
	if *p {
		c = 1
	}
	e.b = append(e.b, c)
}

// decoder reads fields from a record of the right size, and notes any value that no
// encoder writes (a non-finite float, a flag byte other than 0 or 1).
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) take(n int) []byte { p := d.b[:n]; d.b = d.b[n:]; return p }
func (d *decoder) f64(p *float64) {
	*p = math.Float64frombits(binary.LittleEndian.Uint64(d.take(8)))
	d.bad = d.bad || math.IsNaN(*p) || math.IsInf(*p, 0)
}
func (d *decoder) f32(p *float32) {
	*p = math.Float32frombits(binary.LittleEndian.Uint32(d.take(4)))
	d.bad = d.bad || math.IsNaN(float64(*p)) || math.IsInf(float64(*p), 0)
}
func (d *decoder) i64(p *int64)  { *p = int64(binary.LittleEndian.Uint64(d.take(8))) }
func (d *decoder) u32(p *uint32) { *p = binary.LittleEndian.Uint32(d.take(4)) }
func (d *decoder) u16(p *uint16) { *p = binary.LittleEndian.Uint16(d.take(2)) }
func (d *decoder) u8(p *uint8)   { *p = d.take(1)[0] }
func (d *decoder) flag(p *bool) {
	c := d.take(1)[0]
	d.bad = d.bad || c > 1
	*p = c == 1
}

// sizer counts the bytes of a record.
type sizer struct{ n int }

func (s *sizer) f64(*float64) { s.n += 8 }
func (s *sizer) f32(*float32) { s.n += 4 }
func (s *sizer) i64(*int64)   { s.n += 8 }
func (s *sizer) u32(*uint32)  { s.n += 4 }
func (s *sizer) u16(*uint16)  { s.n += 2 }
func (s *sizer) u8(*uint8)    { s.n++ }
func (s *sizer) flag(*bool)   { s.n++ }

// recordSize is the size of one series record, without its hash, in the current
// version.
var recordSize = recordSizeOf(snapVersion)

// recordSizeOf is the size of one series record in a version that Restore reads.
func recordSizeOf(version uint32) int {
	var s sizer
	var tr *trends
	(&series{}).visitFields(&s)
	visitTrends(&s, &tr, version)
	return s.n
}

// Snapshot writes every series' state to w. Each shard is locked only while it is
// encoded, so detection goes on meanwhile; the snapshot is consistent per series, not
// across series.
func (e *Engine) Snapshot(w io.Writer) error {
	return e.snapshot(w, snapVersion)
}

// snapshot writes a snapshot in a version Restore reads; tests write the older ones.
func (e *Engine) snapshot(w io.Writer, version uint32) error {
	bw := bufio.NewWriter(w)
	head := binary.LittleEndian.AppendUint32([]byte(snapMagic), version)
	head = binary.LittleEndian.AppendUint32(head, numShards)
	if version > snapNoCRC {
		head = binary.LittleEndian.AppendUint32(head, crc32.Checksum(head, crcTable))
	}
	if _, err := bw.Write(head); err != nil {
		return fmt.Errorf("writing detect snapshot: %w", err)
	}
	for i := range e.shards {
		if _, err := bw.Write(e.encodeShard(&e.shards[i], version)); err != nil {
			return fmt.Errorf("writing detect snapshot: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing detect snapshot: %w", err)
	}
	return nil
}

// chunkHead is the size of a chunk's head: its series count, and from version 11 its
// byte length and their checksum.
func chunkHead(version uint32) int {
	if version > snapNoCRC {
		return 12
	}
	return 4
}

func (e *Engine) encodeShard(sh *shard, version uint32) []byte {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	hl := chunkHead(version)
	enc := &encoder{b: make([]byte, hl, hl+sh.series.n*(8+64+recordSizeOf(version)))}
	sh.series.each(func(_ uint64, st *series) {
		start := len(enc.b)
		ls, _ := e.names.unpack(*sh.recs.key(st.idx))
		key := keyOf(ls)
		enc.b = binary.LittleEndian.AppendUint32(enc.b, uint32(len(key)))
		enc.b = append(enc.b, key...)
		st.visitFields(enc)
		var tr *trends
		if st.trended {
			tr = sh.trends[st.idx]
		}
		visitTrends(enc, &tr, version)
		if version > snapNoCRC {
			sum := crc32.Checksum(enc.b[start:], crcTable)
			enc.b = binary.LittleEndian.AppendUint32(enc.b, sum)
		}
	})
	binary.LittleEndian.PutUint32(enc.b, uint32(sh.series.n))
	if version > snapNoCRC {
		binary.LittleEndian.PutUint32(enc.b[4:], uint32(len(enc.b)-hl))
		binary.LittleEndian.PutUint32(enc.b[8:], crc32.Checksum(enc.b[:8], crcTable))
	}
	return enc.b
}

// Restore reads a snapshot written by Snapshot and adds its series to the engine,
// replacing any state of the same series. It stops at max_series. A damaged or impossible
// record is skipped alone where the format allows it; the error then says how many series
// were restored and how many lost, and the series restored stay restored.
func (e *Engine) Restore(r io.Reader) error {
	br := bufio.NewReader(r)
	v, chunks, err := readHead(br)
	if err != nil {
		return err
	}
	var skip restoreSkips
	for c := uint32(0); c < chunks; c++ {
		var err error
		if v > snapNoCRC {
			err = e.restoreChunkCRC(br, &skip)
		} else {
			err = e.restoreChunk(br, &skip, v)
		}
		if errors.Is(err, errChunkHead) && resync(br) {
			skip.chunks++ // its series are uncounted: the head that counted them is bad
			continue
		}
		if errors.Is(err, io.EOF) && skip.chunks > 0 {
			break // a resync skipped chunks: the file ended where it should
		}
		if err != nil {
			return fmt.Errorf("reading detect snapshot chunk %d of %d: %w; %v, and the "+
				"%d chunks after it are not read", c, chunks, err, skip, chunks-c-1)
		}
	}
	return skip.err()
}

// readHead reads the snapshot's header and returns its version and chunk count.
func readHead(br *bufio.Reader) (version, chunks uint32, err error) {
	head := make([]byte, len(snapMagic)+12)
	if _, err := io.ReadFull(br, head[:16]); err != nil {
		return 0, 0, fmt.Errorf("reading detect snapshot header: %w", err)
	}
	if string(head[:len(snapMagic)]) != snapMagic {
		return 0, 0, fmt.Errorf("reading detect snapshot: %w: bad magic", errSnapshot)
	}
	v := binary.LittleEndian.Uint32(head[8:])
	if v < snapNoLag || v > snapVersion {
		return 0, 0, fmt.Errorf("reading detect snapshot: %w: version %d", errSnapshot, v)
	}
	if v > snapNoCRC {
		if _, err := io.ReadFull(br, head[16:]); err != nil {
			return 0, 0, fmt.Errorf("reading detect snapshot header: %w", err)
		}
		if !crcOK(head) {
			return 0, 0, fmt.Errorf("reading detect snapshot: %w: the header fails its "+
				"checksum", errSnapshot)
		}
	}
	return v, binary.LittleEndian.Uint32(head[12:]), nil
}

// errChunkHead is a chunk head that fails its checksum.
var errChunkHead = fmt.Errorf("%w: the chunk head fails its checksum", errSnapshot)

// resync moves br to the next chunk head, a 12-byte window that passes its checksum, and
// reports whether it found one. A damaged chunk head does not say where its chunk ends,
// and stopping there lost every later shard's series (a tester's one flipped length byte
// restored 0 of 20,000). A window that passes the CRC by chance is one in 2^32 per byte.
func resync(br *bufio.Reader) bool {
	for {
		b, err := br.Peek(12)
		if err != nil {
			return false
		}
		if crcOK(b) {
			return true
		}
		if _, err := br.Discard(1); err != nil {
			return false
		}
	}
}

// crcOK reports whether b ends with the CRC-32C of the bytes before it.
func crcOK(b []byte) bool {
	n := len(b) - 4
	return n >= 0 && crc32.Checksum(b[:n], crcTable) == binary.LittleEndian.Uint32(b[n:])
}

// restoreSkips counts the series of a snapshot as they are restored or lost.
type restoreSkips struct {
	chunks  int // chunks whose head failed its checksum, their series uncounted
	kept    int // restored
	damaged int // failed their checksum, or were in a chunk that could not be read past
	bad     int // a record with an impossible value
	full    int // beyond max_series, as when the limit was lowered before the restart
}

func (s restoreSkips) String() string {
	out := fmt.Sprintf("%d series restored, %d lost: %d damaged, %d with impossible "+
		"values, %d beyond max_series", s.kept, s.damaged+s.bad+s.full, s.damaged, s.bad,
		s.full)
	if s.chunks > 0 {
		out += fmt.Sprintf(", and the uncounted series of %d chunks whose head was damaged",
			s.chunks)
	}
	return out
}

func (s restoreSkips) err() error {
	switch {
	case s.damaged > 0 || s.bad > 0 || s.chunks > 0:
		return fmt.Errorf("%w: %v; the others are restored", errSnapshot, s)
	case s.full > 0:
		return fmt.Errorf("%d series beyond max_series were not restored, and their "+
			"baselines are lost at the next save; %d series restored", s.full, s.kept)
	}
	return nil
}

// restoreChunk restores one shard's series from a snapshot without checksums, counting
// those it skips. A record with an impossible value is skipped alone: records have a
// fixed size, so the ones after it still read. A key that cannot be read leaves nothing
// to find the next record by, and its chunk's remaining series are lost.
func (e *Engine) restoreChunk(br *bufio.Reader, skip *restoreSkips, version uint32) error {
	var nb [8]byte
	if _, err := io.ReadFull(br, nb[:4]); err != nil {
		return err
	}
	n := binary.LittleEndian.Uint32(nb[:4])
	rec := make([]byte, recordSizeOf(version))
	for i := uint32(0); i < n; i++ {
		h, ls, err := e.readIdentity(br, nb[:])
		if err == nil {
			_, err = io.ReadFull(br, rec)
		}
		if err != nil {
			skip.damaged += int(n - i)
			return fmt.Errorf("series %d of %d: %w", i, n, err)
		}
		e.restoreRecord(h, ls, rec, skip, version)
	}
	return nil
}

// restoreChunkCRC restores one shard's series from a snapshot with checksums. A record
// that fails its checksum is skipped alone; a key length that points past the chunk's end
// loses the rest of the chunk, which its length lets the restore step over. Only a chunk
// head that fails its checksum, or a file cut short, stops the restore.
func (e *Engine) restoreChunkCRC(br *bufio.Reader, skip *restoreSkips) error {
	var head [12]byte
	if _, err := io.ReadFull(br, head[:]); err != nil {
		return fmt.Errorf("chunk head: %w", err)
	}
	if !crcOK(head[:]) {
		return errChunkHead
	}
	n := binary.LittleEndian.Uint32(head[:4])
	size := int64(binary.LittleEndian.Uint32(head[4:8]))
	// Read as the bytes come rather than allocated from the length: a head that passes
	// its checksum by chance must not cost gigabytes.
	body, err := io.ReadAll(io.LimitReader(br, size))
	if err == nil && int64(len(body)) < size {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		skip.damaged += int(n)
		return fmt.Errorf("%d series: %w", n, err)
	}
	rs := recordSizeOf(snapVersion)
	for i := uint32(0); i < n; i++ {
		rec, rest, ok := nextRecord(body, rs)
		if !ok {
			skip.damaged += int(n - i)
			break
		}
		body = rest
		if !crcOK(rec) {
			skip.damaged++
			continue
		}
		kl := len(rec) - 8 - rs
		ls, ok := parseKey(string(rec[4 : 4+kl]))
		if !ok {
			skip.bad++
			continue
		}
		e.restoreRecord(e.hash(ls), ls, rec[4+kl:len(rec)-4], skip, snapVersion)
	}
	return nil
}

// nextRecord cuts the next series, from its key length to its checksum, from body, and
// reports false when its key length is impossible or runs past the end of body.
func nextRecord(body []byte, recSize int) (rec, rest []byte, ok bool) {
	if len(body) < 4 {
		return nil, nil, false
	}
	kl := int64(binary.LittleEndian.Uint32(body))
	end := 4 + kl + int64(recSize) + 4
	if kl == 0 || kl > maxKeyLen || end > int64(len(body)) {
		return nil, nil, false
	}
	return body[:end], body[end:], true
}

// restoreRecord decodes one series' record and installs it, or counts it as impossible
// or beyond max_series.
func (e *Engine) restoreRecord(h uint64, ls []signal.Label, rec []byte, skip *restoreSkips,
	version uint32) {
	var st series
	var tr *trends
	dec := &decoder{b: rec}
	st.visitFields(dec)
	visitTrends(dec, &tr, version)
	switch {
	case dec.bad || !st.valid() || tr != nil && !tr.valid():
		skip.bad++
	case !e.put(h, ls, &st, tr):
		skip.full++
	default:
		skip.kept++
	}
}

// readIdentity reads what names a series: its plain key, and returns its labels and
// their hash. buf is scratch of 4 bytes or more.
func (e *Engine) readIdentity(br *bufio.Reader, buf []byte) (uint64, []signal.Label, error) {
	if _, err := io.ReadFull(br, buf[:4]); err != nil {
		return 0, nil, err
	}
	n := binary.LittleEndian.Uint32(buf)
	if n == 0 || n > maxKeyLen {
		return 0, nil, fmt.Errorf("%w: key of %d bytes", errSnapshot, n)
	}
	kb := make([]byte, n)
	if _, err := io.ReadFull(br, kb); err != nil {
		return 0, nil, err
	}
	ls, ok := parseKey(string(kb))
	if !ok {
		return 0, nil, fmt.Errorf("%w: malformed key", errSnapshot)
	}
	return e.hash(ls), ls, nil
}

// put installs a restored series if there is room, replacing the state of a series with
// the same labels. A replaced series keeps its record and so its references.
func (e *Engine) put(h uint64, ls []signal.Label, rec *series, tr *trends) bool {
	sh := &e.shards[h%numShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	st := sh.find(h, ls)
	if st == nil {
		if !e.reserve() {
			e.m.dropped.Inc()
			return false
		}
		if st = sh.add(h, e.names.pack(ls)); st == nil {
			e.held.Add(-1)
			e.m.dropped.Inc()
			return false
		}
		e.m.series.Inc()
	}
	if st.trended {
		delete(sh.trends, st.idx)
	}
	idx := st.idx
	*st = *rec
	st.idx, st.trended = idx, tr != nil
	if tr != nil {
		sh.trends[idx] = tr
	}
	st.seen = e.clock() // the snapshot keeps no wall clock: restored means seen now
	return true
}

// visitShape visits the week shape.
func visitShape(v fieldVisitor, w *weekShape) {
	for i := range w.bins {
		bin := uint16(w.bins[i])
		v.u16(&bin)
		w.bins[i] = bf16(bin)
		v.u8(&w.weeks[i])
	}
	cur := uint8(w.cur + 1)
	v.u8(&cur)
	w.cur = int8(cur) - 1
	v.u16(&w.n)
	v.f32(&w.sum)
	v.f32(&w.errOff)
	v.f32(&w.errOn)
	v.flag(&w.on)
}
