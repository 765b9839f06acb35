// Package topology is the service graph that correlate and diagnose consult: which
// service calls which. Its first source is static configuration; edges learned from
// traces and Kubernetes ownership can be added with Add. A Graph is safe for concurrent
// use.
package topology

import (
	"sort"
	"sync"
)

// Graph is a directed call graph: an edge a -> b means a calls b (a depends on b).
type Graph struct {
	mu    sync.RWMutex
	calls map[string]map[string]bool // caller -> callees
	by    map[string]map[string]bool // callee -> callers
}

// New builds an empty graph.
func New() *Graph {
	return &Graph{calls: map[string]map[string]bool{}, by: map[string]map[string]bool{}}
}

// Add records that caller calls callee.
func (g *Graph) Add(caller, callee string) {
	if caller == "" || callee == "" || caller == callee {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.calls[caller] == nil {
		g.calls[caller] = map[string]bool{}
	}
	if g.by[callee] == nil {
		g.by[callee] = map[string]bool{}
	}
	g.calls[caller][callee] = true
	g.by[callee][caller] = true
}

// Known reports whether the service appears in the graph.
func (g *Graph) Known(s string) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.calls[s] != nil || g.by[s] != nil
}

// Distance is the number of edges between a and b ignoring direction, or -1 when they
// are not connected (or either is unknown).
func (g *Graph) Distance(a, b string) int {
	if a == b {
		return 0
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	seen := map[string]bool{a: true}
	frontier := []string{a}
	for d := 1; len(frontier) > 0; d++ {
		var next []string
		for _, n := range frontier {
			for _, m := range g.neighbours(n) {
				if m == b {
					return d
				}
				if !seen[m] {
					seen[m] = true
					next = append(next, m)
				}
			}
		}
		frontier = next
	}
	return -1
}

func (g *Graph) neighbours(n string) []string {
	out := make([]string, 0, len(g.calls[n])+len(g.by[n]))
	for m := range g.calls[n] {
		out = append(out, m)
	}
	for m := range g.by[n] {
		out = append(out, m)
	}
	return out
}

// DependsOn reports whether a calls b directly or through other services.
func (g *Graph) DependsOn(a, b string) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	seen := map[string]bool{a: true}
	stack := []string{a}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for m := range g.calls[n] {
			if m == b {
				return true
			}
			if !seen[m] {
				seen[m] = true
				stack = append(stack, m)
			}
		}
	}
	return false
}

// Callers lists the services that call s directly, sorted.
func (g *Graph) Callers(s string) []string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]string, 0, len(g.by[s]))
	for m := range g.by[s] {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// Callees lists the services s calls directly, sorted.
func (g *Graph) Callees(s string) []string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]string, 0, len(g.calls[s]))
	for m := range g.calls[s] {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}
