// Package app wires the pipeline stages together and runs them as one group: when one
// fails, all stop. New reads top to bottom in data-flow order:
// ingest -> store (signal log) -> bus -> correlate -> diagnose, with the read API beside.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/cerebro-aiops/cerebro/internal/api"
	"github.com/cerebro-aiops/cerebro/internal/bus"
	"github.com/cerebro-aiops/cerebro/internal/config"
	"github.com/cerebro-aiops/cerebro/internal/correlate"
	"github.com/cerebro-aiops/cerebro/internal/detect"
	"github.com/cerebro-aiops/cerebro/internal/diagnose"
	"github.com/cerebro-aiops/cerebro/internal/logs"
	"github.com/cerebro-aiops/cerebro/internal/pull"
	"github.com/cerebro-aiops/cerebro/internal/store"
	"github.com/cerebro-aiops/cerebro/internal/topology"
)

// App is one running CEREBRO server.
type App struct {
	cfg       config.Config
	log       *slog.Logger
	st        *store.Store
	reg       *prometheus.Registry
	ln        net.Listener
	srv       *http.Server
	correlate *correlate.Engine
	diagnose  *diagnose.Engine
	detect    *detect.Engine
	miner     *logs.Miner
	signals   *signalSink
	outbox    *outbox // derived signals the store has not taken yet
	// snapshots are the stages whose state survives restarts, in the order they are
	// saved: the pull positions first (see saveAll).
	snapshots []stage
	unlock    func() // releases the data directory (lockDataDir)
	routes    []api.Route
	runners   []func(ctx context.Context) error
	ready     atomic.Bool
}

// New builds the whole pipeline from cfg and binds the listener, so Addr is known before
// Run. It refuses a non-loopback listener without an API token, and any config that
// fails the loader's checks: callers such as the demo build theirs in code.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	if !config.IsLoopback(cfg.Listen) && strings.TrimSpace(cfg.APIToken) == "" {
		return nil, config.ErrInsecureListen
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("checking config:\n%w", err)
	}
	a := &App{cfg: cfg, log: log, reg: prometheus.NewRegistry()}
	a.reg.MustRegister(collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	// One server per data directory: the store and the snapshots are its alone.
	unlock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	a.unlock = unlock

	// The store holds the signal log every later stage reads.
	st, err := store.Open(ctx, cfg.DataDir)
	if err != nil {
		unlock()
		return nil, err
	}
	a.st = st

	// The service graph, then the stages in data-flow order.
	graph := topology.New()
	for _, s := range cfg.Services {
		for _, d := range s.DependsOn {
			graph.Add(s.Name, d)
		}
	}
	if err := a.buildStages(st, graph); err != nil {
		a.shutdown()
		return nil, err
	}

	// Ingest routes feed the stages; the API reads the store.
	a.routes = a.ingestRoutes()
	handler := api.Handler(api.Options{Store: st, Gatherer: a.reg, Token: cfg.APIToken,
		Routes: a.routes, Ready: a.ready.Load, Log: log.With("component", "api")})

	a.ln, err = net.Listen("tcp", cfg.Listen)
	if err != nil {
		a.shutdown()
		return nil, fmt.Errorf("listening on %s: %w", cfg.Listen, err)
	}
	a.srv = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	return a, nil
}

// Addr is the address the server listens on (useful with port 0).
func (a *App) Addr() string { return a.ln.Addr().String() }

// Store exposes the store to in-process callers (the demo, tests).
func (a *App) Store() *store.Store { return a.st }

// Run serves until ctx ends or a component fails, then shuts everything down.
func (a *App) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return a.correlate.Run(ctx) })
	g.Go(func() error { return a.diagnose.Run(ctx) })
	g.Go(func() error { return a.prune(ctx) })
	g.Go(func() error { return a.snapshotLoop(ctx) })
	g.Go(func() error { return a.flushLoop(ctx) })
	g.Go(func() error { return a.staleLoop(ctx) })
	for _, r := range a.runners {
		g.Go(func() error { return r(ctx) })
	}
	g.Go(func() error {
		err := a.srv.Serve(a.ln)
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serving HTTP: %w", err)
	})
	g.Go(func() error {
		<-ctx.Done()
		a.log.Info("shutting down: saving snapshots, closing the store")
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return a.srv.Shutdown(sctx)
	})
	a.ready.Store(true)
	a.log.Info("serving", "addr", a.Addr(), "data_dir", a.cfg.DataDir)

	err := g.Wait()
	a.ready.Store(false)
	if cerr := a.shutdown(); err == nil {
		err = cerr
	}
	return err
}

func (a *App) shutdown() error {
	defer a.unlock()
	return a.st.Close()
}

// buildStages creates the stages in data-flow order: detectors and the miner turn samples
// and lines into signals, the signal sink appends them to the log, correlate reads the log
// and hands changed incidents to diagnose.
func (a *App) buildStages(st *store.Store, graph *topology.Graph) error {
	var err error
	a.detect, err = detect.New(a.cfg.Detect, a.log, a.reg)
	if err != nil {
		return fmt.Errorf("building detector: %w", err)
	}
	a.miner, err = logs.New(a.cfg.Logs, a.log, a.reg)
	if err != nil {
		return fmt.Errorf("building log miner: %w", err)
	}
	a.snapshots = []stage{{"detect", a.detect}, {"logs", a.miner}}
	for _, s := range a.snapshots {
		a.restore(s.name, s.s)
	}

	topic := bus.NewTopic()
	a.signals = &signalSink{st: st, topic: topic, miner: a.miner, detect: a.detect}
	a.diagnose = diagnose.New(st, graph, a.log, a.reg)
	a.correlate = correlate.New(st, graph, correlate.Config{
		Window: a.cfg.Correlate.Window.Std(), Hops: a.cfg.Correlate.Hops,
	}, topic.C(), a.diagnose, a.log, a.reg)

	a.outbox = &outbox{log: a.log.With("component", "sink")}
	series := &seriesSink{det: a.detect, sink: a.signals, outbox: a.outbox}
	for _, pc := range a.cfg.Pull {
		p := pull.New(pc, series, a.log, a.reg)
		a.restore(p.SnapshotName(), p)
		a.snapshots = append([]stage{{p.SnapshotName(), p}}, a.snapshots...)
		a.runners = append(a.runners, p.Run)
	}
	return a.addKube()
}
