package lab

import "time"

// Truth is the ground truth of a lab run: every fault injected, where and when. Tests and
// benchmarks score CEREBRO's diagnosis against it.
type Truth struct {
	Injections []Injection `json:"injections"`
}

// Injection is one fault brought by one deploy.
type Injection struct {
	Fault           string    `json:"fault"`
	Service         string    `json:"service"`
	Version         string    `json:"version"`
	PreviousVersion string    `json:"previous_version"`
	InjectedAt      time.Time `json:"injected_at"`
	// RolledBackAt is when a rollback, or a later deploy, removed the faulty version.
	RolledBackAt *time.Time `json:"rolled_back_at,omitempty"`
	// Affected lists the faulty service and every service that calls it, directly or not,
	// nearest first: the services whose metrics the fault moves.
	Affected []string `json:"affected"`
}

// State is what the lab runs now and how each service is doing.
type State struct {
	Time     time.Time      `json:"time"`
	Services []ServiceState `json:"services"`
}

// ServiceState is one service's version and instant health.
type ServiceState struct {
	Name            string   `json:"name"`
	Version         string   `json:"version"`
	PreviousVersion string   `json:"previous_version,omitempty"`
	Calls           []string `json:"calls,omitempty"`
	// Fault names the fault the running version carries, if any.
	Fault          string  `json:"fault,omitempty"`
	RequestRate    float64 `json:"request_rate"`
	LatencySeconds float64 `json:"latency_seconds"` // median
	ErrorRatio     float64 `json:"error_ratio"`
	CPUCores       float64 `json:"cpu_cores"`
	MemoryBytes    float64 `json:"memory_bytes"`
}

// truth copies the injections made so far.
func (w *world) truth() Truth {
	w.mu.Lock()
	defer w.mu.Unlock()
	specs := make([]Service, len(w.services))
	for i, s := range w.services {
		specs[i] = s.spec
	}
	out := Truth{Injections: []Injection{}}
	for _, in := range w.injections {
		inj := Injection{
			Fault: in.fault.Name, Service: in.service, Version: in.version,
			PreviousVersion: in.previous, InjectedAt: in.injectedAt,
			Affected: append([]string{in.service}, callers(specs, in.service)...),
		}
		if !in.rolledBack.IsZero() {
			at := in.rolledBack
			inj.RolledBackAt = &at
		}
		out.Injections = append(out.Injections, inj)
	}
	return out
}

// state advances the world to t and reports it.
func (w *world) state(t time.Time) State {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.advance(t)
	out := State{Time: w.last}
	for _, s := range w.services {
		ss := ServiceState{
			Name: s.spec.Name, Version: s.version, PreviousVersion: s.previous,
			RequestRate: s.rate, LatencySeconds: s.latency, ErrorRatio: s.errRatio,
			CPUCores: s.cpu, MemoryBytes: s.memory,
		}
		for _, c := range s.spec.Calls {
			ss.Calls = append(ss.Calls, c.Service)
		}
		if s.fault != nil && s.fault.rolledBack.IsZero() {
			ss.Fault = s.fault.fault.Name
		}
		out.Services = append(out.Services, ss)
	}
	return out
}
