package lab

import (
	"fmt"
	"slices"
)

// Service describes one simulated service: how much traffic it takes, whom it calls and
// what its requests cost. Latencies are medians of a log-normal distribution.
type Service struct {
	Name string `yaml:"name" json:"name"`
	// ExternalRPS is the traffic that enters the world at this service (0 for internal
	// services); callers add theirs along the graph.
	ExternalRPS float64 `yaml:"external_rps" json:"external_rps"`
	// Calls lists the downstream services each request calls, with how many calls a request
	// makes on average.
	Calls []Call `yaml:"calls" json:"calls"`
	// SelfLatency is the median time, in seconds, a request spends in this service itself,
	// not counting its downstream calls.
	SelfLatency float64 `yaml:"self_latency" json:"self_latency"`
	// ErrorRatio is the share of requests that fail on a normal day.
	ErrorRatio float64 `yaml:"error_ratio" json:"error_ratio"`
	// BaseCPU is the idle CPU use in cores; CPUPerRequest adds CPU-seconds per request.
	BaseCPU       float64 `yaml:"base_cpu" json:"base_cpu"`
	CPUPerRequest float64 `yaml:"cpu_per_request" json:"cpu_per_request"`
	// MemoryBytes is the resident memory on a normal day.
	MemoryBytes float64 `yaml:"memory_bytes" json:"memory_bytes"`
	// Version is the version running at start.
	Version string `yaml:"version" json:"version"`
}

// Call is one edge of the call graph: Service is called PerRequest times per request.
type Call struct {
	Service    string  `yaml:"service" json:"service"`
	PerRequest float64 `yaml:"per_request" json:"per_request"`
}

// Edge is one caller-to-callee edge, the form CEREBRO's service graph takes.
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
}

const mib = 1 << 20

// DefaultTopology is a small shop: the frontend calls catalog and checkout; checkout calls
// payments and inventory; inventory calls the db.
func DefaultTopology() []Service {
	return []Service{
		{Name: "frontend", ExternalRPS: 120, SelfLatency: 0.020, ErrorRatio: 0.002,
			Calls:   []Call{{"catalog", 1.5}, {"checkout", 0.2}},
			BaseCPU: 0.10, CPUPerRequest: 0.004, MemoryBytes: 180 * mib, Version: "v1.8.2"},
		{Name: "catalog", SelfLatency: 0.015, ErrorRatio: 0.001,
			BaseCPU: 0.05, CPUPerRequest: 0.002, MemoryBytes: 320 * mib, Version: "v3.2.0"},
		{Name: "checkout", SelfLatency: 0.025, ErrorRatio: 0.002,
			Calls:   []Call{{"payments", 1}, {"inventory", 1}},
			BaseCPU: 0.05, CPUPerRequest: 0.006, MemoryBytes: 150 * mib, Version: "v2.4.1"},
		{Name: "payments", SelfLatency: 0.060, ErrorRatio: 0.003,
			BaseCPU: 0.05, CPUPerRequest: 0.008, MemoryBytes: 210 * mib, Version: "v1.0.0"},
		{Name: "inventory", SelfLatency: 0.010, ErrorRatio: 0.001,
			Calls:   []Call{{"db", 2}},
			BaseCPU: 0.05, CPUPerRequest: 0.003, MemoryBytes: 140 * mib, Version: "v5.1.3"},
		{Name: "db", SelfLatency: 0.003, ErrorRatio: 0.0005,
			BaseCPU: 0.20, CPUPerRequest: 0.002, MemoryBytes: 1024 * mib, Version: "15.4"},
	}
}

// Edges returns the call graph of services as caller-to-callee edges, in a stable order.
func Edges(services []Service) []Edge {
	var out []Edge
	for _, s := range services {
		for _, c := range s.Calls {
			out = append(out, Edge{From: s.Name, To: c.Service})
		}
	}
	return out
}

// order checks a topology and returns the indexes of services with every caller before
// its callees. It refuses unknown callees, duplicate names and cycles.
func order(services []Service) ([]int, error) {
	index := make(map[string]int, len(services))
	for i, s := range services {
		if s.Name == "" {
			return nil, fmt.Errorf("service %d: name is empty", i)
		}
		if _, dup := index[s.Name]; dup {
			return nil, fmt.Errorf("service %q: defined twice", s.Name)
		}
		index[s.Name] = i
	}

	// Kahn's algorithm over caller->callee edges.
	indeg := make([]int, len(services))
	for _, s := range services {
		for _, c := range s.Calls {
			j, ok := index[c.Service]
			if !ok {
				return nil, fmt.Errorf("service %q: calls unknown service %q", s.Name, c.Service)
			}
			indeg[j]++
		}
	}
	var queue, out []int
	for i := range services {
		if indeg[i] == 0 {
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		out = append(out, i)
		for _, c := range services[i].Calls {
			j := index[c.Service]
			if indeg[j]--; indeg[j] == 0 {
				queue = append(queue, j)
			}
		}
	}
	if len(out) != len(services) {
		return nil, fmt.Errorf("the call graph has a cycle")
	}
	return out, nil
}

// callers returns the names of every service that reaches name through the call graph,
// nearest first, without name itself.
func callers(services []Service, name string) []string {
	var out []string
	frontier := []string{name}
	for len(frontier) > 0 {
		var next []string
		for _, s := range services {
			if slices.Contains(out, s.Name) || s.Name == name {
				continue
			}
			for _, c := range s.Calls {
				if slices.Contains(frontier, c.Service) {
					out = append(out, s.Name)
					next = append(next, s.Name)
					break
				}
			}
		}
		frontier = next
	}
	return out
}
