package demo

import (
	"sync"
	"time"
)

// catchUpClock replays simulated history, then follows the wall clock. During the
// backfill the demo sets it step by step; after Live it is time.Now.
type catchUpClock struct {
	mu   sync.Mutex
	now  time.Time
	live bool
}

// Now returns the simulated time, or the wall time once live.
func (c *catchUpClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live {
		return time.Now()
	}
	return c.now
}

func (c *catchUpClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Live switches to the wall clock.
func (c *catchUpClock) Live() {
	c.mu.Lock()
	c.live = true
	c.mu.Unlock()
}
