package app

import (
	"context"
	"time"
)

// staleEvery is how often the episodes of series that stopped sending are resolved, at
// most: a quarter of detect.stale_after when that is shorter.
const staleEvery = time.Minute

// staleLoop resolves the firing episodes of series that stopped sending
// (detect.Engine.ResolveStale), so that their incidents can resolve. The signals go
// through the outbox: a failed commit keeps them for the next batch.
func (a *App) staleLoop(ctx context.Context) error {
	every := min(staleEvery, max(a.cfg.Detect.Defaults().StaleAfter/4, time.Second))
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			sigs := a.detect.ResolveStale(nil)
			if len(sigs) == 0 {
				continue
			}
			a.log.Info("resolved the episodes of series that stopped sending",
				"count", len(sigs))
			if err := a.outbox.send(ctx, sigs, a.signals.Accept); err != nil &&
				ctx.Err() == nil {
				a.log.Warn("storing stale resolves failed; kept for the next batch",
					"err", err)
			}
		}
	}
}
