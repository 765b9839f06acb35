package detect

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// batchRound builds one request: a point at time t for each of n series, by reference
// for those that have one, with a step on series 7 from round 200 on.
func batchRound(names [][]signal.Label, refs []uint64, r int) []signal.Series {
	t := labStart.Add(time.Duration(r) * 15 * time.Second).UnixMilli()
	req := make([]signal.Series, len(names))
	for i, ls := range names {
		v := 100 + float64(i) + float64((r*7+i*3)%11)/10
		if i == 7 && r >= 200 {
			v += 50
		}
		p := []signal.Point{{T: t, V: v}}
		if refs[i] != 0 && r%5 != 0 {
			req[i] = signal.Series{Points: p, Ref: refs[i]}
			continue
		}
		req[i] = signal.Series{Labels: ls, Points: p}
	}
	return req
}

// TestObserveBatchMatchesObserveRef checks that a batch, with its prefetches, raises the
// same signals and hands back the same references as one ObserveRef call per series:
// the prefetch is a hint and must change nothing but speed.
func TestObserveBatchMatchesObserveRef(t *testing.T) {
	names := make([][]signal.Label, 40)
	for i := range names {
		names[i] = labelsOf("http_requests_in_flight", "pod", itoa(i))
	}
	one, batch := newEngine(t, Config{}), newEngine(t, Config{})
	withClock(one)
	withClock(batch)
	refsOne, refsBatch := make([]uint64, len(names)), make([]uint64, len(names))
	var sigsOne, sigsBatch []signal.Signal
	for r := 0; r < 260; r++ {
		req := batchRound(names, refsOne, r)
		for i := range req {
			sigsOne = one.ObserveRef(&req[i], sigsOne)
			refsOne[i] = req[i].Ref
		}
		req = batchRound(names, refsBatch, r)
		sigsBatch = batch.ObserveBatch(req, sigsBatch)
		for i := range req {
			refsBatch[i] = req[i].Ref
			if req[i].Labels != nil && req[i].Hash != signal.HashLabels(req[i].Labels) {
				t.Fatalf("round %d series %d: Hash %x, want HashLabels", r, i, req[i].Hash)
			}
		}
	}
	if !reflect.DeepEqual(refsOne, refsBatch) {
		t.Errorf("references differ:\none   %v\nbatch %v", refsOne, refsBatch)
	}
	if len(sigsOne) == 0 {
		t.Fatal("the step on series 7 raised no signal: the test checks nothing")
	}
	if !reflect.DeepEqual(summaries(sigsOne), summaries(sigsBatch)) {
		t.Errorf("signals differ:\none   %v\nbatch %v", summaries(sigsOne),
			summaries(sigsBatch))
	}
}

// TestObserveBatchWhileTablesGrow runs batches of new series on several goroutines, so
// that tables grow and records are handed out while other batches prefetch from them
// without the shard lock (run with -race), and checks that every series is held.
func TestObserveBatchWhileTablesGrow(t *testing.T) {
	e := newEngine(t, Config{})
	const workers, perWorker = 4, 3000
	var wg sync.WaitGroup
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			req := make([]signal.Series, 0, 64)
			for i := 0; i < perWorker; i += 64 {
				req = req[:0]
				for k := i; k < min(i+64, perWorker); k++ {
					ls := labelsOf("queue_depth", "worker", itoa(g), "n", itoa(k))
					p := []signal.Point{{T: int64(1000 + k), V: float64(k % 9)}}
					req = append(req, signal.Series{Labels: ls, Points: p})
				}
				e.ObserveBatch(req, nil)
				for k := range req {
					// Again by reference: the prefetch then reads the record.
					req[k] = signal.Series{Ref: req[k].Ref,
						Points: []signal.Point{{T: int64(2000 + i + k), V: 1}}}
				}
				e.ObserveBatch(req, nil)
			}
		}(g)
	}
	wg.Wait()
	if e.Len() != workers*perWorker {
		t.Fatalf("holding %d series, want %d", e.Len(), workers*perWorker)
	}
}
