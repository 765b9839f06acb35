package app

import (
	"context"
	"log/slog"
	"sync"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// maxPending bounds the signals an outbox holds while the store fails: about 20 MB.
const maxPending = 10_000

// outbox keeps the signals that detection and log mining raised but the store did not
// take. Their samples and lines have already moved the detectors, so a sender's retry of
// the request does not raise them again (its samples are now out of order): without the
// outbox, a failed commit lost them for good although the retry was answered 2xx. They are
// stored with the next batch that reaches the sink, the retry's included.
type outbox struct {
	mu      sync.Mutex
	pending []signal.Signal
	log     *slog.Logger
	limit   int // signals held at most; maxPending when 0
}

// send stores the pending signals and sigs through accept, keeping them all for the next
// call if it fails. sigs is not retained on success; on failure it is copied.
func (o *outbox) send(ctx context.Context, sigs []signal.Signal,
	accept func(context.Context, []signal.Signal) error) error {
	o.mu.Lock()
	held := o.pending
	o.pending = nil
	o.mu.Unlock()
	all := sigs
	if len(held) > 0 {
		all = append(held, sigs...)
	}

	err := accept(ctx, all)
	if err == nil {
		return nil
	}
	o.keep(all)
	return err
}

// keep puts sigs back in front of whatever arrived meanwhile, dropping the oldest beyond
// the limit.
func (o *outbox) keep(sigs []signal.Signal) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pending = append(append([]signal.Signal(nil), sigs...), o.pending...)
	limit := o.limit
	if limit == 0 {
		limit = maxPending
	}
	if n := len(o.pending) - limit; n > 0 {
		o.log.Warn("store failing; oldest unstored signals dropped", "dropped", n,
			"kept", limit)
		o.pending = append(o.pending[:0:0], o.pending[n:]...)
	}
}
