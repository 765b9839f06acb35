package nab

import (
	"runtime"
	"sync"
)

// Scorer scores one series in streaming order: it is called once per row, in row order,
// and returns that row's anomaly score in [0, 1].
type Scorer func(t int64, v float64) float64

// Run feeds every file to a fresh Scorer from newScorer and collects the scores. Files run
// on up to GOMAXPROCS goroutines; done, if not nil, is called once per finished file (from
// any goroutine, never concurrently).
func Run(c *Corpus, newScorer func() Scorer, done func(*File)) [][]float64 {
	out := make([][]float64, len(c.Files))
	work := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				out[i] = runFile(c.Files[i], newScorer())
				if done != nil {
					mu.Lock()
					done(c.Files[i])
					mu.Unlock()
				}
			}
		}()
	}
	for i := range c.Files {
		work <- i
	}
	close(work)
	wg.Wait()
	return out
}

func runFile(f *File, s Scorer) []float64 {
	scores := make([]float64, len(f.Values))
	for i := range f.Values {
		scores[i] = s(f.Times[i], f.Values[i])
	}
	return scores
}
