package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cerebro-aiops/cerebro/internal/app"
	"github.com/cerebro-aiops/cerebro/internal/config"
	"github.com/cerebro-aiops/cerebro/internal/lab"
)

// Options configure a scenario run. Zero fields take the defaults from Defaults.
type Options struct {
	Listen       string        // CEREBRO's listen address; default 127.0.0.1:0
	DataDir      string        // default a fresh temporary directory, removed after
	Backfill     time.Duration // simulated history before the live run; default 30m
	Step         time.Duration // scrape step of the history and the live pushes; default 2s
	Settle       time.Duration // live time before the fault; default 10s
	FaultService string        // default payments
	FaultVersion string        // default v1.1.0-leak (a name with "leak" brings the fault)
	Diagnose     time.Duration // how long to wait for the right diagnosis; default 3m
	Resolve      time.Duration // how long to wait for resolution after rollback; default 3m
	Seed         uint64
}

// Defaults fills the zero fields.
func (o Options) Defaults() Options {
	set := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	set(&o.Backfill, 30*time.Minute)
	set(&o.Step, 2*time.Second)
	set(&o.Settle, 10*time.Second)
	set(&o.Diagnose, 3*time.Minute)
	set(&o.Resolve, 3*time.Minute)
	if o.FaultService == "" {
		o.FaultService = "payments"
	}
	if o.FaultVersion == "" {
		o.FaultVersion = "v1.1.0-leak"
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// Run plays the scenario, printing the timeline to out as it unfolds, and returns the
// outcome. The server and lab stop when Run returns.
func Run(ctx context.Context, o Options, out io.Writer, log *slog.Logger) (Result, error) {
	o = o.Defaults()
	if o.DataDir == "" {
		dir, err := os.MkdirTemp("", "cerebro-demo-")
		if err != nil {
			return Result{}, fmt.Errorf("creating demo data dir: %w", err)
		}
		defer os.RemoveAll(dir)
		o.DataDir = dir
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)

	// The server, on embedded defaults plus the lab's service graph.
	clock := &catchUpClock{now: time.Now().Add(-o.Backfill)}
	labCfg := lab.Config{Listen: "127.0.0.1:0", Seed: o.Seed, Clock: clock,
		PushInterval: o.Step}
	cfg := config.Default()
	cfg.Listen, cfg.DataDir = o.Listen, o.DataDir
	cfg.Services = graphOf(lab.DefaultTopology())
	srv, err := app.New(ctx, cfg, log)
	if err != nil {
		return Result{}, err
	}
	g.Go(func() error { return srv.Run(gctx) })
	base := "http://" + srv.Addr()
	fmt.Fprintf(out, "CEREBRO listening on %s (data in %s)\n", base, o.DataDir)

	// The lab, pushing to the server and posting its deploys there.
	labCfg.PushURL = base + "/api/v1/ingest/remote-write"
	labCfg.CerebroURL = base
	l, err := lab.New(labCfg, log)
	if err != nil {
		return Result{}, err
	}
	s := &scenario{o: o, out: out, lab: l, clock: clock, api: &client{base: base}}
	res, err := s.play(gctx, g, l)
	cancel()
	if werr := g.Wait(); werr != nil && !errors.Is(werr, context.Canceled) && err == nil {
		err = werr
	}
	return res, err
}

func graphOf(services []lab.Service) []config.Service {
	var out []config.Service
	for _, s := range services {
		cs := config.Service{Name: s.Name}
		for _, c := range s.Calls {
			cs.DependsOn = append(cs.DependsOn, c.Service)
		}
		out = append(out, cs)
	}
	return out
}
