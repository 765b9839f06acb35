package detect

import (
	"sync"
	"sync/atomic"
	"time"
)

// coarseTick is how often the coarse clock moves.
const coarseTick = 100 * time.Millisecond

// coarse is the process's wall clock in whole Unix seconds, kept by one goroutine. Every
// Observe call stamps its series' last-seen second, and time.Now took 50 ns of the 500 a
// sample may cost at 2 M samples/s; eviction needs only seconds.
var coarse struct {
	once sync.Once
	sec  atomic.Int64
}

// coarseNow returns the Unix second at most coarseTick old.
func coarseNow() int64 {
	coarse.once.Do(func() {
		coarse.sec.Store(time.Now().Unix())
		go func() {
			for t := range time.Tick(coarseTick) {
				coarse.sec.Store(t.Unix())
			}
		}()
	})
	return coarse.sec.Load()
}
