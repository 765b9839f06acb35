package lab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"
)

// Config configures a lab. The zero value runs the default topology on a 24-hour day,
// listening on a free loopback port, talking to nobody.
type Config struct {
	// Listen is the address of the control API and /metrics; default 127.0.0.1:0.
	Listen string `yaml:"listen"`
	// CerebroURL is CEREBRO's base URL; when set, deploys and rollbacks post change events
	// to {CerebroURL}/api/v1/ingest/changes.
	CerebroURL string `yaml:"cerebro_url"`
	// CerebroToken, when set, is sent as a bearer token with every request to CEREBRO.
	CerebroToken string `yaml:"cerebro_token"`
	// PushURL, when set, receives the lab's metrics by Prometheus remote_write every
	// PushInterval (default 5s), for setups without a Prometheus.
	PushURL      string        `yaml:"push_url"`
	PushInterval time.Duration `yaml:"push_interval"`
	// Environment goes into change events; default "lab".
	Environment string `yaml:"environment"`
	// Services is the topology; default DefaultTopology.
	Services []Service `yaml:"services"`
	// Shape sets the daily shape, noise and fault timing; zero fields take DefaultShape's.
	Shape Shape `yaml:"shape"`
	// Seed seeds the noise; runs with the same seed and clock readings are identical.
	Seed uint64 `yaml:"seed"`
	// Clock is the time source; default the wall clock.
	Clock Clock `yaml:"-"`
	// HTTPClient sends change events and pushes; default a client with a 10s timeout.
	HTTPClient *http.Client `yaml:"-"`
}

// withDefaults fills the zero fields of c.
func (c Config) withDefaults() Config {
	def := DefaultShape()
	if c.Listen == "" {
		c.Listen = "127.0.0.1:0"
	}
	if c.PushInterval <= 0 {
		c.PushInterval = 5 * time.Second
	}
	if c.Environment == "" {
		c.Environment = "lab"
	}
	if len(c.Services) == 0 {
		c.Services = DefaultTopology()
	}
	if c.Shape.DayLength == 0 {
		c.Shape.DayLength = def.DayLength
	}
	if c.Shape.DayAmplitude == 0 {
		c.Shape.DayAmplitude = def.DayAmplitude
	}
	if c.Shape.Noise == (Noise{}) {
		c.Shape.Noise = def.Noise
	}
	if c.Shape.FaultRamp <= 0 {
		c.Shape.FaultRamp = def.FaultRamp
	}
	if c.Shape.Recovery <= 0 {
		c.Shape.Recovery = def.Recovery
	}
	if c.Clock == nil {
		c.Clock = systemClock{}
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return c
}

// Lab is a running simulated world: its services, their metrics, and the control API.
type Lab struct {
	cfg   Config
	log   *slog.Logger
	world *world
	regs  map[string]*prometheus.Registry // one per service, as each would have its own

	ready chan struct{}
	mu    sync.Mutex
	addr  string
}

// New builds a lab from cfg. It starts nothing; Run serves it. It fails on a topology that
// names unknown services, repeats a name or has a cycle.
func New(cfg Config, log *slog.Logger) (*Lab, error) {
	cfg = cfg.withDefaults()
	w, err := newWorld(cfg.Services, cfg.Shape, cfg.Seed, cfg.Clock.Now())
	if err != nil {
		return nil, fmt.Errorf("building lab: %w", err)
	}
	l := &Lab{
		cfg: cfg, log: log.With("component", "lab"), world: w,
		regs: make(map[string]*prometheus.Registry), ready: make(chan struct{}),
	}
	for _, s := range cfg.Services {
		reg := prometheus.NewPedanticRegistry()
		if err := reg.Register(newCollector(w, cfg.Clock, s)); err != nil {
			return nil, fmt.Errorf("registering metrics of %s: %w", s.Name, err)
		}
		l.regs[s.Name] = reg
	}
	return l, nil
}

// Run listens on the configured address, serves the control API and metrics, and pushes
// metrics by remote_write when a push URL is set. It blocks until ctx is done or serving
// fails, and returns nil on a clean stop.
func (l *Lab) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", l.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", l.cfg.Listen, err)
	}
	l.mu.Lock()
	l.addr = ln.Addr().String()
	l.mu.Unlock()
	close(l.ready)
	l.log.Info("lab listening", "addr", l.addr, "services", len(l.cfg.Services))

	srv := &http.Server{Handler: l.Handler(), ReadHeaderTimeout: 10 * time.Second}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serving lab: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shut)
	})
	if l.cfg.PushURL != "" {
		g.Go(func() error { return l.pushLoop(ctx) })
	}
	return g.Wait()
}

// Ready is closed once Run listens; Addr is valid from then on.
func (l *Lab) Ready() <-chan struct{} { return l.ready }

// Addr is the host:port the lab listens on, or "" before Run has bound it.
func (l *Lab) Addr() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.addr
}

// Services returns the names of the lab's services in topology order.
func (l *Lab) Services() []string {
	out := make([]string, len(l.cfg.Services))
	for i, s := range l.cfg.Services {
		out[i] = s.Name
	}
	return out
}

// Edges returns the lab's call graph, caller to callee, for CEREBRO's service graph.
func (l *Lab) Edges() []Edge { return Edges(l.cfg.Services) }

// Deploy makes service run version now and posts a deploy change event to CEREBRO when
// one is configured. A version whose name contains "leak" brings the memory-leak fault.
// The deploy stands even when posting the event fails; the error then says so.
func (l *Lab) Deploy(ctx context.Context, service, version string) error {
	return l.deploy(ctx, service, version, "")
}

// DeployFault is Deploy with the fault named explicitly (FaultMemoryLeak), whatever the
// version is called.
func (l *Lab) DeployFault(ctx context.Context, service, version, fault string) error {
	return l.deploy(ctx, service, version, fault)
}

func (l *Lab) deploy(ctx context.Context, service, version, fault string) error {
	c, err := l.world.deploy(l.cfg.Clock.Now(), service, version, fault)
	if err != nil {
		return err
	}
	l.log.Info("deployed", "service", service, "version", version, "previous", c.Previous)
	return l.postChange(ctx, c)
}

// Rollback makes service run its previous version again now, which clears any fault the
// current one brought, and posts a rollback change event to CEREBRO when one is
// configured. The rollback stands even when posting the event fails.
func (l *Lab) Rollback(ctx context.Context, service string) error {
	c, err := l.world.rollback(l.cfg.Clock.Now(), service)
	if err != nil {
		return err
	}
	l.log.Info("rolled back", "service", service, "version", c.Version, "from", c.Previous)
	return l.postChange(ctx, c)
}

// Truth returns the faults injected so far.
func (l *Lab) Truth() Truth { return l.world.truth() }

// State returns what runs now and how each service is doing.
func (l *Lab) State() State { return l.world.state(l.cfg.Clock.Now()) }
