package correlate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cerebro-aiops/cerebro/internal/signal"
	"github.com/cerebro-aiops/cerebro/internal/store"
)

// join finds the active incident a firing signal belongs to, or opens a new one; opened
// says which.
//
// A signal joins an incident when it shares the source's own group (Alertmanager's
// groupKey) with a member, or when its service is within Hops of one of the incident's
// services in the graph. The nearest incident wins; ties go to the most recently active.
// The store answers the group question from an index, so the cost of a join does not grow
// with the size of the incidents it looks at.
func (e *Engine) join(tx *store.Tx, s *signal.Signal) (in signal.Incident, opened bool,
	err error) {
	active, err := tx.Candidates(s.EventTime.Add(-e.cfg.Window), s.Source, s.Group)
	if err != nil {
		return in, false, err
	}
	best, bestD := -1, e.cfg.Hops+1
	for i := range active {
		d := e.closeness(&active[i], s)
		if d >= 0 && d < bestD {
			best, bestD = i, d
		}
	}
	if best >= 0 {
		return active[best].Incident, false, nil
	}
	in, err = e.open(tx, s)
	return in, err == nil, err
}

// closeness is 0 for a shared source group, else the graph distance to the incident's
// nearest service, or -1 when the signal does not belong.
func (e *Engine) closeness(c *store.Candidate, s *signal.Signal) int {
	if c.SameGroup {
		return 0
	}
	if s.Service == "" {
		return -1
	}
	return e.distance(c.Services, s.Service)
}

// distance is the smallest graph distance from svc to any of services, if within Hops.
func (e *Engine) distance(services []string, svc string) int {
	best := -1
	for _, x := range services {
		d := e.graph.Distance(x, svc)
		if d >= 0 && d <= e.cfg.Hops && (best < 0 || d < best) {
			best = d
		}
	}
	return best
}

func (e *Engine) open(tx *store.Tx, s *signal.Signal) (signal.Incident, error) {
	now := e.now().UTC()
	in := signal.Incident{
		Status: signal.IncidentOpen, Title: title(s, nil), OpenedAt: now,
		FirstSignalAt: s.StartsAt, DetectedAt: now, LastActivity: s.EventTime,
	}
	if s.Service != "" {
		in.Services = []string{s.Service}
	}
	id, err := tx.CreateIncident(in)
	if err != nil {
		return in, err
	}
	in.ID = id
	e.m.opened.Inc()
	e.log.Info("incident opened", "incident_id", id, "service", s.Service, "name", s.Name)
	return in, nil
}

// noteOpened writes the opened row. It comes after the firing row of the signal that
// opened the incident, so that the timeline, listed in recorded order, gives the cause
// first.
func (e *Engine) noteOpened(tx *store.Tx, in *signal.Incident, s *signal.Signal) error {
	return tx.AddEntry(in.ID, signal.Entry{At: in.OpenedAt, RecordedAt: e.now().UTC(),
		Type: "opened", Text: "incident opened by " + describe(s), SignalID: s.ID})
}

func (e *Engine) addMember(tx *store.Tx, in *signal.Incident, s *signal.Signal) error {
	err := tx.PutMember(in.ID, signal.Member{
		Fingerprint: s.Fingerprint, SignalID: s.ID, FirstSignalID: s.ID, Source: s.Source,
		Kind: s.Kind, Name: s.Name, Service: s.Service, Group: s.Group,
		Status: signal.StatusFiring, Score: s.Score, StartsAt: s.StartsAt,
	})
	if err != nil {
		return err
	}
	name, err := describeIn(tx, in.ID, s)
	if err != nil {
		return err
	}
	if err := tx.AddEntry(in.ID, e.entry(s, "firing", "firing: "+name)); err != nil {
		return err
	}

	if s.Service != "" && !slices.Contains(in.Services, s.Service) {
		in.Services = append(in.Services, s.Service)
		slices.Sort(in.Services)
	}
	if s.StartsAt.Before(in.FirstSignalAt) {
		in.FirstSignalAt = s.StartsAt
	}
	if s.EventTime.After(in.LastActivity) {
		in.LastActivity = s.EventTime
	}
	in.Title = title(s, in)
	return tx.SaveGrouping(*in)
}

// resolveMember marks a member resolved and resolves the incident once every member is.
// in carries the incident's own fields only: its members stay in the store, which answers
// whether any is still open from an index.
func (e *Engine) resolveMember(tx *store.Tx, in *signal.Incident, s *signal.Signal) error {
	if err := tx.ResolveMember(in.ID, s.Fingerprint, s.EventTime, s.ID); err != nil {
		return err
	}
	open, err := tx.HasOpenMembers(in.ID)
	if err != nil {
		return err
	}
	name, err := describeIn(tx, in.ID, s)
	if err != nil {
		return err
	}
	if err := tx.AddEntry(in.ID, e.entry(s, "resolved", "resolved: "+name)); err != nil {
		return err
	}
	if s.EventTime.After(in.LastActivity) {
		in.LastActivity = s.EventTime
	}
	if !open {
		in.Status, in.ResolvedAt = signal.IncidentResolved, s.EventTime
		e.m.resolved.Inc()
		e.log.Info("incident resolved", "incident_id", in.ID)
		err := tx.AddEntry(in.ID, signal.Entry{At: s.EventTime, RecordedAt: e.now().UTC(),
			Type: "incident_resolved", Text: "incident resolved: every member has resolved"})
		if err != nil {
			return err
		}
	}
	return tx.SaveGrouping(*in)
}

// title names an incident after its first signal and the services it spans.
func title(s *signal.Signal, in *signal.Incident) string {
	if in != nil && in.Title != "" && len(in.Services) <= 1 {
		return in.Title
	}
	name := s.Name
	if in != nil && in.Title != "" {
		name, _, _ = strings.Cut(in.Title, " on ")
	}
	if name == "" {
		name = string(s.Kind)
	}
	if in == nil || len(in.Services) == 0 {
		if s.Service == "" {
			return name
		}
		return name + " on " + s.Service
	}
	return fmt.Sprintf("%s on %s", name, strings.Join(in.Services, ", "))
}
