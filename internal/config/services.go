package config

import (
	"fmt"
	"slices"
	"strings"
)

// checkServices checks the service graph: every service named once, every dependency
// listed, and no service depending on itself, directly or around a cycle.
func checkServices(svcs []Service, bad func(path, reason string)) {
	names, unnamed := map[string]bool{}, false
	for i, s := range svcs {
		p := fmt.Sprintf("services[%d]", i)
		switch {
		case s.Name == "":
			unnamed = true
			bad(p+".name", "must not be empty")
		case names[s.Name]:
			bad(p+".name", fmt.Sprintf("service %q listed twice", s.Name))
		}
		names[s.Name] = true
	}
	for i, s := range svcs {
		for j, d := range s.DependsOn {
			p := fmt.Sprintf("services[%d].depends_on[%d]", i, j)
			switch {
			case d == s.Name:
				bad(p, fmt.Sprintf("service %q depends on itself", d))
			case !names[d] && !unnamed:
				// A service without a name, already reported, may be the one meant.
				bad(p, fmt.Sprintf("service %q is not listed under services", d))
			}
		}
	}
	checkCycles(svcs, bad)
}

// checkCycles reports each depends_on entry that closes a cycle. Diagnosis ranks first
// the service the others depend on; around a cycle every member depends on every other,
// so that ranking would say nothing, and the graph is refused instead.
func checkCycles(svcs []Service, bad func(path, reason string)) {
	index := map[string]int{}
	for i, s := range svcs {
		if _, ok := index[s.Name]; !ok {
			index[s.Name] = i
		}
	}
	cc := &cycleFinder{svcs: svcs, index: index, state: make([]int, len(svcs)), bad: bad}
	for i := range svcs {
		if cc.state[i] == unvisited {
			cc.visit(i)
		}
	}
}

// The states of a service during the depth-first search for cycles.
const (
	unvisited = iota
	onPath
	done
)

type cycleFinder struct {
	svcs  []Service
	index map[string]int
	state []int
	path  []string // the services on the current search path, outermost first
	bad   func(path, reason string)
}

func (cc *cycleFinder) visit(i int) {
	cc.state[i] = onPath
	cc.path = append(cc.path, cc.svcs[i].Name)
	for j, d := range cc.svcs[i].DependsOn {
		k, ok := cc.index[d]
		switch {
		case !ok || d == cc.svcs[i].Name:
			// Unlisted and self dependencies have their own problem.
		case cc.state[k] == onPath:
			cc.bad(fmt.Sprintf("services[%d].depends_on[%d]", i, j),
				"depends_on cycle: "+cc.cycle(d))
		case cc.state[k] == unvisited:
			cc.visit(k)
		}
	}
	cc.path = cc.path[:len(cc.path)-1]
	cc.state[i] = done
}

// cycle renders the current path from d back to d.
func (cc *cycleFinder) cycle(d string) string {
	for i, n := range cc.path {
		if n == d {
			return strings.Join(append(slices.Clone(cc.path[i:]), d), " -> ")
		}
	}
	return d
}
