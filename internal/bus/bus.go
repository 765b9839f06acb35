// Package bus carries "there is new work" between stages. The embedded default is in
// process: the signal log in the store holds the data, and the bus only wakes the
// consumers that read it, so a missed wake-up costs latency, never data.
//
// Notify never blocks; several notifications before a consumer wakes coalesce into one.
package bus

// Topic is a coalescing wake-up channel for one consumer.
type Topic struct {
	ch chan struct{}
}

// NewTopic creates a topic.
func NewTopic() *Topic { return &Topic{ch: make(chan struct{}, 1)} }

// Notify wakes the consumer; it never blocks.
func (t *Topic) Notify() {
	select {
	case t.ch <- struct{}{}:
	default:
	}
}

// C is the channel the consumer waits on.
func (t *Topic) C() <-chan struct{} { return t.ch }
