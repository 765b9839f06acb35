package logs

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// The reasons a log signal is raised, as its "reason" label says.
const (
	ReasonNewTemplate = "new_template"
	ReasonRateShift   = "rate_shift"
	ReasonAfterDeploy = "after_deploy"
)

// unknownService names the service of lines that carry none.
const unknownService = "unknown"

// Miner mines templates per service and raises log signals. It is safe for concurrent
// use: the service table has one lock and each service its own.
type Miner struct {
	cfg Config
	log *slog.Logger
	met *metrics
	now func() time.Time

	mu       sync.RWMutex
	services map[string]*service
	deploys  map[string]time.Time // last deploy per service
}

// service is the mining state of one service.
type service struct {
	mu     sync.Mutex
	name   string
	p      *Parser
	born   time.Time // log time of its first line, for warm-up
	bucket time.Time // start of the open rate bucket
}

// New builds a Miner. It starts nothing; a nil reg registers no metrics.
func New(cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Miner, error) {
	cfg.fill()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("checking logs config: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Miner{
		cfg: cfg, log: log.With("component", "logs"), met: newMetrics(reg), now: time.Now,
		services: make(map[string]*service), deploys: make(map[string]time.Time),
	}, nil
}

// NoteChange tells the miner a deploy happened, for the after-deploy signal.
func (m *Miner) NoteChange(service string, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if at.After(m.deploys[service]) {
		m.deploys[service] = at
	}
}

func (m *Miner) lastDeploy(service string) time.Time {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.deploys[service]
}

// Observe mines a batch of lines and appends the signals they raise (new template at
// warning or above, template rate shift, error template right after a deploy) to out.
// Safe for concurrent use.
func (m *Miner) Observe(lines []signal.LogLine, out []signal.Signal) []signal.Signal {
	for i := range lines {
		out = m.observe(&lines[i], out)
	}
	m.met.lines.Add(float64(len(lines)))
	return out
}

// Flush closes the rate buckets of every service up to now, so that a shift ends even when
// its template, or its whole service, has gone quiet. Call it about once per rate bucket.
func (m *Miner) Flush(now time.Time, out []signal.Signal) []signal.Signal {
	m.mu.RLock()
	svcs := make([]*service, 0, len(m.services))
	for _, s := range m.services {
		svcs = append(svcs, s)
	}
	m.mu.RUnlock()
	for _, s := range svcs {
		s.mu.Lock()
		out = m.roll(s, now, out)
		s.mu.Unlock()
	}
	return out
}

func (m *Miner) observe(l *signal.LogLine, out []signal.Signal) []signal.Signal {
	name := l.Service
	if name == "" {
		name = unknownService
	}
	at := l.Time
	if at.IsZero() {
		at = m.now()
	}
	s := m.service(name, at)
	if s == nil {
		m.met.dropped.Inc()
		return out
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out = m.roll(s, at, out)

	msg, headLevel := l.Body, signal.Severity("")
	if !m.cfg.KeepHeaders {
		msg, headLevel = SplitHeader(l.Body)
	}
	ev, tr := s.p.Evicted, s.p.Truncated
	t, isNew := s.p.Add(msg)
	m.met.count(s.p.Evicted-ev, s.p.Truncated-tr, isNew)
	sev := l.Severity
	if sev == "" {
		sev = headLevel
	}
	if sev == "" {
		sev = InferSeverity(msg)
	}
	prevLast := t.LastSeen
	t.note(l, at, sev, m.cfg.Examples, isNew)

	// The text is rendered only for a signal: for a line of another word count than its
	// template it takes an alignment.
	if isNew && sev.Rank() >= m.cfg.NewTemplateSeverity.Rank() && m.warm(s, at) {
		text := t.TextFor(s.p.tok.words)
		out = append(out, m.newSignal(s, t, text, ReasonNewTemplate, sev, at))
	}
	if m.afterDeploy(s, t, sev, at, prevLast) {
		text := t.TextFor(s.p.tok.words)
		out = append(out, m.newSignal(s, t, text, ReasonAfterDeploy, sev, at))
	}
	return out
}

func (t *Template) note(l *signal.LogLine, at time.Time, sev signal.Severity, examples int,
	isNew bool) {
	if isNew || at.Before(t.FirstSeen) {
		t.FirstSeen = at
	}
	if at.After(t.LastSeen) {
		t.LastSeen = at
	}
	if sev.Rank() > t.MaxSev.Rank() || t.MaxSev == "" {
		t.MaxSev = sev
	}
	t.InBucket++
	t.addExample(l.Body, examples)
}

func (m *Miner) warm(s *service, at time.Time) bool {
	return m.cfg.WarmUp <= 0 || at.Sub(s.born) >= m.cfg.WarmUp
}

// afterDeploy reports an error template that is fresh since the service's last deploy:
// first seen after it, or not seen in the deploy window before it.
func (m *Miner) afterDeploy(s *service, t *Template, sev signal.Severity, at,
	prevLast time.Time) bool {
	if sev.Rank() < signal.SeverityError.Rank() {
		return false
	}
	dep := m.lastDeploy(s.name)
	if dep.IsZero() || at.Before(dep) || at.Sub(dep) > m.cfg.DeployWindow ||
		t.DeployBlamed.Equal(dep) {
		return false
	}
	fresh := !t.FirstSeen.Before(dep) || prevLast.Before(dep.Add(-m.cfg.DeployWindow))
	if fresh {
		t.DeployBlamed = dep
	}
	return fresh
}

// service returns the state of a service, creating it unless MaxServices is reached.
func (m *Miner) service(name string, at time.Time) *service {
	m.mu.RLock()
	s := m.services[name]
	m.mu.RUnlock()
	if s != nil {
		return s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s = m.services[name]; s != nil {
		return s
	}
	if len(m.services) >= m.cfg.MaxServices {
		return nil
	}
	p, err := NewParser(m.cfg, name)
	if err != nil {
		// The config was validated in New, so masks always compile.
		panic(fmt.Sprintf("building parser for a validated config: %v", err))
	}
	s = &service{name: name, p: p, born: at, bucket: at.Truncate(m.cfg.RateBucket)}
	m.services[name] = s
	return s
}
