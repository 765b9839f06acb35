package detect

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// damageEngine is an engine whose series have used every part of their state: 15 days of
// five-minute samples give them daily profiles, weekday offsets and week shapes, and
// daily spikes, memory series and counters give recur slots, trends and rates.
func damageEngine(t *testing.T) *Engine {
	t.Helper()
	e := newEngine(t, Config{})
	rng := rand.New(rand.NewPCG(11, 12))
	const n = 15 * 24 * 12
	for i := range 3 {
		pod := "p" + itoa(i+1)
		feed(e, labelsOf("cpu_seconds", "pod", pod), labStart, 5*time.Minute, n,
			func(k int) float64 {
				h := float64(k%288) / 288 * 2 * math.Pi
				v := 50 + 20*math.Sin(h) + rng.NormFloat64()
				if k%288 == 100 { // a daily job
					v += 200
				}
				return v
			})
		feed(e, labelsOf("process_resident_memory_bytes", "pod", pod), labStart,
			5*time.Minute, n, func(k int) float64 { return 1e8 + 1e4*float64(k) })
		feed(e, labelsOf("requests_total", "pod", pod), labStart, 5*time.Minute, n,
			func(k int) float64 { return float64(k * (10 + i)) })
	}
	return e
}

// restoredLabels lists the labels of every series of e.
func restoredLabels(e *Engine) [][]signal.Label {
	var all [][]signal.Label
	for i := range e.shards {
		sh := &e.shards[i]
		sh.mu.Lock()
		sh.series.each(func(_ uint64, st *series) {
			if ls, ok := e.names.unpack(*sh.recs.key(st.idx)); ok {
				all = append(all, ls)
			}
		})
		sh.mu.Unlock()
	}
	return all
}

// feedAll sends every series of e samples an hour apart for half a day after the
// snapshot's last sample, which crosses blocks of the week shape and hours of the profile.
func feedAll(e *Engine) {
	start := labStart.Add(16 * 24 * time.Hour)
	for _, ls := range restoredLabels(e) {
		feed(e, ls, start, time.Hour, 12, func(k int) float64 { return float64(k*k) - 3 })
	}
}

// recordOffsets lists where each series record starts in a version 9 or 10 snapshot.
func recordOffsets(t *testing.T, b []byte, version uint32) []int {
	t.Helper()
	var offs []int
	off, rs := 16, recordSizeOf(version)
	for range binary.LittleEndian.Uint32(b[12:]) {
		n := binary.LittleEndian.Uint32(b[off:])
		off += 4
		for range n {
			off += 4 + int(binary.LittleEndian.Uint32(b[off:]))
			offs = append(offs, off)
			off += rs
		}
	}
	if off != len(b) {
		t.Fatalf("snapshot of %d bytes parsed to %d", len(b), off)
	}
	return offs
}

// fieldSpans lists the offset and size of every field of a record.
type fieldSpans struct{ at [][2]int }

func (f *fieldSpans) add(n int) {
	off := 0
	if k := len(f.at); k > 0 {
		off = f.at[k-1][0] + f.at[k-1][1]
	}
	f.at = append(f.at, [2]int{off, n})
}
func (f *fieldSpans) f64(*float64) { f.add(8) }
func (f *fieldSpans) f32(*float32) { f.add(4) }
func (f *fieldSpans) i64(*int64)   { f.add(8) }
func (f *fieldSpans) u32(*uint32)  { f.add(4) }
func (f *fieldSpans) u16(*uint16)  { f.add(2) }
func (f *fieldSpans) u8(*uint8)    { f.add(1) }
func (f *fieldSpans) flag(*bool)   { f.add(1) }

// recordFields lists the fields of a record of the given version.
func recordFields(version uint32) [][2]int {
	var f fieldSpans
	var tr *trends
	(&series{}).visitFields(&f)
	visitTrends(&f, &tr, version)
	return f.at
}

