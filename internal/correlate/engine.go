package correlate

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cerebro-aiops/cerebro/internal/signal"
	"github.com/cerebro-aiops/cerebro/internal/store"
	"github.com/cerebro-aiops/cerebro/internal/topology"
)

// cursorName is this consumer's name in the store's cursor table.
const cursorName = "correlate"

// batchSize bounds how many signals one transaction applies.
const batchSize = 256

// Changed receives the ids of incidents a batch changed, after the batch committed.
// It must not block for long: diagnose queues the ids and works on its own goroutine.
type Changed interface {
	IncidentsChanged(ids []int64)
}

// Config tunes grouping.
type Config struct {
	Window time.Duration // how long after last activity a related signal still joins
	Hops   int           // max service-graph distance between services of one incident
}

// Engine is the correlate stage.
type Engine struct {
	st    *store.Store
	graph *topology.Graph
	cfg   Config
	wake  <-chan struct{}
	out   Changed
	log   *slog.Logger
	m     *metrics
	now   func() time.Time
}

// New builds the engine; it starts nothing. wake tells it new signals were appended.
func New(st *store.Store, graph *topology.Graph, cfg Config, wake <-chan struct{},
	out Changed, log *slog.Logger, reg prometheus.Registerer) *Engine {
	return &Engine{st: st, graph: graph, cfg: cfg, wake: wake, out: out,
		log: log.With("component", "correlate"), m: newMetrics(reg), now: time.Now}
}

// Run applies signals until ctx ends. A failing batch is retried after a pause; it is
// never skipped, because skipping would lose a signal.
func (e *Engine) Run(ctx context.Context) error {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		n, err := e.Step(ctx)
		if err != nil && ctx.Err() == nil {
			e.log.Error("applying signals failed", "err", err)
		}
		if n == batchSize && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-e.wake:
		case <-tick.C:
		}
	}
}

// Step applies the next batch of signals after the cursor and returns how many it read.
func (e *Engine) Step(ctx context.Context) (int, error) {
	var sigs []signal.Signal
	touched := map[int64]bool{}
	err := e.st.Update(ctx, func(tx *store.Tx) error {
		seq, err := tx.Cursor(cursorName)
		if err != nil {
			return err
		}
		sigs, err = tx.SignalsAfter(seq, batchSize)
		if err != nil || len(sigs) == 0 {
			return err
		}
		for i := range sigs {
			if err := e.apply(tx, &sigs[i], touched); err != nil {
				return err
			}
		}
		return tx.SetCursor(cursorName, sigs[len(sigs)-1].ID)
	})
	if err != nil {
		return 0, err
	}
	if len(touched) > 0 && e.out != nil {
		ids := make([]int64, 0, len(touched))
		for id := range touched {
			ids = append(ids, id)
		}
		e.out.IncidentsChanged(ids)
	}
	return len(sigs), nil
}
