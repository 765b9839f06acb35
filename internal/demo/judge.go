package demo

import (
	"slices"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// faultIncident is the incident that holds the faulty service, or the first one opened
// for the fault.
func (s *scenario) faultIncident() (signal.Incident, bool) {
	var ids []int64
	for id := range s.last {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if slices.Contains(s.last[id].Services, s.o.FaultService) {
			return s.last[id], true
		}
	}
	if len(ids) > 0 {
		return s.last[ids[0]], true
	}
	return signal.Incident{}, false
}

// correct reports whether the fault's incident ranks the bad deploy first.
func (s *scenario) correct() bool {
	in, ok := s.faultIncident()
	if !ok || len(in.Hypotheses) == 0 {
		return false
	}
	h := in.Hypotheses[0]
	return h.Kind == "change" && h.Service == s.o.FaultService
}

func (s *scenario) allResolved() bool {
	in, ok := s.faultIncident()
	return ok && in.Status == signal.IncidentResolved
}

// affected reports whether an incident touches a service the fault moves.
func (s *scenario) affected(in signal.Incident) bool {
	truth := s.lab.Truth()
	for _, inj := range truth.Injections {
		for _, svc := range in.Services {
			if slices.Contains(inj.Affected, svc) {
				return true
			}
		}
	}
	return false
}

// judge fills the outcome from what the API showed.
func (s *scenario) judge(res *Result) {
	for _, in := range s.last {
		if s.affected(in) {
			res.Incidents++
		}
	}
	in, ok := s.faultIncident()
	if !ok {
		return
	}
	res.IncidentID = in.ID
	res.DetectedAt, res.DiagnosedAt = in.DetectedAt, in.DiagnosedAt
	res.MTTDSeconds = in.DetectedAt.Sub(s.injected).Seconds()
	if len(in.Hypotheses) > 0 {
		h := in.Hypotheses[0]
		res.TopHypothesis = &Top{Service: h.Service, Kind: h.Kind, Score: h.Score}
	}
	res.Correct = s.correct()
	if in.Status == signal.IncidentResolved {
		res.Resolved, res.ResolvedAt = true, in.ResolvedAt
		res.MTTRSeconds = in.ResolvedAt.Sub(s.injected).Seconds()
	}
}