// damage overwrites a few fields of a few records of a version 10 snapshot, with the
// values a bad disk or a bug would leave: random bits, one bit flipped, or an extreme of
// the field's width, finite where it is a float, so that only the range checks can
// refuse them.
func damage(rng *rand.Rand, b []byte, offs []int, fields [][2]int) {
	for range 1 + rng.IntN(4) {
		rec := offs[rng.IntN(len(offs))]
		for range 1 + rng.IntN(4) {
			f := fields[rng.IntN(len(fields))]
			p := b[rec+f[0] : rec+f[0]+f[1]]
			switch rng.IntN(4) {
			case 0:
				for i := range p {
					p[i] = byte(rng.Uint32())
				}
			case 1:
				p[rng.IntN(len(p))] ^= 1 << rng.IntN(8)
			case 2:
				extreme(rng, p)
			default:
				p[rng.IntN(len(p))] = byte(rng.IntN(130))
			}
		}
	}
}

// extreme writes a large, small or negative value of p's width.
func extreme(rng *rand.Rand, p []byte) {
	switch len(p) {
	case 8:
		vals := []float64{-1e300, 1e300, -1, 0, 5e-324}
		binary.LittleEndian.PutUint64(p, math.Float64bits(vals[rng.IntN(len(vals))]))
	case 4:
		vals := []float32{-3e38, 3e38, -1e20, 1e-38, 0, -1}
		binary.LittleEndian.PutUint32(p, math.Float32bits(vals[rng.IntN(len(vals))]))
	default:
		for i := range p {
			p[i] = 0xff
		}
	}
}

// TestRestoreDamagedNeverPanics damages fields of a real version 10 snapshot, which has
// no checksums, restores it and feeds every restored series: a damaged record is either
// refused or a state that Step runs from. A week shape's block index of 127 used to
// restore and panic every request that carried the series.
func TestRestoreDamagedNeverPanics(t *testing.T) {
	var buf bytes.Buffer
	if err := damageEngine(t).snapshot(&buf, snapNoCRC); err != nil {
		t.Fatal(err)
	}
	clean := buf.Bytes()
	offs, fields := recordOffsets(t, clean, snapNoCRC), recordFields(snapNoCRC)
	rng := rand.New(rand.NewPCG(13, 14))
	refused := 0
	for i := range 300 {
		b := bytes.Clone(clean)
		damage(rng, b, offs, fields)
		e := newEngine(t, Config{})
		err := e.Restore(bytes.NewReader(b))
		if err != nil && !errors.Is(err, errSnapshot) {
			t.Fatalf("round %d: restore error %v", i, err)
		}
		if err != nil {
			refused++
		}
		feedAll(e)
	}
	if refused == 0 {
		t.Error("no damaged record was refused")
	}
}

// TestRestoreRefusesBadBlock: the record of the panic, a week shape's current block
// beyond the week, is refused as impossible.
func TestRestoreRefusesBadBlock(t *testing.T) {
	e := damageEngine(t)
	ls := labelsOf("cpu_seconds", "pod", "p1")
	h := e.hash(ls)
	e.shards[h%numShards].find(h, ls).det.season.shape.cur = 127
	var buf bytes.Buffer
	if err := e.snapshot(&buf, snapNoCRC); err != nil {
		t.Fatal(err)
	}
	got := newEngine(t, Config{})
	err := got.Restore(bytes.NewReader(buf.Bytes()))
	if err == nil || !strings.Contains(err.Error(), "1 with impossible values") {
		t.Errorf("restore error %v, want the one impossible record counted", err)
	}
	if got.Len() != e.Len()-1 {
		t.Errorf("%d series restored, want %d", got.Len(), e.Len()-1)
	}
	feedAll(got)
}

