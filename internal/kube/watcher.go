package kube

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/cerebro-aiops/cerebro/internal/ingest"
	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// Source is the source name of every signal the watcher emits.
const Source = "kubernetes"

// queueSize bounds the signal batches waiting for the sink; when it is full the
// informer callbacks wait, which is the back-pressure on the watch.
const queueSize = 1024

// storeAttempts and storeBackoff bound the retries of a failed store; flushTimeout bounds
// the storing of what is still queued at shutdown.
const (
	storeAttempts = 5
	storeBackoff  = 500 * time.Millisecond
	flushTimeout  = 5 * time.Second
)

// Watcher turns Kubernetes rollouts and Warning events into signals.
type Watcher struct {
	client kubernetes.Interface
	sink   ingest.SignalSink
	log    *slog.Logger
	m      *metrics

	// Namespaces limits the watch; empty means every namespace. Set it before Run.
	Namespaces []string
	// Now is the clock for rollout observations, which carry no time of their own.
	Now func() time.Time

	queue    chan []signal.Signal
	stop     chan struct{}
	stopOnce sync.Once
	synced   chan struct{}
	// handlersSynced reports, per handler, that the first list went through it.
	handlersSynced []cache.InformerSynced

	mu       sync.Mutex
	seen     map[string]string // object uid -> last resourceVersion handled
	rollouts map[string]rollout
}

// New returns a watcher that reads through client and stores into sink; it starts
// nothing until Run.
func New(client kubernetes.Interface, sink ingest.SignalSink, log *slog.Logger,
	reg prometheus.Registerer) *Watcher {
	return &Watcher{
		client: client, sink: sink, log: log.With("component", "kube"),
		m: newMetrics(reg), Now: time.Now,
		queue: make(chan []signal.Signal, queueSize), stop: make(chan struct{}),
		synced: make(chan struct{}),
		seen:   map[string]string{}, rollouts: map[string]rollout{},
	}
}

// Run watches until ctx ends, storing signals as they come; it returns nil on a normal
// stop. Call it once.
func (w *Watcher) Run(ctx context.Context) error {
	factories, err := w.factories()
	if err != nil {
		w.closeStop()
		return err
	}
	for _, f := range factories {
		f.Start(ctx.Done())
	}
	w.log.Info("kubernetes watcher started", "target", w.target())
	go w.waitSynced(ctx)

	w.drain(ctx)

	// A callback waiting on a full queue must give up before the informers can stop.
	w.closeStop()
	w.shutdown(factories)
	w.flush(ctx)
	return nil
}

// Synced is closed once every informer has listed its objects: from then on, changes
// are rollouts and not the state found at start.
func (w *Watcher) Synced() <-chan struct{} { return w.synced }

// drain stores queued signals until ctx ends.
func (w *Watcher) drain(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case sigs := <-w.queue:
			w.store(ctx, sigs)
		}
	}
}

// flush stores what is still queued once the informers have stopped, so that a rollout
// seen just before shutdown is not lost; it gives up after flushTimeout.
func (w *Watcher) flush(parent context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), flushTimeout)
	defer cancel()
	for {
		select {
		case sigs := <-w.queue:
			w.store(ctx, sigs)
		default:
			return
		}
	}
}

// target names what is watched, for logs.
func (w *Watcher) target() string {
	if len(w.Namespaces) == 0 {
		return "all namespaces"
	}
	return "namespaces " + strings.Join(w.Namespaces, ",")
}

func (w *Watcher) closeStop() { w.stopOnce.Do(func() { close(w.stop) }) }

// emit queues signals for the sink; it waits while the queue is full and gives up once
// Run is stopping.
func (w *Watcher) emit(sigs ...signal.Signal) {
	if len(sigs) == 0 {
		return
	}
	select {
	case w.queue <- sigs:
	case <-w.stop:
		w.m.dropped.Add(float64(len(sigs)))
	}
}

// store hands one batch to the sink, retrying with a growing pause.
func (w *Watcher) store(ctx context.Context, sigs []signal.Signal) {
	now := w.Now().UTC()
	for i := range sigs {
		sigs[i].Source, sigs[i].ReceivedAt = Source, now
	}
	wait := storeBackoff
	for attempt := 1; ; attempt++ {
		err := w.sink.Accept(ctx, sigs)
		if err == nil {
			for _, s := range sigs {
				w.m.signals.WithLabelValues(string(s.Kind)).Inc()
			}
			return
		}
		w.m.failures.Inc()
		if attempt == storeAttempts || ctx.Err() != nil {
			w.m.dropped.Add(float64(len(sigs)))
			w.log.Error("kubernetes signals dropped", "err", err, "count", len(sigs))
			return
		}
		w.log.Warn("storing kubernetes signals failed; retrying", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait *= 2
	}
}
