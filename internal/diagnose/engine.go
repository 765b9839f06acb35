package diagnose

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cerebro-aiops/cerebro/internal/signal"
	"github.com/cerebro-aiops/cerebro/internal/store"
	"github.com/cerebro-aiops/cerebro/internal/topology"
)

// Lookback is how long before an incident's first signal a change still counts as a
// suspect. Bad deploys usually show within minutes; slow leaks can take an hour or more.
const Lookback = 2 * time.Hour

// pace is the least time between two diagnosis passes. A flood changes its incident in
// every correlate batch; without a pause each batch would rank the incident again, and
// the writes would compete with correlate for the store's one writer.
const pace = time.Second

// Engine is the diagnose stage.
type Engine struct {
	st    *store.Store
	graph *topology.Graph
	log   *slog.Logger
	runs  prometheus.Counter
	now   func() time.Time

	mu      sync.Mutex
	pending map[int64]bool
	wake    chan struct{}
}

// New builds the engine; it starts nothing.
func New(st *store.Store, graph *topology.Graph, log *slog.Logger,
	reg prometheus.Registerer) *Engine {
	e := &Engine{st: st, graph: graph, log: log.With("component", "diagnose"),
		pending: map[int64]bool{}, wake: make(chan struct{}, 1), now: time.Now,
		runs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cerebro_diagnose_runs_total",
			Help: "Diagnoses computed.",
		})}
	if reg != nil {
		reg.MustRegister(e.runs)
	}
	return e
}

// IncidentsChanged queues incidents for diagnosis; it never blocks.
func (e *Engine) IncidentsChanged(ids []int64) {
	e.mu.Lock()
	for _, id := range ids {
		e.pending[id] = true
	}
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run diagnoses queued incidents until ctx ends. Passes are at least pace apart; ids
// queued meanwhile coalesce into the next pass.
func (e *Engine) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-e.wake:
		}
		for _, id := range e.take() {
			if err := e.Diagnose(ctx, id); err != nil && ctx.Err() == nil {
				e.log.Error("diagnosing incident failed", "incident_id", id, "err", err)
			}
		}

		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pace):
		}
	}
}

func (e *Engine) take() []int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := make([]int64, 0, len(e.pending))
	for id := range e.pending {
		ids = append(ids, id)
	}
	clear(e.pending)
	slices.Sort(ids)
	return ids
}

// Diagnose recomputes and stores the hypotheses of one incident. It ranks the key
// members only (each service's first and the strongest anomaly), which give the same
// ranking as all of them, so that a flood of thousands of members stays cheap.
func (e *Engine) Diagnose(ctx context.Context, id int64) error {
	in, err := e.st.IncidentHeader(ctx, id)
	if err != nil {
		return err
	}
	if in.Members, err = e.st.KeyMembers(ctx, id, in.Services); err != nil {
		return err
	}
	suspects := suspectServices(e.graph, in.Services)
	changes, err := e.st.Changes(ctx, suspects, in.FirstSignalAt.Add(-Lookback),
		in.LastActivity.Add(time.Minute))
	if err != nil {
		return err
	}
	hyps := Rank(e.graph, &in, changes)
	e.runs.Inc()

	return e.st.Update(ctx, func(tx *store.Tx) error {
		cur, err := tx.IncidentHeader(id)
		if err != nil {
			return err
		}
		prevTop := topKey(cur.Hypotheses)
		cur.Hypotheses = hyps
		now := e.now().UTC()
		if len(hyps) > 0 && cur.DiagnosedAt.IsZero() {
			cur.DiagnosedAt = now
		}
		if len(hyps) > 0 && cur.Status == signal.IncidentOpen {
			cur.Status = signal.IncidentDiagnosed
		}
		if err := tx.SaveIncident(cur); err != nil {
			return err
		}
		if k := topKey(hyps); k != "" && k != prevTop {
			e.log.Info("incident diagnosed", "incident_id", id, "service", hyps[0].Service,
				"kind", hyps[0].Kind, "score", hyps[0].Score)
			return tx.AddEntry(id, signal.Entry{At: now, RecordedAt: now, Type: "diagnosed",
				Text: "top hypothesis: " + hyps[0].Explanation})
		}
		return nil
	})
}

func topKey(h []signal.Hypothesis) string {
	if len(h) == 0 {
		return ""
	}
	return h[0].Kind + "/" + h[0].Service
}

// suspectServices are the incident's services and their direct dependencies: a change on
// a callee can break its callers before the callee itself alerts.
func suspectServices(g *topology.Graph, services []string) []string {
	out := slices.Clone(services)
	for _, s := range services {
		for _, d := range g.Callees(s) {
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	return out
}