// TestRestoreChecksums flips bytes anywhere in a version 11 snapshot: every series that
// restores must be exactly as it was saved, the others are counted as lost, and the
// error says so. A flip in a chunk's middle costs no other chunk.
func TestRestoreChecksums(t *testing.T) {
	a := damageEngine(t)
	var buf bytes.Buffer
	if err := a.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	clean := buf.Bytes()
	rng := rand.New(rand.NewPCG(15, 16))
	for i := range 300 {
		b := bytes.Clone(clean)
		for range 1 + rng.IntN(3) {
			b[rng.IntN(len(b))] ^= 1 << rng.IntN(8)
		}
		e := newEngine(t, Config{})
		err := e.Restore(bytes.NewReader(b))
		if e.Len() < a.Len() && (err == nil || !strings.Contains(err.Error(), "restored")) {
			t.Fatalf("round %d: %d of %d series restored, error %v", i, e.Len(), a.Len(),
				err)
		}
		sameRecords(t, a, e)
		feedAll(e)
	}
}

// sameRecords fails unless every series of got has the record it has in want.
func sameRecords(t *testing.T, want, got *Engine) {
	t.Helper()
	for _, ls := range restoredLabels(got) {
		h := want.hash(ls)
		w, g := want.shards[h%numShards].find(h, ls), got.shards[h%numShards].find(h, ls)
		if w == nil {
			t.Fatalf("restored a series %v that was not saved", ls)
		}
		var ew, eg encoder
		w.visitFields(&ew)
		g.visitFields(&eg)
		if !bytes.Equal(ew.b, eg.b) {
			t.Fatalf("series %v restored damaged", ls)
		}
	}
}

// TestRestoreTruncated: a snapshot cut short keeps the series before the cut, and its
// error counts them and the ones lost.
func TestRestoreTruncated(t *testing.T) {
	a := damageEngine(t)
	var buf bytes.Buffer
	if err := a.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	e := newEngine(t, Config{})
	err := e.Restore(bytes.NewReader(b[:len(b)*2/3]))
	if err == nil || !strings.Contains(err.Error(), itoa(e.Len())+" series restored") ||
		!strings.Contains(err.Error(), "chunks after it are not read") {
		t.Errorf("truncated restore: error %v with %d series", err, e.Len())
	}
	if e.Len() == 0 || e.Len() == a.Len() {
		t.Errorf("%d of %d series restored from two thirds of the snapshot", e.Len(), a.Len())
	}
}

// TestRestoreVersion10 checks that a snapshot of the version before the checksums
// restores every series as it was saved.
func TestRestoreVersion10(t *testing.T) {
	a := damageEngine(t)
	var buf bytes.Buffer
	if err := a.snapshot(&buf, snapNoCRC); err != nil {
		t.Fatal(err)
	}
	b := newEngine(t, Config{})
	if err := b.Restore(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatalf("restoring version 10: %v", err)
	}
	if b.Len() != a.Len() {
		t.Fatalf("restored %d series, want %d", b.Len(), a.Len())
	}
	sameRecords(t, a, b)
}

// TestRestoreResyncsChunkHead checks that a damaged chunk head costs its chunk, not every
// chunk after it: a tester's one changed length byte in the first chunk's head restored 0
// of 20,000 series.
func TestRestoreResyncsChunkHead(t *testing.T) {
	a := damageEngine(t)
	var buf bytes.Buffer
	if err := a.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// The first chunk that holds series; heads start after the 16-byte header and its
	// 4-byte checksum, each head its count, its length and its checksum.
	head := 20
	for binary.LittleEndian.Uint32(b[head:]) == 0 {
		head += 12 + int(binary.LittleEndian.Uint32(b[head+4:]))
	}
	b[head+4] ^= 0xff
	e := newEngine(t, Config{})
	err := e.Restore(bytes.NewReader(b))
	if err == nil || !strings.Contains(err.Error(), "1 chunks whose head was damaged") {
		t.Errorf("error %v, want one damaged chunk head reported", err)
	}
	if e.Len() == 0 || e.Len() >= a.Len() {
		t.Fatalf("%d of %d series restored, want all but the first chunk's", e.Len(),
			a.Len())
	}
	sameRecords(t, a, e)
	feedAll(e)
}
