package app

import (
	"context"
	"time"
)

// staleEvery is how often the episodes of series that stopped sending are resolved, at
// most: a quarter of detect.stale_after when that is shorter.
const staleEvery = time.Minute

// staleLoop resolves the firing episodes of series that stopped sending
// (detect.Engine.ResolveStale), so that their incidents can resolve.
func (a *App) staleLoop(ctx context.Context) error {
	d := min(staleEvery, max(a.cfg.Detect.Defaults().StaleAfter/4, time.Second))
	return every(ctx, d, a.resolveStale)
}

// resolveStale stores the resolves through the outbox: a failed commit keeps them for the
// next batch.
func (a *App) resolveStale(ctx context.Context) {
	sigs := a.detect.ResolveStale(nil)
	if len(sigs) == 0 {
		return
	}
	a.log.Info("resolved the episodes of series that stopped sending", "count", len(sigs))
	if err := a.outbox.send(ctx, sigs, a.signals.Accept); err != nil && ctx.Err() == nil {
		a.log.Warn("storing stale resolves failed; kept for the next batch", "err", err)
	}
}
