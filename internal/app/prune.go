package app

import (
	"context"
	"time"
)

// pruneEvery is how often retention runs.
const pruneEvery = 10 * time.Minute

// prune applies retention until ctx ends. A failed prune is logged and retried next time:
// keeping data a little longer is harmless.
func (a *App) prune(ctx context.Context) error {
	return every(ctx, pruneEvery, a.pruneOnce)
}

// every calls fn every d until ctx ends, then returns nil.
func every(ctx context.Context, d time.Duration, fn func(context.Context)) error {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		fn(ctx)
	}
}

func (a *App) pruneOnce(ctx context.Context) {
	now := time.Now()
	n, err := a.st.PruneSignals(ctx, now.Add(-a.cfg.Retention.Signals.Std()))
	if err == nil && n > 0 {
		a.log.Info("signals pruned", "count", n)
	}
	if err != nil && ctx.Err() == nil {
		a.log.Warn("pruning signals failed", "err", err)
	}
	n, err = a.st.PruneIncidents(ctx, now.Add(-a.cfg.Retention.Incidents.Std()))
	if err == nil && n > 0 {
		a.log.Info("incidents pruned", "count", n)
	}
	if err != nil && ctx.Err() == nil {
		a.log.Warn("pruning incidents failed", "err", err)
	}
}
