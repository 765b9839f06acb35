package logs

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"
)

// snapshotVersion is bumped when the snapshot layout changes incompatibly.
const snapshotVersion = 1

type snapshot struct {
	Version  int                  `json:"version"`
	Services []serviceSnapshot    `json:"services"`
	Deploys  map[string]time.Time `json:"deploys,omitempty"`
}

type serviceSnapshot struct {
	Name      string             `json:"name"`
	Born      time.Time          `json:"born"`
	Bucket    time.Time          `json:"bucket"`
	Templates []templateSnapshot `json:"templates"`
}

type templateSnapshot struct {
	ID     string     `json:"id"`
	Count  int64      `json:"count"`
	Tokens []string   `json:"tokens"`
	Vals   [][]string `json:"vals,omitempty"` // per position; ["<*>"] marks a variable
	State  state      `json:"state"`
}

// Snapshot writes the mined templates, their counts, examples and rate baselines as JSON.
// It locks one service at a time, so mining goes on meanwhile.
func (m *Miner) Snapshot(w io.Writer) error {
	snap := snapshot{Version: snapshotVersion, Deploys: map[string]time.Time{}}
	m.mu.RLock()
	svcs := make([]*service, 0, len(m.services))
	for _, s := range m.services {
		svcs = append(svcs, s)
	}
	for k, v := range m.deploys {
		snap.Deploys[k] = v
	}
	m.mu.RUnlock()
	sort.Slice(svcs, func(i, j int) bool { return svcs[i].name < svcs[j].name })
	for _, s := range svcs {
		s.mu.Lock()
		snap.Services = append(snap.Services, s.snapshot())
		s.mu.Unlock()
	}
	if err := json.NewEncoder(w).Encode(snap); err != nil {
		return fmt.Errorf("writing logs snapshot: %w", err)
	}
	return nil
}

func (s *service) snapshot() serviceSnapshot {
	out := serviceSnapshot{Name: s.name, Born: s.born, Bucket: s.bucket}
	for _, t := range s.p.all {
		ts := templateSnapshot{ID: t.ID, Count: t.Count, Tokens: t.tokens, State: t.state}
		if t.vals != nil {
			ts.Vals = make([][]string, len(t.vals))
			for i, v := range t.vals {
				ts.Vals[i] = v.words
				if v.high {
					ts.Vals[i] = []string{Wildcard}
				}
			}
		}
		out.Templates = append(out.Templates, ts)
	}
	return out
}

// Restore replaces the miner's state with a snapshot written by Snapshot. Templates past
// the configured caps are dropped; a snapshot of another version is refused.
func (m *Miner) Restore(r io.Reader) error {
	var snap snapshot
	if err := json.NewDecoder(r).Decode(&snap); err != nil {
		return fmt.Errorf("reading logs snapshot: %w", err)
	}
	if snap.Version != snapshotVersion {
		return fmt.Errorf("reading logs snapshot: version %d, want %d", snap.Version,
			snapshotVersion)
	}
	services := make(map[string]*service, len(snap.Services))
	for _, ss := range snap.Services {
		if len(services) >= m.cfg.MaxServices {
			break
		}
		s, err := m.restoreService(ss)
		if err != nil {
			return err
		}
		services[s.name] = s
	}
	m.mu.Lock()
	m.services = services
	m.deploys = snap.Deploys
	if m.deploys == nil {
		m.deploys = map[string]time.Time{}
	}
	m.mu.Unlock()
	return nil
}

func (m *Miner) restoreService(ss serviceSnapshot) (*service, error) {
	p, err := NewParser(m.cfg, ss.Name)
	if err != nil {
		return nil, fmt.Errorf("restoring service %q: %w", ss.Name, err)
	}
	for _, ts := range ss.Templates {
		if len(p.all) >= p.maxTemplates {
			break
		}
		t := &Template{ID: ts.ID, Count: ts.Count, tokens: ts.Tokens, lenKey: len(ts.Tokens),
			state: ts.State}
		if ts.Vals != nil && len(ts.Vals) == len(ts.Tokens) {
			t.vals = make([]posVals, len(ts.Vals))
			for i, v := range ts.Vals {
				t.vals[i] = posVals{words: v, high: len(v) == 1 && v[0] == Wildcard}
				if t.vals[i].high {
					t.vals[i].words = nil
				}
			}
		}
		p.file(t)
		m.met.templates.Inc()
	}
	return &service{name: ss.Name, p: p, born: ss.Born, bucket: ss.Bucket}, nil
}
